package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/transcribe"
)

// espeakWAV is text spoken by espeak-ng, at 8 kHz mono 16-bit as
// Asterisk records a call.
func espeakWAV(tb testing.TB, text string) []byte {
	tb.Helper()
	needTools(tb, "espeak-ng", "sox", "pocketsphinx_continuous")
	return testkit.SpeechWAV(tb, text)
}

// TestTranscriptInTheEmailAndTheMessage: with a transcriber, the email's
// body carries what pocketsphinx heard of espeak-ng's speech (a loose
// check: at least 2 of 5 keywords) and so does the message's metadata.
func TestTranscriptInTheEmailAndTheMessage(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 90*time.Second)
	r := newRig(t)
	mb := mustID(t, "1001@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann Owner", Email: "ann@example.test", Language: "en"})
	msg := r.leave(t, mb, left, espeakWAV(t, "the delivery will arrive on monday morning"))
	cfg := r.config()
	cfg.SendTimeout, cfg.ClaimIdle = time.Minute, 2*time.Minute
	m := r.mailer(t, cfg, WithTranscriber(transcribe.New(transcribe.Config{}), r.store, 30*time.Second))
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	got := r.relay.Messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	body := string(parts(t, got[0])[0].body)
	_, text, ok := strings.Cut(body, "Transcript (automatic, may be wrong):\r\n")
	if !ok {
		_, text, ok = strings.Cut(body, "Transcript (automatic, may be wrong):\n")
	}
	if !ok {
		t.Fatalf("no transcript in the body:\n%s", body)
	}
	heard := 0
	for _, k := range []string{"delivery", "will", "arrive", "monday", "morning"} {
		if strings.Contains(text, k) {
			heard++
		}
	}
	if heard < 2 {
		t.Errorf("transcript %q: %d of 5 keywords", text, heard)
	}
	stored, err := r.store.Message(ctx, mb, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Transcript == "" || !strings.Contains(text, stored.Transcript) {
		t.Errorf("stored transcript %q, email's %q", stored.Transcript, text)
	}
}

// slowTranscriber never answers before its context ends.
type slowTranscriber struct{}

func (slowTranscriber) Transcribe(ctx context.Context, _ []byte) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// TestTranscriptNeverHoldsTheEmailBack: a transcriber past its bound is
// left out and the email goes at once after it, with the recording.
func TestTranscriptNeverHoldsTheEmailBack(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1001@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann Owner", Email: "ann@example.test"})
	msg := r.leave(t, mb, left, speechWAV(t, 1))
	cfg := r.config()
	cfg.SendTimeout, cfg.ClaimIdle = 10*time.Second, 20*time.Second
	m := r.mailer(t, cfg, WithTranscriber(slowTranscriber{}, r.store, 300*time.Millisecond))
	start := time.Now()
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the email took %s behind a 300ms transcript bound", took)
	}
	got := r.relay.Messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	ps := parts(t, got[0])
	if len(ps) != 2 || strings.Contains(string(ps[0].body), "Transcript") {
		t.Errorf("want the text without transcript and the attachment: %d parts", len(ps))
	}
	if stored, _ := r.store.Message(ctx, mb, msg.ID); stored.Transcript != "" {
		t.Errorf("stored transcript %q", stored.Transcript)
	}
}
