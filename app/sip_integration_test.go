package app

import (
	"context"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// watch starts the message-waiting light of mailbox number's phone.
func (h *harness) watch(ctx context.Context, number string) *sipp.Watcher {
	h.t.Helper()
	addr, err := sipp.WatcherAddr(number)
	must(h.t, err)
	w, err := sipp.Watch(ctx, addr)
	must(h.t, err)
	h.t.Cleanup(func() { _ = w.Close() })
	return w
}

// TestIntegrationSIPCallerLeavesMessage is issue 3's acceptance path with a
// real SIP phone: a SIPp caller rings 1001, which does not answer, skips the
// greeting, talks for about 5 s and hangs up; 1001's phone gets a NOTIFY
// 1/0; the owner hears "1 new message", plays it and files it in Work; the
// NOTIFY then says 0/0 (Work is not counted, as in app_voicemail).
func TestIntegrationSIPCallerLeavesMessage(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	light := h.watch(ctx, "1001")

	res, err := sipp.Call(ctx, sipp.CallOptions{
		Target: h.env.SIP, From: "2001", FromName: "Carol", To: "1001",
		// '#' skips the greeting; then about 5 s of speech before BYE.
		DTMF:    []sipp.DTMFStep{{After: 1500 * time.Millisecond, Digits: "#"}},
		Talk:    7 * time.Second,
		Timeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("SIP call: %v\n%s", err, res.Output)
	}
	if !res.Answered {
		t.Fatalf("the voicemail did not answer: %d %s", res.Status, res.Reason)
	}
	msg := h.waitMessages(ctx, state.FolderNew, 1)[0]
	if msg.CallerNum != "2001" || msg.Duration < 3*time.Second {
		t.Errorf("message %+v: want caller 2001 and about 5 s", msg)
	}
	if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 1 && s.Old == 0 }); err != nil {
		t.Fatalf("no NOTIFY 1/0: %v (got %v)", err, light.All())
	}

	owner := h.login(ctx, "1001", "1234")
	heard := owner.HeardNames()
	if !contains(heard, "digits/1") || !contains(heard, "vm-INBOX") || !contains(heard, "vm-message") {
		t.Errorf("intro %v: want 'you have 1 new message'", heard)
	}
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "vm-first"))
	must(t, owner.Press(ctx, "1")) // skip the envelope
	must(t, owner.WaitFor(ctx, "recording:"+msg.Recording))
	must(t, owner.Press(ctx, "9"))
	must(t, owner.Expect(ctx, "vm-savefolder"))
	must(t, owner.Press(ctx, "2"))
	must(t, owner.WaitFor(ctx, "vm-savedto"))
	must(t, owner.Expect(ctx, "vm-Work", "vm-messages"))
	must(t, owner.Press(ctx, "#"))
	must(t, owner.WaitEnded(ctx))

	if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 0 && s.Old == 0 }); err != nil {
		t.Fatalf("no NOTIFY 0/0 after filing: %v (got %v)", err, light.All())
	}
	if c := h.counts(ctx); c.New != 0 || c.Old != 0 || c.Work != 1 {
		t.Errorf("counts %+v, want Work 1 only", c)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
