package call

import (
	"context"
	"slices"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// A forward asked for again under its key (an instance resumed or finished
// the call of one that died mid-forward) makes no second copy: the copies
// are named from the key, and one already stored is left as it is, even
// when its introduction's take was deleted after the first pass. Another
// key makes new copies.
func TestForwardDoneAgainCopiesOnce(t *testing.T) {
	ctx := context.Background()
	c, _, fs, _ := newTestCall(t)
	fs.msgs = map[string]string{"m1": "voicemail/default/1001/msg/m1"}
	cmd := menus.Cmd{Kind: menus.CmdForward, Mailbox: mailbox.MustParseID("1001@default"), MsgID: "m1",
		To: []string{"1002", "1003"}, Name: "voicemail/default/1001/greet/intro-1", Key: "m1764990000000-0badcafe-7"}

	if r := c.forward(ctx, cmd); r == nil || !r.OK {
		t.Fatalf("first forward: %+v, want OK", r)
	}
	if len(fs.deposited) != 2 || len(fs.copied) != 4 {
		t.Fatalf("first forward: %d copies stored, %d audio files copied; want 2 and 4 (message and introduction each)", len(fs.deposited), len(fs.copied))
	}
	if !slices.Contains(fs.deleted, cmd.Name) {
		t.Fatalf("first forward: deleted %v, want the introduction's take once copied", fs.deleted)
	}
	for _, d := range fs.deposited {
		if want := forwardCopyID(cmd.Key, "m1", d.Mailbox); d.ID != want {
			t.Errorf("copy for %s has id %s, want %s (named from the key)", d.Mailbox, d.ID, want)
		}
		if err := mailbox.MessageID(d.ID).Validate(); err != nil {
			t.Errorf("copy id: %v", err)
		}
	}

	// Done again: the take is gone, the copies are there.
	if r := c.forward(ctx, cmd); r == nil || !r.OK {
		t.Fatalf("forward done again: %+v, want OK (its copies are stored)", r)
	}
	if len(fs.deposited) != 2 || len(fs.copied) != 4 {
		t.Errorf("forward done again: %d copies, %d audio files copied; want still 2 and 4", len(fs.deposited), len(fs.copied))
	}

	// Another forward of the same message to the same mailboxes.
	cmd.Key, cmd.Name = "m1764990000000-0badcafe-19", ""
	if r := c.forward(ctx, cmd); r == nil || !r.OK {
		t.Fatalf("second forward: %+v", r)
	}
	if len(fs.deposited) != 4 {
		t.Errorf("a second forward stored %d copies in all, want 4", len(fs.deposited))
	}
}

func TestForwardCopyID(t *testing.T) {
	a := state.MailboxID{Number: "1002", Context: "default"}
	b := state.MailboxID{Number: "1003", Context: "default"}
	id := forwardCopyID("m1764990000000-0badcafe-7", "m1", a)
	if id != forwardCopyID("m1764990000000-0badcafe-7", "m1", a) {
		t.Fatal("not the same id twice")
	}
	if id[:14] != "m1764990000000" || len(id) != 31 {
		t.Errorf("id %q: want the key's time and 16 hex digits", id)
	}
	for _, other := range []string{
		forwardCopyID("m1764990000000-0badcafe-7", "m1", b),
		forwardCopyID("m1764990000000-0badcafe-8", "m1", a),
		forwardCopyID("m1764990000000-0badcafe-7", "m2", a),
	} {
		if other == id {
			t.Errorf("%s: the same id for another mailbox, forward or message", other)
		}
	}
	if got := forwardCopyID("odd-key", "m1", a); got[:14] != "m0000000000000" || mailbox.MessageID(got).Validate() != nil {
		t.Errorf("key without a time: %q", got)
	}
}

// A forward that fails before any copy (its message gone meanwhile, say
// deleted from the web page) deletes the introduction's take itself: an
// engine that finishes the call offline leaves it to the forward.
func TestForwardFailingEarlyDeletesTheIntroduction(t *testing.T) {
	c, _, fs, _ := newTestCall(t)
	cmd := menus.Cmd{Kind: menus.CmdForward, Mailbox: mailbox.MustParseID("1001@default"), MsgID: "m-gone",
		To: []string{"1002"}, Name: "voicemail/default/1001/greet/intro-1", Key: "m1764990000000-0badcafe-7"}
	if r := c.forward(context.Background(), cmd); r == nil || r.OK {
		t.Fatalf("forward of a message that is gone: %+v, want not OK", r)
	}
	if !slices.Contains(fs.deleted, cmd.Name) || len(fs.deposited) != 0 {
		t.Errorf("deleted %v, %d copies: want the introduction's take deleted and no copy", fs.deleted, len(fs.deposited))
	}
}

// A take whose audio is gone is not made the greeting: a takeover that
// sets it again after the owner replaced the greeting from the web page
// (which deleted the take's audio as the greeting it replaced) would
// point the mailbox at nothing and delete the newer greeting's audio.
func TestSetGreetingWhoseTakeIsGone(t *testing.T) {
	ctx := context.Background()
	c, _, fs, _ := newTestCall(t)
	box := mailbox.MustParseID("1001@default")
	take, newer := "voicemail/default/1001/greet/unavail-1", "voicemail/default/1001/greet/unavail-2"
	set := menus.Cmd{Kind: menus.CmdSetGreeting, Mailbox: box, Greeting: mailbox.GreetingUnavail, Name: take}
	if r := c.ownerChange(ctx, set); r == nil || !r.OK {
		t.Fatalf("set the take: %+v, want OK", r)
	}
	// The web page replaces it: the take's audio goes.
	fs.greetings[state.GreetingKind(mailbox.GreetingUnavail)] = newer
	fs.deleted = append(fs.deleted, take)

	if r := c.ownerChange(ctx, set); r == nil || r.OK {
		t.Errorf("set again after the take's audio went: %+v, want not OK", r)
	}
	if got := fs.greetings[state.GreetingKind(mailbox.GreetingUnavail)]; got != newer || slices.Contains(fs.deleted, newer) {
		t.Errorf("greeting %s, deleted %v: want the newer greeting kept, audio and all", got, fs.deleted)
	}
}
