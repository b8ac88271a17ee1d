package menus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// The files in testdata/sessions hold, one JSON document a line, what the
// app saved to Redis for calls driven through the engine by the FuzzEngine
// corpus (and a few walks through the folders), with the code of commit
// 3073721: split states ([State.Split], the session's menu) in
// states.jsonl, folder listings ([State.FolderListing]) in listings.jsonl.
// Instances of different versions share these records during a rolling
// upgrade, each resuming calls the other saved, so the encoding must not
// change: every record decodes and encodes back to the same bytes.

// TestSavedSessionsEncodeUnchanged decodes each saved split state and
// encodes it again, byte for byte, and checks that the state joins with a
// listing of the right length and resumes.
func TestSavedSessionsEncodeUnchanged(t *testing.T) {
	e := newEngine(t)
	for i, line := range readLines(t, "testdata/sessions/states.jsonl") {
		var s State
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		got, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !bytes.Equal(got, line) {
			t.Errorf("line %d encodes differently:\n got %s\nwant %s", i+1, got, line)
		}
		// Another instance takes the call over from this record.
		var listing []MsgInfo
		if s.Box != nil {
			listing = make([]MsgInfo, len(s.Box.Marks))
		}
		joined, err := Join(s, listing)
		if err != nil {
			t.Fatalf("line %d: join: %v", i+1, err)
		}
		if joined.Phase != PhaseDone {
			e.Step(joined, Event{Kind: EvResume})
		}
	}
}

// TestSavedListingsEncodeUnchanged is the same for the folder listings.
func TestSavedListingsEncodeUnchanged(t *testing.T) {
	for i, line := range readLines(t, "testdata/sessions/listings.jsonl") {
		var l []MsgInfo
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		got, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !bytes.Equal(got, line) {
			t.Errorf("line %d encodes differently:\n got %s\nwant %s", i+1, got, line)
		}
	}
}

// readLines returns the non-empty lines of a file, failing on none.
func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("%s holds no records", name)
	}
	return lines
}
