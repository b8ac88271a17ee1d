package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/migrate"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// The migration round trip against the real app_voicemail of the test PBX:
// app_voicemail takes messages and greetings ([avm-migrate] in
// testenv/asterisk/extensions.conf), voicemail import brings them over,
// the owner hears them through this app; voicemail export writes them back
// and app_voicemail counts and plays them.

// migrateDirs returns app_voicemail's spool and Asterisk's recording
// directory as the host sees them (testenv/where).
func migrateDirs(t *testing.T) (spool, rec string) {
	t.Helper()
	spool, rec = os.Getenv("VOICEMAIL_TEST_VOICEMAIL_SPOOL"), os.Getenv("VOICEMAIL_TEST_RECORDINGS")
	if spool == "" || rec == "" {
		testenv.Missing(t, "no VOICEMAIL_TEST_VOICEMAIL_SPOOL or VOICEMAIL_TEST_RECORDINGS: run testenv/up and eval \"$(testenv/where)\"")
	}
	return spool, rec
}

// avmCall places a call into exten of [avm-migrate] as callerID, lets the
// caller talk for talk once app_voicemail listens, and hangs up.
func (h *harness) avmCall(ctx context.Context, exten, callerID string, talk time.Duration) {
	h.t.Helper()
	call, err := h.caller.Dial(ctx, exten, "avm-migrate", callerID)
	must(h.t, err)
	defer h.caller.Forget(call)
	must(h.t, call.WaitAnswered(ctx))
	// app_voicemail's beep (VoiceMail's s option skips the greeting).
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		h.t.Fatal(ctx.Err())
	}
	must(h.t, call.Talk(ctx, talk))
	must(h.t, call.WaitEnded(ctx))
}

// waitFile waits until path exists and contains want.
func waitFile(t *testing.T, ctx context.Context, path, want string) {
	t.Helper()
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(want)) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never held %q: %v", path, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// moveMessage files spool message from/msgNNNN as to/msg0000, as
// app_voicemail's save_to_folder does when the owner presses 9.
func moveMessage(t *testing.T, box, from, to string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(box, from) + ".*")
	if err != nil || len(files) < 2 {
		t.Fatalf("spool message %s: %v %v", from, files, err)
	}
	must(t, os.MkdirAll(filepath.Join(box, to), 0o777))
	for _, f := range files {
		must(t, os.Rename(f, filepath.Join(box, to, "msg0000"+filepath.Ext(f))))
	}
}

// copyTree copies the directory src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	must(t, filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer func() { _ = in.Close() }()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			_ = out.Close()
			return err
		}
		return out.Close()
	}))
}

