package app

import (
	"context"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// TestIntegrationUrgentDepositLampAndLogin: a message left through
// deposit,1001,unavail,urgent (the shipped voicemail-ring with "urgent")
// goes into the Urgent folder and lights 1001's lamp as a new one; at login
// the owner hears "you have 1 urgent and 1 new message" (vm_intro_en), the
// urgent message first, announced urgent, and 6 goes on to the new one;
// once heard both are in Old and the lamp goes off.
func TestIntegrationUrgentDepositLampAndLogin(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 3*time.Minute)
	light := h.watch(ctx, "1001")

	h.leaveMessage(ctx, "1001", "Carol <2001>", 4*time.Second)
	plain := h.waitMessages(ctx, state.FolderNew, 1)[0]
	h.leaveMessage(ctx, "u1001", "Dave <2002>", 4*time.Second)
	urgent := h.waitMessages(ctx, state.FolderUrgent, 1)[0]
	if !urgent.Urgent || urgent.CallerNum != "2002" {
		t.Fatalf("urgent message %+v", urgent)
	}
	if c := h.counts(ctx); c.Urgent != 1 || c.New != 1 {
		t.Fatalf("counts %+v, want 1 urgent and 1 new", c)
	}
	if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 2 && s.Old == 0 }); err != nil {
		t.Fatalf("no NOTIFY 2/0 (urgent counted as new): %v (got %v)", err, light.All())
	}

	owner := h.dial(ctx, "*97", "Alice <1001>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, "1234#"))
	must(t, owner.Expect(ctx, "vm-youhave", "digits/1", "vm-Urgent", "vm-and", "digits/1", "vm-INBOX", "vm-message",
		"vm-onefor", "vm-Urgent", "vm-messages", "vm-opts", "vm-helpexit"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.Expect(ctx, "vm-first", "vm-message", "vm-Urgent"))
	must(t, owner.Press(ctx, "1")) // skip the rest of the envelope
	must(t, owner.WaitFor(ctx, "recording:"+urgent.Recording))
	must(t, owner.WaitFor(ctx, "vm-savemessage"))
	must(t, owner.Press(ctx, "6"))
	// On to New: its first message plays, not "no more".
	must(t, owner.WaitFor(ctx, "vm-first"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "recording:"+plain.Recording))
	must(t, owner.WaitFor(ctx, "vm-savemessage"))
	must(t, owner.Press(ctx, "#"))
	must(t, owner.WaitFor(ctx, "vm-goodbye"))
	must(t, owner.WaitEnded(ctx))

	h.waitMessages(ctx, state.FolderOld, 2)
	if c := h.counts(ctx); c.Urgent != 0 || c.New != 0 {
		t.Errorf("counts after listening %+v, want everything in Old", c)
	}
	if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 0 && s.Old == 2 }); err != nil {
		t.Fatalf("no NOTIFY 0/2 once heard: %v (got %v)", err, light.All())
	}
}

// TestIntegrationUrgentByReviewKey: with review on, 4 marks the message
// urgent ("vm-marked-urgent", then the review offers to take it back), 4
// again takes it back, 4 once more marks it; 1 saves it into Urgent.
func TestIntegrationUrgentByReviewKey(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Voicemail.Review = true })
	ctx := callCtx(t)
	call := h.dial(ctx, "1001", "Carol <2001>")
	must(t, call.WaitFor(ctx, "vm-intro"))
	speakAndEnd(t, ctx, call)
	must(t, call.Expect(ctx, "vm-review", "vm-review-urgent"))
	must(t, call.Press(ctx, "4"))
	must(t, call.Expect(ctx, "vm-marked-urgent", "vm-review", "vm-review-nonurgent"))
	must(t, call.Press(ctx, "4"))
	must(t, call.Expect(ctx, "vm-marked-nonurgent", "vm-review", "vm-review-urgent"))
	must(t, call.Press(ctx, "4"))
	must(t, call.Expect(ctx, "vm-marked-urgent", "vm-review", "vm-review-nonurgent"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved"))
	must(t, call.WaitEnded(ctx))

	m := h.waitMessages(ctx, state.FolderUrgent, 1)[0]
	if !m.Urgent || m.CallerNum != "2001" {
		t.Errorf("message %+v, want urgent from 2001", m)
	}
	if c := h.counts(ctx); c.New != 0 || c.Urgent != 1 {
		t.Errorf("counts %+v, want only Urgent 1", c)
	}
}

// TestIntegrationForwardKeepsUrgent: an urgent message forwarded as is
// arrives urgent in the other mailbox (forward_message with in_urgent).
func TestIntegrationForwardKeepsUrgent(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	h.leaveMessage(ctx, "u1001", "Carol <2001>", 4*time.Second)
	orig := h.waitMessages(ctx, state.FolderUrgent, 1)[0]

	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "1"))
	must(t, call.WaitFor(ctx, "vm-Urgent"))
	must(t, call.Press(ctx, "1")) // skip the envelope
	must(t, call.WaitFor(ctx, "vm-savemessage"))
	must(t, call.Press(ctx, "8"))
	must(t, call.Expect(ctx, "vm-extension"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "digits/1", "digits/0", "digits/0", "digits/2", "vm-forwardoptions", "vm-starmain"))
	must(t, call.Press(ctx, "2"))
	must(t, call.Expect(ctx, "vm-msgforwarded"))
	must(t, call.Hangup(ctx))

	waitUrgent(t, ctx, h.store(), box("1002"))
	msgs, err := h.store().Messages(ctx, box("1002"), state.FolderUrgent)
	must(t, err)
	if len(msgs) != 1 || !msgs[0].Urgent || msgs[0].Origin != orig.Origin {
		t.Fatalf("1002's Urgent folder %+v, want the urgent copy of %+v", msgs, orig)
	}
}

// TestIntegrationUrgentFrench: a French mailbox hears the urgent intro in
// French (vm-Urgent exists in the French sounds).
func TestIntegrationUrgentFrench(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	h.leaveMessage(ctx, "u1004", "Carol <2001>", 4*time.Second)
	waitUrgent(t, ctx, h.store(), box("1004"))

	call := h.dial(ctx, "*98", "Denise <1004>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "1004#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-youhave", "digits/1", "vm-Urgent", "vm-message"))
	for _, p := range call.Heard() {
		if p.Name == "vm-Urgent" && p.Lang != "fr" {
			t.Errorf("vm-Urgent played in %q, want fr", p.Lang)
		}
	}
}

// waitUrgent waits until mailbox id has one urgent message.
func waitUrgent(t *testing.T, ctx context.Context, st *state.Store, id state.MailboxID) {
	t.Helper()
	for {
		c, err := st.Counts(ctx, id)
		must(t, err)
		if c.Urgent == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s counts %+v, want one urgent message", id, c)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
