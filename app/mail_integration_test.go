package app

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// TestIntegrationCallLeadsToOneEmail leaves a message by phone in 1004
// (French, MP3 attachments, Paris time) and checks that exactly one email
// reaches the relay, in French, with variables filled and an attachment
// that decodes to the recording's length.
func TestIntegrationCallLeadsToOneEmail(t *testing.T) {
	for _, tool := range []string{"lame"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" (testenv/up installs it)")
		}
	}
	relay := smtptest.NewServer(t, smtptest.Options{})
	caFile := relay.CAFile(t)
	h := startHarness(t, func(c *Config) {
		c.Mail.Enabled = true
		c.Mail.From = "voicemail@pbx.test"
		c.Mail.Poll = 100 * time.Millisecond
		c.Mail.SMTPHost, c.Mail.SMTPPort = smtptest.Host, relay.Port
		c.Mail.SMTPUsername, c.Mail.SMTPPassword = smtptest.Username, smtptest.Password
		c.Mail.SMTPTLSCAFile = caFile
		for i := range c.Mailboxes {
			if c.Mailboxes[i].Mailbox == "1004" {
				c.Mailboxes[i].Email = "denise@example.test"
				c.Mailboxes[i].Attach = "mp3"
				c.Mailboxes[i].Timezone = "Europe/Paris"
			}
		}
	})
	ctx := callCtx(t)
	h.leaveMessage(ctx, "1004", "Carol <2001>", 5*time.Second)

	got := relay.Wait(t, 1, 30*time.Second)
	st, err := state.New(state.Config{}, h.rdb)
	must(t, err)
	mb := state.MailboxID{Number: "1004", Context: "default"}
	msgs, err := st.Messages(ctx, mb, state.FolderNew)
	must(t, err)
	if len(msgs) != 1 {
		t.Fatalf("1004 has %d new messages, want 1", len(msgs))
	}
	msg := msgs[0]
	// Exactly one: the outbox empties and nothing more arrives.
	testkit.Eventually(t, 10*time.Second, 100*time.Millisecond, func() error {
		rep, err := st.ListNotifications(ctx)
		if err != nil || len(rep.Pending)+len(rep.Dead) != 0 {
			return testkit.ErrNotYet
		}
		return nil
	})
	if got = relay.Messages(); len(got) != 1 {
		t.Fatalf("relay got %d mails, want 1", len(got))
	}
	m := got[0]
	if m.To[0] != "denise@example.test" || m.MessageID() != msg.ID+".email.1004.default@pbx.test" {
		t.Errorf("mail to %v, Message-ID %s", m.To, m.MessageID())
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	must(t, err)
	if subject != "[PBX] : nouveau message 1 dans la boîte 1004" {
		t.Errorf("Subject %q", subject)
	}
	text, att, name := splitMail(t, m)
	paris, _ := time.LoadLocation("Europe/Paris")
	secs := int(msg.Duration / time.Second)
	for _, want := range []string{
		"Bonjour Denise,",
		fmt.Sprintf("de %d:%02d (numéro 1)", secs/60, secs%60),
		"de la part de Carol <2001>, le ",
		msg.Received.In(paris).Format("15:04:05"),
		"L'enregistrement est joint (msg0000.mp3).",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}
	if name != "msg0000.mp3" {
		t.Errorf("attachment %q", name)
	}
	// The attachment decodes, and lasts as long as the recording.
	wav, err := h.caller.Client.StoredFile(ctx, msg.Recording)
	must(t, err)
	recorded := wavLength(t, wav)
	decoded := mp3Length(t, att)
	t.Logf("message %v (envelope), recording %v, MP3 attachment decodes to %v", msg.Duration, recorded, decoded)
	if d := decoded - recorded; d < -150*time.Millisecond || d > 150*time.Millisecond {
		t.Errorf("MP3 lasts %v, the recording %v", decoded, recorded)
	}
	if recorded.Truncate(time.Second) != msg.Duration.Truncate(time.Second) {
		t.Errorf("recording %v, message duration %v", recorded, msg.Duration)
	}
}

// splitMail returns the text, the decoded attachment and its name.
func splitMail(t *testing.T, r smtptest.Received) (text string, att []byte, name string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	must(t, err)
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	must(t, err)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return text, att, name
		}
		must(t, err)
		b, err := io.ReadAll(p)
		must(t, err)
		if p.FileName() != "" {
			name = p.FileName()
			att, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b)))
			must(t, err)
			continue
		}
		text = string(b)
	}
}

// mp3Length decodes an MP3 file with lame and measures it.
func mp3Length(t *testing.T, mp3 []byte) time.Duration {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.mp3"), filepath.Join(dir, "a.wav")
	must(t, os.WriteFile(in, mp3, 0o600))
	if b, err := exec.Command("lame", "--quiet", "--decode", in, out).CombinedOutput(); err != nil {
		t.Fatalf("lame --decode: %v: %s", err, b)
	}
	wav, err := os.ReadFile(out)
	must(t, err)
	return wavLength(t, wav)
}

// wavLength measures a WAV file by its header: the data chunk over the
// byte rate.
func wavLength(t *testing.T, wav []byte) time.Duration {
	t.Helper()
	d, err := recordings.WAVDuration(wav)
	must(t, err)
	return d
}
