package call

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// nameTake names a new take of a greeting, the name, or a forward's
// introduction ("intro"): a fresh name each time, so that the active
// recording is only replaced when the owner accepts the take. The engine
// keeps the name in the call's state before the take is recorded
// (recordGreeting), so that the session names the take's audio.
func (c *call) nameTake(cmd menus.Cmd) {
	id := cmd.Mailbox
	if err := id.Validate(); err != nil {
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Failed: true}}})
		return
	}
	version := state.NewMessageID(time.Now())
	var name string
	var err error
	if cmd.Greeting == menus.GreetIntro {
		name, err = recordings.MessageName(id, version)
	} else {
		name, err = recordings.GreetingName(id, cmd.Greeting, version)
	}
	if err != nil {
		c.log.Error("name greeting", zap.Stringer("kind", cmd.Greeting), zap.Error(err))
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Failed: true}}})
		return
	}
	c.in.push(item{ev: menus.Event{Kind: menus.EvTakeNamed, Name: name}})
}

// recordGreeting records the take that nameTake named. The step that asks
// for it saved the session naming the take, fenced (fence.go), so the
// audio is never without a pointer to it while the call lives.
func (c *call) recordGreeting(ctx context.Context, cmd menus.Cmd) {
	c.recording = cmd.Name
	_, err := c.deps.recorder.Record(ctx, c.id, ari.RecordOptions{
		Name:               cmd.Name,
		Format:             recordings.Format,
		MaxDurationSeconds: cmd.MaxSeconds,
		MaxSilenceSeconds:  int(c.deps.cfg.Defaults.MaxSilence / time.Second),
		IfExists:           "fail",
		Beep:               true,
		TerminateOn:        "#",
	})
	if err != nil && !ari.IsGone(err) {
		c.log.Error("record greeting", zap.String("recording", cmd.Name), zap.Error(err))
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: cmd.Name, Failed: true}}})
	}
}

// ownerChange applies a greeting or password change, retrying while Redis
// does not answer as a deposit does (retryOwned: however long, the call's
// ownership confirmed before each retry): each change is idempotent, so a
// retry after a lost reply finds it made rather than making the owner hear
// "sorry" for a change that took effect (review M2). No deadline: one
// would end the wait for ownership too, and leave the caller in a call no
// instance serves. A replaced or cleared
// greeting's audio is deleted once the mailbox no longer points at it; a
// change whose outcome stays unknown deletes nothing (the engine keeps the
// take too), leaving audio that nothing points at to the janitor.
func (c *call) ownerChange(ctx context.Context, cmd menus.Cmd) *menus.Saved {
	id := cmd.Mailbox
	err := id.Validate()
	if err != nil {
		return &menus.Saved{}
	}
	if cmd.Kind == menus.CmdSetGreeting && !c.takeExists(ctx, cmd.Name) {
		// Its audio is gone: the take was replaced meanwhile (from the web
		// page or the admin API, between an instance's death and the
		// takeover that sets it again). Set, the mailbox would point at
		// nothing, and the newer greeting's audio would be deleted.
		c.log.Warn("greeting take's audio is gone; not set", zap.Stringer("mailbox", id), zap.String("recording", cmd.Name))
		return &menus.Saved{}
	}
	var previous string
	notReplicated := false
	err = c.retryOwned(ctx, "mailbox change", func(ctx context.Context) error {
		var err error
		switch cmd.Kind {
		case menus.CmdSetGreeting:
			// A retry whose first attempt got through returns "" (the take
			// replaced itself): the greeting it replaced is the janitor's.
			previous, err = c.deps.owner.SetGreeting(ctx, id, cmd.Greeting, cmd.Name)
		case menus.CmdClearGreeting:
			previous, err = c.deps.owner.ClearGreeting(ctx, id, cmd.Greeting)
		case menus.CmdSetPIN:
			err = c.deps.owner.SetPIN(ctx, id, cmd.PIN)
		}
		if errors.Is(err, state.ErrNotReplicated) {
			notReplicated = true
			return nil
		}
		return err
	})
	if err == nil && notReplicated {
		// The master has the change, so the owner is told it is made (and
		// the new greeting's audio kept); but the replaced audio stays
		// until the change is known to survive a failover (the janitor's
		// work), lest the mailbox point at deleted audio.
		c.log.Warn("mailbox change not confirmed by enough replicas; the replaced recording is kept",
			zap.String("change", string(cmd.Kind)), zap.Stringer("mailbox", id), zap.String("kept", previous))
		previous = ""
	}
	if errors.Is(err, errCallLeft) {
		return nil // the instance that takes the call over does it again
	}
	if err != nil {
		c.log.Error("mailbox change", zap.String("change", string(cmd.Kind)), zap.Stringer("mailbox", id), zap.Error(err))
		return &menus.Saved{}
	}
	c.log.Info("mailbox changed", zap.String("change", string(cmd.Kind)), zap.Stringer("mailbox", id), zap.Stringer("greeting", cmd.Greeting))
	if previous != "" {
		if err := c.deps.audio.Delete(ctx, previous); err != nil {
			c.log.Warn("delete replaced greeting", zap.String("recording", previous), zap.Error(err))
		}
	}
	return &menus.Saved{OK: true}
}

// takeExists reports whether recording name is there to be made a
// greeting: false only when the audio store says it is not; an answer
// that failed counts as there.
func (c *call) takeExists(ctx context.Context, name string) bool {
	there, err := c.deps.audio.Exists(ctx, name)
	if err != nil {
		c.log.Warn("look for the greeting take's audio; setting it", zap.String("recording", name), zap.Error(err))
		return true
	}
	return there
}

