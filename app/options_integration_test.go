package app

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
)

// TestIntegrationEnvelopeFollowsMailboxOptions (issue 14, difference 10):
// the mailbox's own options (saycid off, sayduration off, its time zone)
// override the system's (saycid on in the harness): the caller hears the
// date in the mailbox's zone and no caller number; with envelope off,
// only the message's number.
func TestIntegrationEnvelopeFollowsMailboxOptions(t *testing.T) {
	off := false
	h := startHarness(t, func(c *Config) {
		c.Mailboxes[0].SayCID = &off
		c.Mailboxes[0].Timezone = "America/Toronto"
		c.Mailboxes[1].Envelope = &off
	})
	ctx := testkit.Timeout(t, 3*time.Minute)
	for _, n := range []string{"1001", "1002"} {
		dep := h.dial(ctx, n, "Carol <2001>")
		must(t, dep.WaitFor(ctx, "vm-intro"))
		speakAndEnd(t, ctx, dep)
		must(t, dep.WaitEnded(ctx))
	}
	waitNew := func(n string) state.Message {
		for {
			msgs, err := h.store().Messages(ctx, box(n), state.FolderNew)
			if err == nil && len(msgs) == 1 {
				return msgs[0]
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no message in %s: %v", n, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	m := waitNew("1001")
	owner := h.login(ctx, "1001", "1234")
	must(t, owner.Press(ctx, "1"))
	local := m.Received.In(mustZone(t, "America/Toronto"))
	hour := local.Hour() % 12
	if hour == 0 {
		hour = 12
	}
	must(t, owner.Expect(ctx, "vm-first", "vm-message", "vm-received", "digits/today", "digits/at", "digits/"+strconv.Itoa(hour)))
	must(t, owner.WaitFor(ctx, "recording:"+m.Recording))
	if heard := owner.HeardNames(); slices.Contains(heard, "vm-from-phonenumber") || slices.Contains(heard, "vm-duration") {
		t.Errorf("saycid and sayduration off, heard %v", heard)
	}
	must(t, owner.Hangup(ctx))

	// envelope off: no date; saycid (the system's here) is a separate
	// option, as in app_voicemail's play_message.
	m = waitNew("1002")
	owner = h.login(ctx, "1002", "4321")
	must(t, owner.Press(ctx, "1"))
	must(t, owner.Expect(ctx, "vm-first", "vm-message", "vm-from-phonenumber", "digits/2", "digits/0", "digits/0", "digits/1",
		"recording:"+m.Recording))
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err)
	return loc
}

// TestIntegrationTempGreetingInOptions (difference 10): vm-tmpexists
// before vm-options while a temporary greeting exists.
func TestIntegrationTempGreetingInOptions(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "04"))
	must(t, call.WaitFor(ctx, "vm-rec-temp"))
	speakAndEnd(t, ctx, call)
	must(t, call.WaitFor(ctx, "vm-review"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved", "vm-tmpexists", "vm-options"))
}

// TestIntegrationForceName (difference 9): an owner whose PIN is not the
// default but who has no recorded name records one at login, then hears
// the mailbox; the next login goes straight in.
func TestIntegrationForceName(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Voicemail.ForceName = true })
	ctx := testkit.Timeout(t, 2*time.Minute)
	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-rec-name"))
	speakAndEnd(t, ctx, call)
	must(t, call.WaitFor(ctx, "vm-review"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved", "vm-youhave"))
	must(t, call.Hangup(ctx))

	call = h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-youhave"))
}

// TestIntegrationZeroWhileRecording (difference 11): with the operator on
// (here the mailbox's own option), 0 while recording stops the recording
// and asks vm-saveoper: 1 keeps the message, then the operator; no key
// deletes it, then the operator.
func TestIntegrationZeroWhileRecording(t *testing.T) {
	on := true
	h := startHarness(t, func(c *Config) { c.Mailboxes[0].Operator = &on })
	ctx := testkit.Timeout(t, 2*time.Minute)

	call := h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	must(t, call.Press(ctx, "#"))
	must(t, call.WaitRecording(ctx))
	// The 0 waits behind the speech on the caller's channel.
	must(t, call.Play(ctx, "sound:vm-intro"))
	must(t, call.Press(ctx, "0"))
	must(t, call.Expect(ctx, "vm-saveoper"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved"))
	// Then VOICEMAIL_STATUS=OPERATOR (menus' unit tests): the test
	// dialplan hangs up at once, so the variable cannot be read here.
	must(t, call.WaitEnded(ctx))
	h.waitMessages(ctx, state.FolderNew, 1)

	call = h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	must(t, call.Press(ctx, "#"))
	must(t, call.WaitRecording(ctx))
	// The 0 waits behind the speech on the caller's channel.
	must(t, call.Play(ctx, "sound:vm-intro"))
	must(t, call.Press(ctx, "0"))
	must(t, call.Expect(ctx, "vm-saveoper", "vm-deleted"))
	must(t, call.WaitEnded(ctx))
	if msgs, err := h.store().Messages(ctx, box("1001"), state.FolderNew); err != nil || len(msgs) != 1 {
		t.Fatalf("after vm-deleted: %d messages, %v; want the first one only", len(msgs), err)
	}
}

// TestIntegrationPruneUnlisted: an instance started with
// voicemail.prune_unlisted and a YAML that no longer lists 1004 deletes
// it, with its message; a mailbox the admin API created stays, and so do
// the listed ones.
func TestIntegrationPruneUnlisted(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	st := h.store()
	if _, err := st.CreateMailbox(ctx, state.NewMailbox{ID: box("1009"), PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	dep := h.dial(ctx, "1004", "Carol <2001>")
	must(t, dep.WaitFor(ctx, "vm-intro"))
	speakAndEnd(t, ctx, dep)
	must(t, dep.WaitEnded(ctx))

	h.startInstance(func(c *Config) {
		c.Instance.ID = "it-prune"
		c.Voicemail.PruneUnlisted = true
		c.Mailboxes = c.Mailboxes[:3] // 1004 is no longer listed
	})
	for {
		ok, err := st.MailboxExists(ctx, box("1004"))
		must(t, err)
		if !ok {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("1004 was not pruned")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if msgs, err := st.Messages(ctx, box("1004"), state.FolderNew); err != nil || len(msgs) != 0 {
		t.Errorf("pruned 1004 still has %d messages (%v)", len(msgs), err)
	}
	for _, n := range []string{"1001", "1002", "1003", "1009"} {
		if ok, err := st.MailboxExists(ctx, box(n)); err != nil || !ok {
			t.Errorf("%s pruned (%v)", n, err)
		}
	}
}
