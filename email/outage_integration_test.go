package email

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
)

// TestTenMinuteRelayOutageWithDefaultRetries is the acceptance run
// at full length: the relay down for 10 minutes while 20 messages are
// left, the sender on its default retry settings (30 s doubling to 30 min,
// claim idle 5 min). It takes about 20 minutes, so it runs only with
// VOICEMAIL_TEST_LONG_OUTAGE=1; TestTwentyMessagesLeftWhileTheRelayIsDownAllArrive
// is the same on short settings, in every run.
func TestTenMinuteRelayOutageWithDefaultRetries(t *testing.T) {
	if os.Getenv("VOICEMAIL_TEST_LONG_OUTAGE") != "1" {
		t.Skip("about 20 minutes: set VOICEMAIL_TEST_LONG_OUTAGE=1")
	}
	r := newRig(t)
	r.relay.Stop()
	wav := speechWAV(t, 20)
	var want []string
	down := time.Now()
	for i := range 20 {
		mb := mustID(t, fmt.Sprintf("40%02d@default", i%5))
		if i < 5 {
			r.provision(t, state.MailboxConfig{ID: mb, Name: "Owner", Email: fmt.Sprintf("owner%d@example.test", i)})
		}
		m := r.leave(t, mb, time.Now(), wav)
		want = append(want, m.ID+".email."+mb.Number+".default@pbx.test")
	}
	cfg := r.config()
	cfg.SendTimeout, cfg.ClaimIdle, cfg.RetryMin, cfg.RetryMax, cfg.Poll = 0, 0, 0, 0, 0 // the defaults
	run(t, r.mailer(t, cfg))
	time.Sleep(10 * time.Minute)
	r.relay.Start(t)
	up := time.Now()
	t.Logf("relay down %v with 20 messages waiting; back at %s", up.Sub(down).Round(time.Second), up.Format(time.TimeOnly))
	got := r.relay.Wait(t, 20, 30*time.Minute)
	t.Logf("all 20 accepted %v after the relay came back", time.Since(up).Round(time.Second))
	time.Sleep(cfg.WithDefaults().ClaimIdle) // anything sent twice would show by now
	got = r.relay.Messages()
	var ids []string
	for _, g := range got {
		ids = append(ids, g.MessageID())
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("relay got %d mails, want the 20 once each", len(ids))
	}
}