// prepareTarget looks up the mailboxes a logged-in owner names (in the
// owner's context): for one, everything needed to leave a message in it;
// for several ('*' between them, a forward), only whether all exist. It
// returns nil when any does not exist.
func (c *call) prepareTarget(ctx context.Context, cmd menus.Cmd) *menus.Deposit {
	owner := cmd.Mailbox
	if err := owner.Validate(); err != nil {
		return nil
	}
	numbers := strings.Split(cmd.Name, "*")
	for _, n := range numbers {
		id, err := mailbox.NewID(n, owner.Context)
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
	id, _ := mailbox.NewID(numbers[0], owner.Context)
	ownerBox, _ := c.deps.lookup.Mailbox(ctx, owner)
	d, _, err := PrepareDeposit(ctx, c.deps.lookup, c.deps.cfg, func(state.MailboxID) bool { return false },
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
func (c *call) forward(callCtx context.Context, cmd menus.Cmd) *menus.Saved {
	ctx, cancel := storeCtx(callCtx)
	defer cancel()
	owner := cmd.Mailbox
	// Failed before any copy, the introduction's take is deleted as after
	// the copies: an engine that saw the hang-up first, or that finishes
	// the call offline, leaves it to the forward.
	if err := owner.Validate(); err != nil {
		c.deleteIntro(ctx, cmd.Name)
		return &menus.Saved{}
	}
	msg, err := c.deps.reader.Message(ctx, owner, cmd.MsgID)
	if err != nil {
		c.log.Error("forward: read message", zap.String("message", cmd.MsgID), zap.Error(err))
		c.deleteIntro(ctx, cmd.Name)
		return &menus.Saved{}
	}
	ok := true
	for _, n := range cmd.To {
		to, err := mailbox.NewID(n, owner.Context)
		if err != nil {
			ok = false
			continue
		}
		if err := c.copyMessage(ctx, callCtx, msg, to, cmd.Name, cmd.Key); err != nil {
			if errors.Is(err, errCallLeft) {
				return nil // the instance that takes the call over does it again
			}
			c.log.Error("forward", zap.String("message", msg.ID), zap.Stringer("to", to), zap.Error(err))
			ok = false
			continue
		}
		c.log.Info("message forwarded", zap.String("message", msg.ID), zap.Stringer("to", to))
		c.deps.mwi.Changed(to)
	}
	c.deleteIntro(ctx, cmd.Name) // each copy has its own introduction now
	return &menus.Saved{OK: ok}
}

// deleteIntro deletes a forward's introduction take, name, once the
// forward is through with it ("" when it has none).
func (c *call) deleteIntro(ctx context.Context, name string) {
	if name == "" {
		return
	}
	if err := c.deps.audio.Delete(ctx, name); err != nil {
		c.log.Warn("delete introduction take", zap.Error(err))
	}
}

// forwardCopyID is the id of the copy of message msgID that the forward
// named key makes for mailbox to: a message id like a fresh one, whose time
// is the key's (the call's start, Start.Key) and whose rest is a digest of
// the three, so that it is the same each time the forward is done.
func forwardCopyID(key, msgID string, to state.MailboxID) string {
	sum := sha256.Sum256([]byte(key + "\x00" + msgID + "\x00" + to.String()))
	stamp := "m0000000000000"
	if len(key) >= len(stamp) && key[0] == 'm' && strings.Trim(key[1:len(stamp)], "0123456789") == "" {
		stamp = key[:len(stamp)]
	}
	return stamp + "-" + hex.EncodeToString(sum[:8])
}

// The audio is copied under ctx's deadline; the copy's deposit is retried
// under callCtx, the call's, as the call's own writes are (retryOwned).
// key names the forward (menus.Forward.Key): its copy for mailbox to has
// the same id each time the forward is done, and one already stored (by
// an instance that did the forward before it died) is not made again.
func (c *call) copyMessage(ctx, callCtx context.Context, msg state.Message, to state.MailboxID, intro, key string) error {
	newID := state.NewMessageID(time.Now())
	if key != "" {
		newID = forwardCopyID(key, msg.ID, to)
		_, err := c.deps.reader.Message(ctx, to, newID)
		switch {
		case err == nil:
			c.log.Info("forward copy made before; not made again", zap.String("message", newID), zap.Stringer("to", to))
			return nil
		case !errors.Is(err, state.ErrMessageNotFound):
			// Copying again is safe (the deposit is idempotent on the id,
			// the audio copied over itself): only the introduction's take
			// may be gone by now.
			c.log.Warn("forward: look for a copy made before; copying", zap.String("message", newID), zap.Error(err))
		}
	}
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
	err = c.retryOwned(callCtx, "forward copy", func(ctx context.Context) error {
		_, err := c.deps.messages.Deposit(ctx, copyMsg)
		if errors.Is(err, state.ErrNotReplicated) {
			// The master holds the copy: its audio must stay. Waiting on
			// for a replica would keep the owner in silence for it.
			c.log.Warn("forwarded copy not confirmed by enough replicas", zap.String("message", newID), zap.Error(err))
			return nil
		}
		return err
	})
	if err != nil {
		if permanent(err) {
			// Refused (full): nothing points at the copies.
			_ = c.deps.audio.Delete(ctx, rec)
			if introRec != "" {
				_ = c.deps.audio.Delete(ctx, introRec)
			}
		}
		// Otherwise the copy may have been stored: its audio stays, for
		// the janitor should nothing point at it.
		return err
	}
	return nil
}
