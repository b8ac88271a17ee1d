package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
)

// TestIntegrationEventFilter checks that Asterisk holds the app's event
// filter and that a call still works with it, and logs how many frames the
// app received for the call (the figure the filter is for).
func TestIntegrationEventFilter(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	// The stream sets the filter once connected, beside the app's start:
	// on a loaded machine it can land after the harness is up.
	testkit.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
		got, err := h.caller.Client.Application(ctx, h.app.cfg.appName())
		if err != nil {
			return err
		}
		var allowed []string
		for _, e := range got.EventsAllowed {
			allowed = append(allowed, e.Type)
		}
		if !slices.Equal(allowed, handledEvents) {
			return fmt.Errorf("Asterisk lists events_allowed %v, want %v", allowed, handledEvents)
		}
		return nil
	})

	st := h.store()
	id := state.NewMessageID(time.Now())
	_, err := st.Deposit(ctx, state.Message{ID: id, Mailbox: box("1001"), Folder: state.FolderNew,
		Recording: "voicemail/default/1001/msg/" + id, CallerNum: "2001", Received: time.Now()})
	must(t, err)

	stream := h.app.nodes[0].stream
	before := stream.Frames()
	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-youhave", "digits/1", "vm-INBOX", "vm-message", "vm-onefor"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Expect(ctx, "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
	// StasisEnd is the app's last frame of the call; the call ends on it.
	deadline := time.Now().Add(10 * time.Second)
	for h.app.liveCalls() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the call did not end within 10s of its channel")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // Frames Asterisk sends after StasisEnd, if any.
	t.Logf("frames received for one login and exit call: %d", stream.Frames()-before)
}
