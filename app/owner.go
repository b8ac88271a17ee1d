package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// recordGreeting records a new take of a greeting, the name, or a forward's
// introduction ("intro"), under a fresh name: the active recording is only
// replaced when the owner accepts the take.
func (c *call) recordGreeting(ctx context.Context, cmd menus.Cmd) {
	id, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Failed: true}}})
		return
	}
	version := state.NewMessageID(time.Now())
	var name string
	if cmd.Greeting == "intro" {
		name, err = recordings.MessageName(id, version)
	} else {
		name, err = recordings.GreetingName(id, state.GreetingKind(cmd.Greeting), version)
	}
	if err != nil {
		c.log.Error("name greeting", zap.String("kind", cmd.Greeting), zap.Error(err))
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Failed: true}}})
		return
	}
	c.recording = name
	_, err = c.deps.recorder.Record(ctx, c.id, ari.RecordOptions{
		Name:               name,
		Format:             recordings.Format,
		MaxDurationSeconds: cmd.MaxSeconds,
		MaxSilenceSeconds:  int(c.deps.cfg.MaxSilence / time.Second),
		IfExists:           "fail",
		Beep:               true,
		TerminateOn:        "#",
	})
	if err != nil && !ari.IsGone(err) {
		c.log.Error("record greeting", zap.String("recording", name), zap.Error(err))
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: name, Failed: true}}})
	}
}

// ownerChange applies a greeting or password change. A replaced or cleared
// greeting's audio is deleted once the mailbox no longer points at it.
func (c *call) ownerChange(ctx context.Context, cmd menus.Cmd) *menus.Saved {
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	id, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		return &menus.Saved{}
	}
	var previous string
	switch cmd.Kind {
	case menus.CmdSetGreeting:
		previous, err = c.deps.owner.SetGreeting(ctx, id, state.GreetingKind(cmd.Greeting), cmd.Name)
	case menus.CmdClearGreeting:
		previous, err = c.deps.owner.ClearGreeting(ctx, id, state.GreetingKind(cmd.Greeting))
	case menus.CmdSetPIN:
		err = c.deps.owner.SetPIN(ctx, id, cmd.PIN)
	}
	if err != nil {
		c.log.Error("mailbox change", zap.String("change", string(cmd.Kind)), zap.Stringer("mailbox", id), zap.Error(err))
		return &menus.Saved{}
	}
	c.log.Info("mailbox changed", zap.String("change", string(cmd.Kind)), zap.Stringer("mailbox", id), zap.String("greeting", cmd.Greeting))
	if previous != "" {
		if err := c.deps.audio.Delete(ctx, previous); err != nil {
			c.log.Warn("delete replaced greeting", zap.String("recording", previous), zap.Error(err))
		}
	}
	return &menus.Saved{OK: true}
}

// prepareTarget looks up the mailboxes a logged-in owner names (in the
// owner's context): for one, everything needed to leave a message in it;
// for several ('*' between them, a forward), only whether all exist. It
// returns nil when any does not exist.
func (c *call) prepareTarget(ctx context.Context, cmd menus.Cmd) *menus.Deposit {
	owner, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		return nil
	}
	numbers := strings.Split(cmd.Name, "*")
	for _, n := range numbers {
		id, err := state.ParseMailbox(n + "@" + owner.Context)
		if err != nil {
			return nil
		}
		if _, err := c.deps.lookup.Mailbox(ctx, id); err != nil {
			if !errors.Is(err, state.ErrMailboxNotFound) {
				c.log.Error("look up mailbox", zap.Stringer("mailbox", id), zap.Error(err))
			}
			return nil
		}
	}
	if len(numbers) > 1 {
		return &menus.Deposit{}
	}
	id, _ := state.ParseMailbox(numbers[0] + "@" + owner.Context)
	ownerBox, _ := c.deps.lookup.Mailbox(ctx, owner)
	d, _, err := prepareDeposit(ctx, c.deps.lookup, c.deps.cfg, func(state.MailboxID) bool { return false },
		Request{Mode: "deposit", Mailbox: id, HasMailbox: true, Greeting: "unavail"},
		ari.CallerID{Number: owner.Number, Name: ownerBox.Name}, time.Now())
	if err != nil {
		c.log.Error("prepare message", zap.Stringer("mailbox", id), zap.Error(err))
		return nil
	}
	return d
}

// forward copies a message, its audio and any introduction, into each
// mailbox named: each copy keeps the envelope, and gets audio of its own so
// that deleting one copy never removes another's.
func (c *call) forward(ctx context.Context, cmd menus.Cmd) *menus.Saved {
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	owner, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		return &menus.Saved{}
	}
	msg, err := c.deps.reader.Message(ctx, owner, cmd.MsgID)
	if err != nil {
		c.log.Error("forward: read message", zap.String("message", cmd.MsgID), zap.Error(err))
		return &menus.Saved{}
	}
	ok := true
	for _, n := range cmd.To {
		to, err := state.ParseMailbox(n + "@" + owner.Context)
		if err != nil {
			ok = false
			continue
		}
		if err := c.copyMessage(ctx, msg, to, cmd.Name); err != nil {
			c.log.Error("forward", zap.String("message", msg.ID), zap.Stringer("to", to), zap.Error(err))
			ok = false
			continue
		}
		c.log.Info("message forwarded", zap.String("message", msg.ID), zap.Stringer("to", to))
		c.deps.mwi.Changed(to)
	}
	if cmd.Name != "" {
		// Each copy has its own introduction now.
		if err := c.deps.audio.Delete(ctx, cmd.Name); err != nil {
			c.log.Warn("delete introduction take", zap.Error(err))
		}
	}
	return &menus.Saved{OK: ok}
}

func (c *call) copyMessage(ctx context.Context, msg state.Message, to state.MailboxID, intro string) error {
	newID := state.NewMessageID(time.Now())
	rec, err := recordings.MessageName(to, newID)
	if err != nil {
		return err
	}
	if err := c.deps.audio.Copy(ctx, msg.Recording, rec); err != nil {
		return err
	}
	introSrc := intro
	if introSrc == "" {
		introSrc = msg.Intro
	}
	var introRec string
	if introSrc != "" {
		if introRec, err = recordings.MessageName(to, newID+"-i"); err != nil {
			return err
		}
		if err := c.deps.audio.Copy(ctx, introSrc, introRec); err != nil {
			return err
		}
	}
	copyMsg := msg
	copyMsg.ID, copyMsg.Mailbox, copyMsg.Folder = newID, to, state.FolderNew
	copyMsg.Recording, copyMsg.Intro = rec, introRec
	if _, err := c.deps.messages.Deposit(ctx, copyMsg); err != nil {
		_ = c.deps.audio.Delete(ctx, rec)
		if introRec != "" {
			_ = c.deps.audio.Delete(ctx, introRec)
		}
		return err
	}
	return nil
}