// waitHeardRecording waits until call heard a recording whose name starts
// with prefix, and returns it.
func waitHeardRecording(ctx context.Context, call *testenv.Call, prefix string) (string, error) {
	for {
		for _, n := range call.HeardNames() {
			if strings.HasPrefix(n, "recording:"+prefix) {
				return strings.TrimPrefix(n, "recording:"), nil
			}
		}
		if call.Ended() {
			return "", fmt.Errorf("call ended without a recording %s*; heard %v", prefix, call.HeardNames())
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no recording %s* heard: %w; heard %v", prefix, ctx.Err(), call.HeardNames())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestIntegrationMigrateFromAndBackToAppVoicemail(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 4*time.Minute)
	spool, rec := migrateDirs(t)
	box := filepath.Join(spool, "migrate", "7101")
	clean := func() {
		_ = os.RemoveAll(box)
		_ = os.RemoveAll(filepath.Join(rec, "voicemail", "migrate", "7101"))
	}
	clean()
	t.Cleanup(clean)

	// app_voicemail takes five messages and an urgent one, and records
	// the unavailable greeting (WAV) and the name (GSM).
	for i, caller := range []string{"Bob <2001>", "Carol <2002>", "Dan <2003>", "Eve <2004>", "Fay <2005>"} {
		h.avmCall(ctx, "dep7101", caller, 3*time.Second)
		waitFile(t, ctx, filepath.Join(box, "INBOX", fmt.Sprintf("msg%04d.txt", i)), "duration=")
	}
	h.avmCall(ctx, "urg7101", "Gus <2006>", 3*time.Second)
	waitFile(t, ctx, filepath.Join(box, "Urgent", "msg0000.txt"), "duration=")
	h.avmCall(ctx, "ua7101", "Ann <7101>", 3*time.Second)
	h.avmCall(ctx, "greet7101", "Ann <7101>", 3*time.Second)
	waitFile(t, ctx, filepath.Join(box, "unavail.wav"), "RIFF")
	waitFile(t, ctx, filepath.Join(box, "greet.gsm"), "")
	// The owner files four of them, as app_voicemail does (rename).
	for i, folder := range []string{"Old", "Work", "Family", "Friends"} {
		moveMessage(t, box, fmt.Sprintf("INBOX/msg%04d", i+1), folder)
	}
	// The administrator copies the spool to the new server.
	backup := t.TempDir()
	copyTree(t, filepath.Join(spool, "migrate"), filepath.Join(backup, "migrate"))

	env := h.env
	cli := func(args ...string) (int, migrate.Report, string) {
		t.Helper()
		args = append(args, "--json", "--redis.addrs", h.rdb.Options().Addr, "--ari.url", env.ARIURL,
			"--ari.username", env.ARIUser, "--ari.password_file", writeFile(t, "ari-password", env.ARIPass),
			"--log.level", "error", "--voicemail.pin_hash_cost", "4", "--recordings", rec)
		var out, errOut bytes.Buffer
		code := Main(ctx, args, &out, &errOut)
		var rep migrate.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("voicemail %s: exit %d, output not JSON (%v): %s\nstderr: %s", args[0], code, err, out.String(), errOut.String())
		}
		return code, rep, errOut.String()
	}
	conf := filepath.Join("..", "testenv", "asterisk", "voicemail_migrate.conf")

	// A dry run first: nothing is written.
	code, rep, stderr := cli("import", "--conf", conf, "--spool", backup, "--dry-run")
	if code != 0 || rep.Count("message", migrate.Done)+rep.Count("message", migrate.Noted) != 6 {
		t.Fatalf("dry run: exit %d, counts %v; %s", code, rep.Counts, stderr)
	}
	mb := state.MailboxID{Number: "7101", Context: "migrate"}
	st := h.store()
	if ok, err := st.MailboxExists(ctx, mb); err != nil || ok {
		t.Fatalf("dry run created the mailbox (%v, %v)", ok, err)
	}

	code, rep, stderr = cli("import", "--conf", conf, "--spool", backup)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	// The urgent message too: it goes to the Urgent folder.
	if rep.Count("mailbox", migrate.Done) != 1 || rep.Count("message", migrate.Done) != 6 || rep.Count("message", migrate.Noted) != 0 ||
		rep.Count("greeting", migrate.Done) != 2 {
		t.Errorf("import counts %v", rep.Counts)
	}
	var notApplied []string
	var skipped []string
	for _, l := range rep.Lines {
		switch {
		case l.Mailbox != mb.String():
		case l.Action == migrate.NotApplied:
			notApplied = append(notApplied, l.Item)
		case l.Action == migrate.Skipped:
			skipped = append(skipped, l.Item)
		}
	}
	// saycid and review are the mailbox's options now; tz=central names a
	// [zonemessages] entry, which is not read.
	if slices.Contains(notApplied, "option saycid") || !slices.Contains(skipped, "option tz") {
		t.Errorf("not applied: %v, skipped %v; want saycid applied and tz skipped", notApplied, skipped)
	}
	if got, err := st.Mailbox(ctx, mb); err != nil || got.Options.SayCID == nil || !*got.Options.SayCID {
		t.Errorf("7101's options after import: %+v, %v; want saycid", got.Options, err)
	}
	c, err := st.Counts(ctx, mb)
	must(t, err)
	if c != (state.Counts{New: 1, Urgent: 1, Old: 1, Work: 1, Family: 1, Friends: 1}) {
		t.Errorf("counts after import %+v, want New 1, Urgent 1 and one in each other folder", c)
	}
	newMsgs, err := st.Messages(ctx, mb, state.FolderNew)
	must(t, err)
	urgentMsgs, err := st.Messages(ctx, mb, state.FolderUrgent)
	must(t, err)
	newMsgs = append(newMsgs, urgentMsgs...)
	callers := map[string]bool{}
	for _, m := range newMsgs {
		callers[m.CallerName+" <"+m.CallerNum+">"] = m.Urgent
		if m.Duration < time.Second || !h.storedExists(ctx, m.Recording) {
			t.Errorf("message %s: %s long, audio %s stored: %v", m.ID, m.Duration, m.Recording, h.storedExists(ctx, m.Recording))
		}
	}
	if urgent, ok := callers["Bob <2001>"]; !ok || urgent || !callers["Gus <2006>"] {
		t.Errorf("New and Urgent hold %v (caller: urgent), want Bob <2001> and urgent Gus <2006>", callers)
	}
	greetings, err := st.Greetings(ctx, mb)
	must(t, err)
	for _, g := range []mailbox.Greeting{mailbox.GreetingUnavail, mailbox.GreetingName} {
		if greetings[g] == "" || !h.storedExists(ctx, greetings[g]) {
			t.Errorf("greeting %s = %q, not stored", g, greetings[g])
		}
	}

	// Again: nothing changes.
	code, rep, stderr = cli("import", "--conf", conf, "--spool", backup)
	if code != 0 || rep.Count("message", migrate.Done)+rep.Count("message", migrate.Noted)+rep.Count("greeting", migrate.Done)+
		rep.Count("mailbox", migrate.Done) != 0 || rep.Count("message", migrate.Unchanged) != 6 {
		t.Errorf("second import: exit %d, counts %v; %s", code, rep.Counts, stderr)
	}

	// The owner hears them through this app, with the PIN of
	// voicemail.conf.
	owner := h.dialOn(ctx, h.caller, "*97", "vm-migrate", "Ann <7101>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, "4242#"))
	must(t, owner.WaitFor(ctx, "vm-youhave"))
	must(t, owner.WaitFor(ctx, "vm-helpexit"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "vm-from-phonenumber"))
	heard, err := waitHeardRecording(ctx, owner, "voicemail/migrate/7101/msg/")
	must(t, err)
	if !slices.ContainsFunc(newMsgs, func(m state.Message) bool { return m.Recording == heard }) {
		t.Errorf("heard %s, not a New or Urgent message", heard)
	}
	must(t, owner.Hangup(ctx))
	// A caller hears the imported greeting and leaves a message here.
	caller := h.dialOn(ctx, h.caller, "dep7101", "vm-migrate", "Hal <2008>")
	must(t, caller.WaitFor(ctx, "recording:"+greetings[mailbox.GreetingUnavail]))
	must(t, caller.Press(ctx, "#"))
	must(t, caller.WaitRecording(ctx))
	must(t, caller.Talk(ctx, 3*time.Second))
	must(t, caller.WaitEnded(ctx))
	// The owner's listen moved the urgent message to Old; Hal's adds one.
	for c.New+c.Urgent+c.Old != 4 {
		select {
		case <-ctx.Done():
			t.Fatalf("the message left here never came: counts %+v", c)
		case <-time.After(100 * time.Millisecond):
		}
		c, err = st.Counts(ctx, mb)
		must(t, err)
	}

	// The way back: app_voicemail's spool is gone, export writes it again,
	// with the message left here.
	must(t, os.RemoveAll(box))
	code, rep, stderr = cli("export", "--spool", spool, "--export-context", "migrate", "--formats", "wav|gsm")
	if code != 0 || rep.Count("message", migrate.Done) != 7 || rep.Count("greeting", migrate.Done) != 2 {
		t.Fatalf("export: exit %d, counts %v; %s", code, rep.Counts, stderr)
	}
	info, err := h.caller.Dial(ctx, "ask7101", "avm-migrate", "")
	must(t, err)
	defer func() { _ = info.Hangup(context.Background()); h.caller.Forget(info) }()
	must(t, info.WaitAnswered(ctx))
	var vm, play string
	for play == "" {
		vm, _ = h.caller.Client.GetVariable(ctx, info.B, "TESTENV_VM")
		play, _ = h.caller.Client.GetVariable(ctx, info.B, "TESTENV_PLAY")
		select {
		case <-ctx.Done():
			t.Fatalf("app_voicemail's view never came: TESTENV_VM=%q", vm)
		case <-time.After(200 * time.Millisecond):
		}
	}
	unheard := c.New + c.Urgent
	want := fmt.Sprintf("1:%d:%d:%d:%d:%d:", unheard, c.Old, c.Work, c.Family, c.Friends)
	var inbox, urgent int
	if _, err := fmt.Sscanf(vm, "1:%d:", &inbox); err == nil {
		want = fmt.Sprintf("1:%d:%d:%d:%d:%d:%d", inbox, c.Old, c.Work, c.Family, c.Friends, unheard-inbox)
		urgent = unheard - inbox
	}
	if vm != want || inbox < 1 || urgent < 0 || play == "" || !strings.HasPrefix(play, "SUCCESS:") {
		t.Errorf("app_voicemail sees exists:INBOX:Old:Work:Family:Friends:Urgent = %s and plays %s; want %s (INBOX+Urgent = New+Urgent %d) and SUCCESS first", vm, play, want, unheard)
	}
	for _, f := range []string{"INBOX/msg0000.gsm", "unavail.wav", "greet.wav"} {
		if _, err := os.Stat(filepath.Join(box, f)); err != nil {
			t.Errorf("export: %v", err)
		}
	}
}
