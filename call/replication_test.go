package call

import (
	"context"
	"fmt"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// notReplicated is what the store returns for a write that the master
// applied and no replica confirmed in time.
var notReplicated = fmt.Errorf("state: set greeting: %w", state.ErrNotReplicated)

// fakeOwner is an ownerStore whose changes all return previous and err.
type fakeOwner struct {
	previous string
	err      error
}

func (f fakeOwner) SetGreeting(context.Context, state.MailboxID, state.GreetingKind, string) (string, error) {
	return f.previous, f.err
}
func (f fakeOwner) ClearGreeting(context.Context, state.MailboxID, state.GreetingKind) (string, error) {
	return f.previous, f.err
}
func (f fakeOwner) SetPIN(context.Context, state.MailboxID, string) error { return f.err }

// An owner change that the master applied but no replica confirmed is told
// as made (the new greeting's audio is the mailbox's now, so the engine
// must not discard it), and the replaced recording is not deleted: a
// failover could bring it back into use.
func TestOwnerChangeNotReplicatedDeletesNothing(t *testing.T) {
	for _, kind := range []menus.CmdKind{menus.CmdSetGreeting, menus.CmdClearGreeting, menus.CmdSetPIN} {
		t.Run(string(kind), func(t *testing.T) {
			c, _, fs, _ := newTestCall(t)
			c.deps.owner = fakeOwner{previous: "voicemail/default/1001/greeting/old", err: notReplicated}
			saved := c.ownerChange(context.Background(), menus.Cmd{Kind: kind, Mailbox: mailbox.MustParseID("1001@default"),
				Greeting: "unavail", Name: "voicemail/default/1001/greeting/new", PIN: "4711"})
			if saved == nil || !saved.OK {
				t.Errorf("saved %+v, want OK: the master has the change", saved)
			}
			if len(fs.deleted) != 0 {
				t.Errorf("deleted %q after a change no replica confirmed", fs.deleted)
			}
		})
	}
	// A confirmed change still deletes what it replaced.
	c, _, fs, _ := newTestCall(t)
	c.deps.owner = fakeOwner{previous: "voicemail/default/1001/greeting/old"}
	if saved := c.ownerChange(context.Background(), menus.Cmd{Kind: menus.CmdSetGreeting, Mailbox: mailbox.MustParseID("1001@default"),
		Greeting: "unavail", Name: "voicemail/default/1001/greeting/new"}); !saved.OK || len(fs.deleted) != 1 {
		t.Errorf("confirmed change: saved %+v, deleted %q; want OK and the old greeting deleted", saved, fs.deleted)
	}
}

// A forwarded copy that the master holds but no replica confirmed keeps
// its audio; a copy that failed outright has its audio removed.
func TestForwardCopyNotReplicatedKeepsAudio(t *testing.T) {
	msg := state.Message{ID: "m1", Mailbox: state.MailboxID{Number: "1001", Context: "default"},
		Recording: "voicemail/default/1001/msg/m1", Intro: "voicemail/default/1001/msg/m1-i"}
	to := state.MailboxID{Number: "1002", Context: "default"}

	c, _, fs, _ := newTestCall(t)
	fs.depErr = fmt.Errorf("state: deposit: %w", state.ErrNotReplicated)
	if err := c.copyMessage(context.Background(), context.Background(), msg, to, "", ""); err != nil {
		t.Errorf("copyMessage = %v, want nil: the master holds the copy", err)
	}
	if len(fs.deleted) != 0 {
		t.Errorf("deleted %q: the copy's audio, which the master's copy points at", fs.deleted)
	}

	c, _, fs, _ = newTestCall(t)
	fs.depErr = fmt.Errorf("state: deposit: %w", state.ErrMailboxFull)
	if err := c.copyMessage(context.Background(), context.Background(), msg, to, "", ""); err == nil || len(fs.deleted) != 2 {
		t.Errorf("refused copy: %v, deleted %q; want the error and both copies' audio removed", err, fs.deleted)
	}
}
