package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// TestIntegrationCallTranscriptInEmail: with mail.transcribe, a caller who
// speaks (espeak-ng speech, played from the caller's side through the real
// Asterisk) leaves a message whose email carries a transcript with at
// least 2 of 5 keywords, and whose metadata keeps it.
func TestIntegrationCallTranscriptInEmail(t *testing.T) {
	dir := os.Getenv("VOICEMAIL_TEST_RECORDINGS")
	if dir == "" {
		testenv.Missing(t, "VOICEMAIL_TEST_RECORDINGS is not set (testenv/where prints it)")
	}
	for _, tool := range []string{"espeak-ng", "sox", "pocketsphinx_continuous"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" is not installed (testenv/up installs it)")
		}
	}
	// The caller's speech, as a stored recording the caller side plays
	// (outside voicemail/, which the janitor owns).
	const said = "the delivery will arrive on monday morning"
	speech := "it-speech/" + string(mailbox.NewMessageID(time.Now()))
	path := filepath.Join(dir, filepath.FromSlash(speech)+".wav")
	must(t, os.MkdirAll(filepath.Dir(path), 0o777))
	raw := filepath.Join(t.TempDir(), "say.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en-us+klatt", "-s", "150", "-w", raw, said).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if out, err := exec.Command("sox", raw, "-r", "8000", "-c", "1", "-b", "16", path).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	must(t, os.Chmod(path, 0o644))
	t.Cleanup(func() { _ = os.Remove(path) })

	relay := smtptest.NewServer(t, smtptest.Options{})
	caFile := relay.CAFile(t)
	h := startHarness(t, func(c *Config) {
		c.Mail.Enabled = true
		c.Mail.From = "voicemail@pbx.test"
		c.Mail.Poll = 100 * time.Millisecond
		c.Mail.SMTPHost, c.Mail.SMTPPort = smtptest.Host, relay.Port
		c.Mail.SMTPUsername, c.Mail.SMTPPassword = smtptest.Username, smtptest.Password
		c.Mail.SMTPTLSCAFile = caFile
		c.Mail.Transcribe = true
		c.Mailboxes[0].Email = "alice@example.test"
	})
	ctx := callCtx(t)
	call := h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	must(t, call.Press(ctx, "#"))
	time.Sleep(time.Second) // the beep, then the recording starts
	must(t, call.Play(ctx, "recording:"+speech))
	time.Sleep(4 * time.Second)
	must(t, call.Hangup(ctx))

	got := relay.Wait(t, 1, 2*time.Minute)
	text, _, _ := splitMail(t, got[0])
	_, transcript, ok := strings.Cut(text, "Transcript (automatic, may be wrong):")
	if !ok {
		t.Fatalf("no transcript in the email:\n%s", text)
	}
	transcript = strings.TrimSpace(transcript[:strings.Index(transcript, "--Asterisk")])
	heard := 0
	for _, k := range strings.Fields("delivery will arrive monday morning") {
		if strings.Contains(" "+transcript+" ", " "+k+" ") {
			heard++
		}
	}
	t.Logf("said %q, the email says %q: %d of 5 keywords", said, transcript, heard)
	if heard < 2 {
		t.Errorf("%d of 5 keywords in the transcript", heard)
	}
	st, err := state.New(state.Config{}, h.rdb)
	must(t, err)
	msgs, err := st.Messages(ctx, box("1001"), state.FolderNew)
	must(t, err)
	if len(msgs) != 1 || msgs[0].Transcript != transcript {
		t.Errorf("stored: %+v, want the email's transcript %q", msgs, transcript)
	}
}
