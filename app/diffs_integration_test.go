package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// messageMenu is what follows a message when it is the only one.
var messageMenu = []string{"vm-advopts", "vm-repeat", "vm-delete", "vm-toforward", "vm-savemessage", "vm-helpexit"}

// atFirstMessage logs in to 1001 and plays its first message, skipping the
// envelope, up to the menu after it.
func (h *harness) atFirstMessage(ctx context.Context) *testenv.Call {
	h.t.Helper()
	call := h.login(ctx, "1001", "1234")
	must(h.t, call.Press(ctx, "1"))
	must(h.t, call.WaitFor(ctx, "vm-first"))
	must(h.t, call.Press(ctx, "1")) // skip the envelope
	must(h.t, call.WaitFor(ctx, "vm-savemessage"))
	must(h.t, call.WaitFor(ctx, "vm-helpexit"))
	return call
}

// Issue 14, difference 1: forwarding refuses the caller's own mailbox and
// an unknown one and asks again, reads the recipient back (1002 has no
// recorded name: its number), offers '*' to cancel, and cancels on
// silence, as app_voicemail's forward_message and vm_forwardoptions do.
// Nothing reaches 1002.
func TestIntegrationForwardCancelsReadsBackAndRefuses(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 3*time.Minute)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 3*time.Second)
	h.waitMessages(ctx, state.FolderNew, 1)

	call := h.atFirstMessage(ctx)
	must(t, call.Press(ctx, "8"))
	must(t, call.Expect(ctx, "vm-extension"))
	must(t, call.Press(ctx, "1001#")) // one's own mailbox
	must(t, call.Expect(ctx, "pbx-invalid", "vm-extension"))
	must(t, call.Press(ctx, "7777#")) // no such mailbox
	must(t, call.Expect(ctx, "pbx-invalid", "vm-extension"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "digits/1", "digits/0", "digits/0", "digits/2", "vm-forwardoptions", "vm-starmain"))
	must(t, call.Press(ctx, "*"))
	must(t, call.Expect(ctx, messageMenu...))

	// Again, and silence at "1 record an introduction / 2 forward as is".
	must(t, call.Press(ctx, "8"))
	must(t, call.Expect(ctx, "vm-extension"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "digits/1", "digits/0", "digits/0", "digits/2",
		"vm-forwardoptions", "vm-starmain", "vm-forwardoptions", "vm-starmain", "vm-forwardoptions", "vm-starmain"))
	must(t, call.Expect(ctx, messageMenu...))
	must(t, call.Hangup(ctx))

	if c := h.countsOf(ctx, box("1002")); c.New != 0 {
		t.Fatalf("1002 counts %+v after two cancelled forwards, want none", c)
	}
}

// Issue 14, difference 2: a full mailbox plays its greeting, so callers
// hear whose it is, then vm-mailboxfull; its owner presses '*' during the
// greeting, logs in and deletes a message, and the next caller can leave
// one.
func TestIntegrationFullMailboxGreetsAndLetsOwnerIn(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Voicemail.MaxMessages = 1 })
	ctx := testkit.Timeout(t, 3*time.Minute)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 3*time.Second)
	h.waitMessages(ctx, state.FolderNew, 1)

	call := h.dial(ctx, "1001", "Dave <2002>")
	must(t, call.Expect(ctx, "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/1", "vm-isunavail", "vm-intro", "vm-mailboxfull"))
	must(t, call.WaitEnded(ctx))
	if n := len(call.Recordings()); n != 0 {
		t.Fatalf("%d recordings in a full mailbox", n)
	}

	owner := h.dial(ctx, "1001", "Alice <1001>")
	must(t, owner.Expect(ctx, "vm-theperson"))
	must(t, owner.Press(ctx, "*"))
	must(t, owner.WaitFor(ctx, "vm-password"))
	must(t, owner.Press(ctx, "1234#"))
	must(t, owner.WaitFor(ctx, "vm-helpexit"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "vm-first"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "vm-helpexit"))
	must(t, owner.Press(ctx, "7"))
	must(t, owner.Expect(ctx, "vm-deleted"))
	must(t, owner.Press(ctx, "#"))
	must(t, owner.WaitFor(ctx, "vm-goodbye"))
	must(t, owner.WaitEnded(ctx))
	testkit.Eventually(t, 20*time.Second, 50*time.Millisecond, testkit.Cond("the message deleted",
		func() bool { c := h.counts(ctx); return c.New == 0 && c.Old == 0 }))

	call = h.dial(ctx, "1001", "Dave <2002>")
	must(t, call.Expect(ctx, "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/1", "vm-isunavail", "vm-intro"))
	must(t, call.WaitRecording(ctx))
}

// Issue 14, difference 8: *97 from a phone whose number has no mailbox
// asks for the mailbox (vm-login); there, an empty entry is the caller's
// own number, which still has no mailbox, and a typed one logs in.
func TestIntegrationStar97WithoutMailboxAsksForIt(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "*97", "Visitor <4242>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "#")) // 4242, the caller's own number
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-incorrect-mailbox"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "4321#"))
	must(t, call.Expect(ctx, "vm-youhave", "vm-no", "vm-messages", "vm-opts", "vm-helpexit"))
	must(t, call.Hangup(ctx))

	// *98 from 1001: an empty entry at vm-login is 1001.
	call = h.dial(ctx, "*98", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.WaitFor(ctx, "vm-helpexit"))
}

// Row A3 of docs/fidelity.md: '5' in the advanced options asks for the
// mailbox again after an unknown one, reads the one found back (1002 has no
// recorded name: its number), then "leave your message after the tone",
// as forward_message does for a new message; the message reaches 1002.
func TestIntegrationAdvancedSendRefusesAndReadsBack(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 3*time.Minute)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 3*time.Second)
	h.waitMessages(ctx, state.FolderNew, 1)

	call := h.atFirstMessage(ctx)
	must(t, call.Press(ctx, "3"))
	must(t, call.WaitFor(ctx, "vm-starmain"))
	must(t, call.Press(ctx, "5"))
	must(t, call.Expect(ctx, "vm-extension"))
	must(t, call.Press(ctx, "7777#"))
	must(t, call.Expect(ctx, "pbx-invalid", "vm-extension"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "digits/1", "digits/0", "digits/0", "digits/2", "vm-intro"))
	must(t, call.Press(ctx, "#")) // skip vm-intro: the beep, then the recording
	must(t, call.Talk(ctx, 3*time.Second))
	// The message is saved once the hang-up ends the recording.
	testkit.Eventually(t, 15*time.Second, 100*time.Millisecond, func() error {
		if c := h.countsOf(ctx, box("1002")); c.New != 1 {
			return fmt.Errorf("1002 has %d new messages, want 1", c.New)
		}
		return nil
	})
}
