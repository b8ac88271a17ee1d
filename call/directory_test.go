package call

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakeDirectory is the directory of context "default".
type fakeDirectory struct {
	entries []state.DirectoryEntry
	err     error
	asked   []string
}

func (f *fakeDirectory) Directory(_ context.Context, context string) ([]state.DirectoryEntry, error) {
	f.asked = append(f.asked, context)
	return f.entries, f.err
}

// TestCallDirectoryConnects walks a directory call: the names are read
// once, the match is said, and 1 hands the call back with the extension.
func TestCallDirectoryConnects(t *testing.T) {
	c, fa, _, _ := newTestCall(t)
	fd := &fakeDirectory{entries: []state.DirectoryEntry{
		{Number: "1002", Name: "Bob Smythe"},
		{Number: "1001", Name: "Alice Smith", NameRecording: "voicemail/default/1001/greeting/greet-1"},
	}}
	c.deps.dir = fd
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDirectory, Lang: "en",
		Directory: &menus.Directory{Context: "sales"}}})
	for _, d := range []byte("764") {
		c.step(ctx, menus.Digit(d))
	}
	drain(t, c)
	if !slices.Equal(fd.asked, []string{"sales"}) {
		t.Fatalf("directory read for %v, want sales once", fd.asked)
	}
	c.step(ctx, menus.Digit('1'))
	want := []string{"play sound:dir-welcome", "stop", "play recording:voicemail/default/1001/greeting/greet-1", "stop",
		"set DIRECTORY_RESULT=SELECTED", "set DIRECTORY_EXTEN=1001", "continue"}
	if !slices.Equal(fa.calls, want) {
		t.Fatalf("ARI calls %q, want %q", fa.calls, want)
	}
}

// TestCallDirectoryStorageDown says sorry and asks again.
func TestCallDirectoryStorageDown(t *testing.T) {
	c, fa, _, _ := newTestCall(t)
	c.deps.dir = &fakeDirectory{err: errors.New("redis: connection refused")}
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDirectory, Directory: &menus.Directory{Context: "default"}}})
	for _, d := range []byte("764") {
		c.step(ctx, menus.Digit(d))
	}
	drain(t, c)
	if got := fa.calls[len(fa.calls)-1]; got != "play sound:vm-sorry" {
		t.Fatalf("last ARI call %q, want the apology (%q)", got, fa.calls)
	}
}
