package migrate

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// toneWAV returns seconds of a tone as Asterisk's wav format stores it.
func toneWAV(seconds float64) []byte {
	n := int(seconds * 8000)
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(2*n))
	for i := 0; i < n; i++ {
		_ = binary.Write(&b, binary.LittleEndian, int16(8000*math.Sin(float64(i)*2*math.Pi*440/8000)))
	}
	return b.Bytes()
}

func needSox(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sox"); err != nil {
		testenv.Missing(t, "sox not installed (testenv/up installs it)")
	}
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// soxFile writes a tone in format ext (gsm, WAV) at path, with sox.
func soxFile(t *testing.T, path, ext string) {
	t.Helper()
	if err := (Audio{}).FromWAV(context.Background(), toneWAV(2), path, ext); err != nil {
		t.Fatal(err)
	}
}

func msgInfo(callerID string, origtime int64, duration int, flag string) []byte {
	return []byte(";\n; Message Information file\n;\n[message]\norigmailbox=1234\ncontext=phones\nmacrocontext=\nexten=1234\n" +
		"rdnis=unknown\npriority=2\ncallerchan=PJSIP/2001-00000001\ncallerid=" + callerID + "\norigdate=Tue Nov 14 10:13:20 PM UTC 2023\n" +
		"origtime=" + itoa(origtime) + "\ncategory=\nmsg_id=" + itoa(origtime) + "-00000001\nflag=" + flag + "\nduration=" + itoa(int64(duration)) + "\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const testConf = `[general]
format=wav|gsm
review=no
[default]
1234 => 4242,Ann Example,ann@example.com,ann-pager@example.com,saycid=yes|review=yes|language=fr
1237 => abcd,Letters
`

// buildSpool writes a spool as app_voicemail leaves it: every folder, the
// formats it stores, greetings, and what import must skip.
func buildSpool(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	box := filepath.Join(root, "default", "1234")
	writeTestFile(t, filepath.Join(box, "INBOX", "msg0000.txt"), msgInfo(`"Bob" <2001>`, 1700000000, 2, ""))
	writeTestFile(t, filepath.Join(box, "INBOX", "msg0000.wav"), toneWAV(2))
	writeTestFile(t, filepath.Join(box, "INBOX", "msg0001.txt"), msgInfo(`<2002>`, 1700000100, 0, "Urgent"))
	soxFile(t, filepath.Join(box, "INBOX", "msg0001.gsm"), "gsm")
	writeTestFile(t, filepath.Join(box, "INBOX", "msg0002.txt"), msgInfo("Unknown", 1700000200, 3, ""))
	writeTestFile(t, filepath.Join(box, "INBOX", "msg0002.g729"), []byte("not readable here"))
	writeTestFile(t, filepath.Join(box, "Old", "msg0000.txt"), msgInfo(`"Carol" <2003>`, 1600000000, 2, ""))
	soxFile(t, filepath.Join(box, "Old", "msg0000.WAV"), "WAV")
	for i, f := range []string{"Work", "Family", "Friends", "Urgent"} {
		writeTestFile(t, filepath.Join(box, f, "msg0000.txt"), msgInfo(`"Dan" <2004>`, 1650000000+int64(i), 2, ""))
		writeTestFile(t, filepath.Join(box, f, "msg0000.wav"), toneWAV(2))
	}
	writeTestFile(t, filepath.Join(box, "Cust1", "msg0000.wav"), toneWAV(1))
	writeTestFile(t, filepath.Join(box, "unavail.wav"), toneWAV(1))
	writeTestFile(t, filepath.Join(box, "unavail.txt"), []byte("[message]\n"))
	soxFile(t, filepath.Join(box, "greet.gsm"), "gsm")
	soxFile(t, filepath.Join(box, "busy.WAV"), "WAV")
	writeTestFile(t, filepath.Join(root, "default", "9999", "INBOX", "msg0000.wav"), toneWAV(1))
	return root
}

func TestImportSpool(t *testing.T) {
	needSox(t)
	ctx := context.Background()
	spool := buildSpool(t)
	rec := t.TempDir()
	conf, err := ParseConf(fstest.MapFS{"voicemail.conf": {Data: []byte(testConf)}}, "voicemail.conf")
	if err != nil {
		t.Fatal(err)
	}
	st := newFakeStore()

	// A dry run writes nothing and says what it would do.
	dry := &Importer{Store: st, Recordings: rec, DryRun: true}
	rep, err := dry.Import(ctx, conf, spool)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.boxes) != 0 || rep.Count("message", Done)+rep.Count("message", Noted) != 7 {
		t.Fatalf("dry run: %d mailboxes stored, %d messages to import, want 0 and 7:\n%s", len(st.boxes),
			rep.Count("message", Done)+rep.Count("message", Noted), reportText(rep))
	}
	if entries, _ := os.ReadDir(rec); len(entries) != 0 {
		t.Errorf("dry run wrote %d entries into the recording directory", len(entries))
	}

	im := &Importer{Store: st, Recordings: rec}
	rep, err = im.Import(ctx, conf, spool)
	if err != nil {
		t.Fatal(err)
	}
	text := reportText(rep)
	ann := mailbox.ID{Number: "1234", Context: "default"}
	b := st.boxes[ann]
	if b.PIN != "4242" || b.Name != "Ann Example" || b.Email != "ann@example.com" || b.Language != "fr" ||
		b.Options.Review == nil || !*b.Options.Review || b.Options.SayCID == nil || !*b.Options.SayCID ||
		b.Notify.Pager != "ann-pager@example.com" || b.MustChangePIN {
		t.Errorf("1234 created as %+v", b)
	}
	letters := st.boxes[mailbox.ID{Number: "1237", Context: "default"}]
	if !digits(letters.PIN, 6) || !letters.MustChangePIN || !strings.Contains(text, "one-time PIN "+letters.PIN) {
		t.Errorf("1237 (password abcd) created as %+v; report:\n%s", letters, text)
	}
	for _, want := range []string{
		"[general] review=no: not applied per mailbox: set voicemail.review",
		"no audio in a format this app reads (found [g729])", "folder Cust1 skipped", "in the spool but not in voicemail.conf",
		"into Urgent as",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	counts := map[mailbox.Folder]int{}
	for _, m := range st.messages[ann] {
		counts[m.Folder]++
		wav, err := os.ReadFile(filepath.Join(rec, m.Recording+".wav"))
		if err != nil || !isPlainWAV(wav) {
			t.Errorf("message %s: audio %s: %v (plain WAV: %v)", m.ID, m.Recording, err, isPlainWAV(wav))
		}
		if m.Duration < time.Second || m.Duration > 3*time.Second {
			t.Errorf("message %s lasts %s, want about 2s", m.ID, m.Duration)
		}
	}
	// INBOX/msg0001 (flag=Urgent) and Urgent/msg0000 are unheard urgent
	// messages: the Urgent folder.
	want := map[mailbox.Folder]int{mailbox.FolderNew: 1, mailbox.FolderUrgent: 2, mailbox.FolderOld: 1, mailbox.FolderWork: 1, mailbox.FolderFamily: 1, mailbox.FolderFriends: 1}
	for f, n := range want {
		if counts[f] != n {
			t.Errorf("folder %s holds %d messages, want %d", f, counts[f], n)
		}
	}
	first := st.messages[ann][string(StableID(ann, "INBOX", "msg0000", 1700000000))]
	if first.CallerName != "Bob" || first.CallerNum != "2001" || first.Received.Unix() != 1700000000 || first.Urgent {
		t.Errorf("INBOX/msg0000 imported as %+v", first)
	}
	if u := st.messages[ann][string(StableID(ann, "INBOX", "msg0001", 1700000100))]; !u.Urgent || u.CallerNum != "2002" || u.Folder != mailbox.FolderUrgent {
		t.Errorf("INBOX/msg0001 (flag=Urgent, gsm) imported as %+v", u)
	}
	if u := st.messages[ann][string(StableID(ann, "Urgent", "msg0000", 1650000003))]; !u.Urgent || u.Folder != mailbox.FolderUrgent {
		t.Errorf("Urgent/msg0000 imported as %+v", u)
	}
	for _, g := range []mailbox.Greeting{mailbox.GreetingUnavail, mailbox.GreetingBusy, mailbox.GreetingName} {
		name := st.greetings[ann][g]
		if wav, err := os.ReadFile(filepath.Join(rec, name+".wav")); err != nil || !isPlainWAV(wav) {
			t.Errorf("greeting %s = %q: %v", g, name, err)
		}
	}
	if st.notified[ann] != 1 {
		t.Errorf("lamps notified %d times for 1234, want 1", st.notified[ann])
	}

	// A second import changes nothing.
	before := snapshot(t, rec)
	rep, err = im.Import(ctx, conf, spool)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Count("message", Done) + rep.Count("message", Noted) + rep.Count("greeting", Done) + rep.Count("mailbox", Done); n != 0 {
		t.Errorf("second import did %d things:\n%s", n, reportText(rep))
	}
	if rep.Count("message", Unchanged) != 7 || rep.Count("greeting", Unchanged) != 3 || rep.Count("mailbox", Unchanged) != 2 {
		t.Errorf("second import counts %v", rep.Counts)
	}
	if after := snapshot(t, rec); after != before {
		t.Errorf("second import changed the recording directory:\n%s\n---\n%s", before, after)
	}
	if st.notified[ann] != 1 {
		t.Errorf("second import notified the lamps")
	}
}

func TestExportRoundTrip(t *testing.T) {
	needSox(t)
	ctx := context.Background()
	rec := t.TempDir()
	conf, err := ParseConf(fstest.MapFS{"voicemail.conf": {Data: []byte(testConf)}}, "voicemail.conf")
	if err != nil {
		t.Fatal(err)
	}
	st := newFakeStore()
	if _, err := (&Importer{Store: st, Recordings: rec}).Import(ctx, conf, buildSpool(t)); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ex := &Exporter{Store: st, Recordings: rec, Formats: []string{"wav", "gsm"}}
	rep, err := ex.Export(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count("message", Done) != 7 || rep.Count("greeting", Done) != 3 {
		t.Fatalf("export counts %v:\n%s", rep.Counts, reportText(rep))
	}
	box := filepath.Join(out, "default", "1234")
	for _, f := range []string{"INBOX/msg0000", "Urgent/msg0000", "Urgent/msg0001", "Old/msg0000", "Work/msg0000",
		"Family/msg0000", "Friends/msg0000"} {
		for _, ext := range []string{".txt", ".wav", ".gsm"} {
			if _, err := os.Stat(filepath.Join(box, f+ext)); err != nil {
				t.Errorf("export: %v", err)
			}
		}
	}
	for _, g := range []string{"unavail.wav", "busy.wav", "greet.wav", "greet.gsm"} {
		if _, err := os.Stat(filepath.Join(box, g)); err != nil {
			t.Errorf("export: %v", err)
		}
	}
	f, err := os.Open(filepath.Join(box, "INBOX", "msg0000.txt"))
	if err != nil {
		t.Fatal(err)
	}
	info := ParseMessageInfo(f)
	_ = f.Close()
	if info.CallerName != "Bob" || info.CallerNum != "2001" || info.OrigTime != 1700000000 || info.Duration != 2 ||
		info.MsgID != string(StableID(mailbox.ID{Number: "1234", Context: "default"}, "INBOX", "msg0000", 1700000000)) {
		t.Errorf("INBOX/msg0000.txt reads back as %+v", info)
	}

	// Again: nothing new is written.
	before := snapshot(t, out)
	rep, err = ex.Export(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count("message", Done) != 0 || rep.Count("message", Unchanged) != 7 {
		t.Errorf("second export counts %v", rep.Counts)
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("second export changed the spool")
	}

	// And back: the exported spool imports into a fresh store with the
	// same envelopes.
	st2 := newFakeStore()
	if _, err := (&Importer{Store: st2, Recordings: t.TempDir()}).Import(ctx, conf, out); err != nil {
		t.Fatal(err)
	}
	ann := mailbox.ID{Number: "1234", Context: "default"}
	if len(st2.messages[ann]) != 7 {
		t.Fatalf("re-import: %d messages, want 7", len(st2.messages[ann]))
	}
	byTime := map[int64]state.Message{}
	for _, m := range st2.messages[ann] {
		byTime[m.Received.Unix()] = m
	}
	for _, m := range st.messages[ann] {
		m2 := byTime[m.Received.Unix()]
		if m2.Folder != m.Folder || m2.CallerNum != m.CallerNum || m2.CallerName != m.CallerName || m2.Urgent != m.Urgent {
			t.Errorf("round trip: %+v came back as %+v", m, m2)
		}
	}
}

func TestParseCallerID(t *testing.T) {
	for in, want := range map[string][2]string{
		`"Bob Smith" <2001>`: {"Bob Smith", "2001"},
		`<2002>`:             {"", "2002"},
		`2003`:               {"", "2003"},
		`Unknown`:            {"", ""},
		`"Only Name"`:        {"Only Name", ""},
		`Bare Name <+33 1>`:  {"Bare Name", "+33 1"},
	} {
		name, num := ParseCallerID(in)
		if name != want[0] || num != want[1] {
			t.Errorf("ParseCallerID(%q) = %q, %q, want %q, %q", in, name, num, want[0], want[1])
		}
	}
}

func TestStableIDIsAMessageID(t *testing.T) {
	id := StableID(mailbox.ID{Number: "1234", Context: "default"}, "INBOX", "msg0000", 1700000000)
	if err := id.Validate(); err != nil || !strings.HasPrefix(string(id), "m1700000000000-") {
		t.Errorf("StableID = %q: %v", id, err)
	}
	if other := StableID(mailbox.ID{Number: "1234", Context: "default"}, "Old", "msg0000", 1700000000); other == id {
		t.Error("two folders give the same id")
	}
}

func reportText(r *Report) string {
	var b bytes.Buffer
	_ = r.WriteText(&b)
	return b.String()
}

// snapshot lists the files under dir with their sizes and times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + itoa(fi.Size()) + " " + fi.ModTime().String() + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
