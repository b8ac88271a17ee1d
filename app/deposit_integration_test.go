package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// leaveMessage calls extension 1001 in vm-test (nobody answers), skips the
// greeting with '#', talks for talk and hangs up. It returns when the
// voicemail side has ended the call.
func (h *harness) leaveMessage(ctx context.Context, exten, callerID string, talk time.Duration) *testenv.Call {
	h.t.Helper()
	call := h.dial(ctx, exten, callerID)
	must(h.t, call.WaitFor(ctx, "vm-intro"))
	must(h.t, call.PressThenTalk(ctx, "#", talk))
	must(h.t, call.WaitEnded(ctx))
	return call
}

// messages returns the messages of folder f of 1001@default, waiting until
// there are want of them (the deposit finishes after the hangup).
func (h *harness) waitMessages(ctx context.Context, f state.Folder, want int) []state.Message {
	h.t.Helper()
	st, err := state.New(state.Config{}, h.rdb)
	must(h.t, err)
	id := state.MailboxID{Number: "1001", Context: "default"}
	for {
		msgs, err := st.Messages(ctx, id, f)
		must(h.t, err)
		if len(msgs) == want {
			return msgs
		}
		select {
		case <-ctx.Done():
			h.t.Fatalf("folder %s has %d messages, want %d", f, len(msgs), want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (h *harness) counts(ctx context.Context) state.Counts {
	h.t.Helper()
	st, err := state.New(state.Config{}, h.rdb)
	must(h.t, err)
	c, err := st.Counts(ctx, state.MailboxID{Number: "1001", Context: "default"})
	must(h.t, err)
	return c
}

func (h *harness) storedExists(ctx context.Context, name string) bool {
	h.t.Helper()
	_, err := h.caller.Client.GetStored(ctx, name)
	if errors.Is(err, ari.ErrNotFound) {
		return false
	}
	must(h.t, err)
	return true
}

func TestIntegrationDepositListenAndFile(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)

	call := h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.Expect(ctx, "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/1", "vm-isunavail", "vm-intro"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Talk(ctx, 5*time.Second))
	must(t, call.WaitEnded(ctx))

	msgs := h.waitMessages(ctx, state.FolderNew, 1)
	m := msgs[0]
	if m.CallerNum != "2001" || m.CallerName != "Carol" {
		t.Errorf("envelope caller = %q <%s>, want Carol <2001>", m.CallerName, m.CallerNum)
	}
	if m.Duration < 3*time.Second || m.Duration > 7*time.Second {
		t.Errorf("duration %s, want about 5s", m.Duration)
	}
	if time.Since(m.Received) > time.Minute || m.Origin != "1001@default" {
		t.Errorf("envelope received %s origin %s", m.Received, m.Origin)
	}
	if !h.storedExists(ctx, m.Recording) {
		t.Fatalf("the message's audio %s is not stored", m.Recording)
	}

	// The owner listens and files it in Work.
	owner := h.dial(ctx, "*97", "Alice <1001>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, "1234#"))
	must(t, owner.Expect(ctx, "vm-youhave", "digits/1", "vm-INBOX", "vm-message"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "vm-first"))
	must(t, owner.WaitFor(ctx, "vm-from-phonenumber"))
	must(t, owner.WaitFor(ctx, "recording:"+m.Recording))
	must(t, owner.WaitFor(ctx, "vm-savemessage"))
	must(t, owner.Press(ctx, "9"))
	must(t, owner.Expect(ctx, "vm-savefolder"))
	must(t, owner.Press(ctx, "2"))
	must(t, owner.WaitFor(ctx, "vm-savedto"))
	must(t, owner.Expect(ctx, "vm-Work", "vm-messages"))
	must(t, owner.Press(ctx, "#"))
	must(t, owner.WaitFor(ctx, "vm-goodbye"))
	must(t, owner.WaitEnded(ctx))

	h.waitMessages(ctx, state.FolderWork, 1)
	if c := h.counts(ctx); c.New != 0 || c.Old != 0 || c.Work != 1 {
		t.Errorf("counts after filing = %+v, want only Work 1", c)
	}
}

func TestIntegrationHeardMessageMovesToOldAndDeleteRemovesAudio(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 4*time.Second)
	h.leaveMessage(ctx, "1001", "Dave <2002>", 4*time.Second)
	msgs := h.waitMessages(ctx, state.FolderNew, 2)

	owner := h.dial(ctx, "*97", "Alice <1001>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, "1234#"))
	must(t, owner.WaitFor(ctx, "vm-helpexit"))
	must(t, owner.Press(ctx, "1"))
	// Skip the envelope (1), then let the message play out.
	must(t, owner.WaitFor(ctx, "vm-first"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "recording:"+msgs[0].Recording))
	must(t, owner.WaitFor(ctx, "vm-delete"))
	must(t, owner.Press(ctx, "7"))
	must(t, owner.Expect(ctx, "vm-deleted"))
	must(t, owner.Press(ctx, "6"))
	must(t, owner.WaitFor(ctx, "vm-last"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "recording:"+msgs[1].Recording))
	must(t, owner.WaitFor(ctx, "vm-delete"))
	// Hanging up applies the deletion and moves the heard message to Old.
	must(t, owner.Hangup(ctx))

	old := h.waitMessages(ctx, state.FolderOld, 1)
	if old[0].ID != msgs[1].ID {
		t.Errorf("Old holds %s, want the second message %s", old[0].ID, msgs[1].ID)
	}
	h.waitMessages(ctx, state.FolderNew, 0)
	for h.storedExists(ctx, msgs[0].Recording) {
		select {
		case <-ctx.Done():
			t.Fatalf("the deleted message's audio %s is still stored", msgs[0].Recording)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !h.storedExists(ctx, msgs[1].Recording) {
		t.Error("the kept message's audio is gone")
	}
}

func TestIntegrationShortMessageLeavesNothing(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Voicemail.MinMessage = 3 * time.Second })
	ctx := callCtx(t)
	// The recordings this call started, by name: other tests may record
	// into 1001@default meanwhile (testenv/test runs a shard of them in
	// another process on the same Asterisk).
	var started []string
	for _, r := range h.leaveMessage(ctx, "1001", "Carol <2001>", 500*time.Millisecond).Recordings() {
		started = append(started, r.Name)
	}
	if len(started) == 0 || !strings.HasPrefix(started[0], "voicemail/default/1001/msg/") {
		t.Fatalf("recordings started on the call %v, want a message of 1001@default", started)
	}
	// The app discards the recording after the hangup; wait for it to
	// settle, bounded, then check that nothing of it is left.
	deadline := time.Now().Add(5 * time.Second)
	for {
		stored := h.storedNames(ctx)
		var left []string
		for _, name := range started {
			if stored[name] {
				left = append(left, name)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audio of a discarded message left behind: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c := h.counts(ctx); c.New != 0 {
		t.Fatalf("a message under the minimum was kept: %+v", c)
	}

	// A caller who ends a too-short message with '#' is told so.
	call := h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	must(t, call.Press(ctx, "#"))
	// Silence, not speech: a playback on the caller's side would hold the
	// '#' back until it ends (ARI runs a channel's commands in order).
	must(t, h.caller.Client.StartSilence(ctx, call.A))
	time.Sleep(1500 * time.Millisecond) // a moment of recording
	must(t, call.Press(ctx, "#"))
	must(t, call.WaitFor(ctx, "vm-tooshort"))
	if c := h.counts(ctx); c.New != 0 {
		t.Fatalf("a message under the minimum was kept: %+v", c)
	}
}

// storedNames lists Asterisk's stored recordings.
func (h *harness) storedNames(ctx context.Context) map[string]bool {
	h.t.Helper()
	stored, err := h.caller.Client.ListStored(ctx)
	must(h.t, err)
	out := make(map[string]bool, len(stored))
	for _, r := range stored {
		out[r.Name] = true
	}
	return out
}

func TestIntegrationBusyGreeting(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "b1001", "Carol <2001>")
	must(t, call.Expect(ctx, "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/1", "vm-isonphone", "vm-intro"))
}

func TestIntegrationFullMailbox(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Voicemail.MaxMessages = 1 })
	ctx := callCtx(t)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 4*time.Second)
	h.waitMessages(ctx, state.FolderNew, 1)
	call := h.dial(ctx, "1001", "Dave <2002>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	must(t, call.Expect(ctx, "vm-mailboxfull"))
	if c := h.counts(ctx); c.New != 1 {
		t.Fatalf("counts %+v, want New 1", c)
	}
}

func TestIntegrationConcurrentDeposits(t *testing.T) {
	h := startHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	light := h.watch(ctx, "1001")
	const n = 20
	h.concurrently(ctx, n, "1001", "vm-test", "Caller <2001>", func(call *testenv.Call) error {
		return steps(
			func() error { return call.WaitFor(ctx, "vm-intro") },
			// Timed from the recording's start: 20 calls starting at
			// once on a loaded machine start recording late.
			func() error { return call.PressThenTalk(ctx, "#", 5*time.Second) },
			func() error { return call.WaitEnded(ctx) },
		)
	})
	msgs := h.waitMessages(ctx, state.FolderNew, n)
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.Recording] {
			t.Errorf("two messages share the recording %s", m.Recording)
		}
		seen[m.Recording] = true
	}
	if c := h.counts(ctx); c.New != n {
		t.Errorf("counts %+v, want New %d", c, n)
	}
	// The phone ends on 20: wait for a NOTIFY of 20, then for the settling
	// publication, and check nothing older came after it.
	if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == n }); err != nil {
		t.Fatalf("no NOTIFY %d/0: %v", n, err)
	}
	time.Sleep(2 * mwiSettle)
	if last, _ := light.Last(); last.New != n || last.Old != 0 {
		t.Errorf("last NOTIFY %v, want %d/0", last, n)
	}
}
