package call

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// mediaURI turns an engine media name into an ARI media URI: names with a
// scheme (recording:…) are kept, others are sounds.
func mediaURI(name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	return "sound:" + name
}

// storeCtx bounds work that must finish even when the call or the app is
// ending: a message being saved, a folder being closed.
func storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// saveMessage stores a recorded message and tells MWI. A duration of -1
// means the recording's end was not seen (the caller hung up and the
// channel left first): the audio is measured, retrying as call.measure
// does, and a message under the minimum is discarded; one that cannot be
// measured is kept. The deposit is retried for as long as Redis does not
// take it (retryOwned); it returns nil when the call was left meanwhile,
// to the instance that takes it over, which saves the message then.
func (c *call) saveMessage(callCtx context.Context, cmd menus.Cmd) *menus.Saved {
	d := cmd.Deposit
	ctx, cancel := storeCtx(callCtx)
	defer cancel()
	id := d.Mailbox
	err := id.Validate()
	if err != nil {
		c.log.Error("save message: bad mailbox", zap.Stringer("mailbox", id), zap.Error(err))
		c.deps.metrics.deposit(DepositFailed)
		return &menus.Saved{}
	}
	secs := cmd.Duration
	if secs < 0 {
		secs = c.measure(ctx, d.Recording, d.MinSeconds)
		if secs < d.MinSeconds || secs == 0 {
			c.log.Info("message too short, discarded", zap.Int("seconds", secs))
			c.deps.metrics.deposit(DepositTooShort)
			if err := c.deps.audio.Delete(ctx, d.Recording); err != nil {
				c.log.Warn("discard recording", zap.Error(err))
			}
			return &menus.Saved{}
		}
	}
	msg := state.Message{
		ID:         d.MessageID,
		Mailbox:    id,
		Folder:     state.FolderNew,
		Recording:  d.Recording,
		CallerNum:  d.CallerNum,
		CallerName: d.CallerName,
		Received:   c.receivedAt(),
		Duration:   time.Duration(secs) * time.Second,
		Origin:     id.String(),
		// Urgent files it into the Urgent folder (app_voicemail's U
		// option, or 4 in the review); the deposit record carries it, so
		// a save retried after a takeover keeps it.
		Urgent: d.Urgent,
	}
	mwi, err := c.depositWithRetry(callCtx, msg)
	switch {
	case errors.Is(err, errCallLeft):
		return nil
	case errors.Is(err, state.ErrMailboxFull):
		c.log.Warn("mailbox full, message discarded", zap.Stringer("mailbox", id))
		c.deps.metrics.deposit(DepositFull)
		if err := c.deps.audio.Delete(ctx, d.Recording); err != nil {
			c.log.Warn("discard recording", zap.Error(err))
		}
		return &menus.Saved{Full: true}
	case err != nil:
		// The audio stays: an operator can recover it from the recording
		// directory; the log names it.
		c.log.Error("save message", zap.Stringer("mailbox", id), zap.String("recording", d.Recording), zap.Error(err))
		c.deps.metrics.deposit(DepositFailed)
		return &menus.Saved{}
	}
	c.log.Info("message saved", zap.Stringer("mailbox", id), zap.String("message", d.MessageID),
		zap.Int("seconds", secs), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
	c.deps.mwi.Changed(id)
	c.deps.metrics.deposit(DepositSaved)
	return &menus.Saved{OK: true}
}

// loadFolder reads a folder's messages for the engine.
func (c *call) loadFolder(ctx context.Context, cmd menus.Cmd) *menus.Box {
	box := &menus.Box{Folder: cmd.Folder, Now: time.Now().UnixMilli()}
	id := cmd.Mailbox
	if err := id.Validate(); err != nil {
		c.log.Error("load folder: bad mailbox", zap.Stringer("mailbox", id), zap.Error(err))
		return box
	}
	msgs, err := c.listFolder(ctx, id, cmd.Folder)
	if err != nil {
		// The caller is told sorry, not "no messages".
		c.log.Error("load folder", zap.Stringer("mailbox", id), zap.Int("folder", int(cmd.Folder)), zap.Error(err))
		box.Failed = true
		return box
	}
	for _, m := range msgs {
		box.Msgs = append(box.Msgs, menus.MsgInfo{
			ID:         m.ID,
			Recording:  m.Recording,
			CallerNum:  m.CallerNum,
			CallerName: m.CallerName,
			Received:   m.Received.UnixMilli(),
			Duration:   int(m.Duration / time.Second),
			Intro:      m.Intro,
		})
	}
	return box
}

// listFolder reads the messages of folder f. The first load after a login
// lists the ids the login read with the counts it announced, when it read
// that folder's and is fresh (listedFresh): one round trip instead of two
// on the way from the PIN's '#' to "you have". Any other load reads the
// folder afresh.
func (c *call) listFolder(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error) {
	l := c.listed
	c.listed = nil
	if l != nil && l.mailbox == id && time.Since(l.at) < listedFresh {
		if ids, ok := l.ids[f]; ok {
			if r, ok := c.deps.messages.(ListedReader); ok {
				return r.MessagesListed(ctx, id, f, ids)
			}
		}
	}
	return c.deps.messages.Messages(ctx, id, f)
}

// closeFolder applies heard and deleted messages, retrying while Redis
// does not answer as a deposit does (the close is idempotent), then
// removes the deleted messages' audio (after their metadata, so no message
// ever points at missing audio). A retried close whose first attempt
// applied unseen no longer lists what it removed, so the audio the engine
// names for the deleted messages (cmd.Recordings) is removed too: the
// close has removed every one of those messages. A call left meanwhile
// (retryOwned) leaves the close to the instance that takes it over, which
// finds it in the session (menus.State.Closing) and does it again.
func (c *call) closeFolder(callCtx context.Context, cmd menus.Cmd) {
	ctx, cancel := storeCtx(callCtx)
	defer cancel()
	id := cmd.Mailbox
	if err := id.Validate(); err != nil {
		c.log.Error("close folder: bad mailbox", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	var removed []string
	var mwi state.MWI
	err := c.retryOwned(callCtx, "close folder", func(ctx context.Context) error {
		var err error
		removed, mwi, err = c.deps.messages.CloseFolder(ctx, id, cmd.Folder, cmd.Heard, cmd.Deleted)
		return err
	})
	if errors.Is(err, errCallLeft) {
		return // the successor finds the close in the session
	}
	// Done or given up: the sessions saved from now on no longer ask a
	// successor to do it. A close given up must not be done later either:
	// the caller goes on with the messages as they are (one kept deleted
	// could meanwhile be saved to another folder, and a late close would
	// delete it there). A close done has its audio removed below.
	if p := c.s.Closing; p != nil && p.Folder == cmd.Folder && slices.Equal(p.Heard, cmd.Heard) && slices.Equal(p.Deleted, cmd.Deleted) {
		c.s.Closing = nil
	}
	if err != nil {
		// Nothing is deleted: the messages may still be there.
		c.log.Error("close folder", zap.Stringer("mailbox", id), zap.Strings("heard", cmd.Heard),
			zap.Strings("deleted", cmd.Deleted), zap.Error(err))
		return
	}
	c.log.Info("folder closed", zap.Stringer("mailbox", id), zap.Int("folder", int(cmd.Folder)),
		zap.Int("heard", len(cmd.Heard)), zap.Int("deleted", len(cmd.Deleted)), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
	for _, r := range cmd.Recordings {
		if !slices.Contains(removed, r) {
			removed = append(removed, r)
		}
	}
	if len(removed) > 0 {
		if err := c.deps.audio.Delete(ctx, removed...); err != nil {
			c.log.Warn("delete audio of deleted messages", zap.Strings("recordings", removed), zap.Error(err))
		}
	}
	c.deps.mwi.Changed(id)
}

// move saves a message to another folder.
func (c *call) move(ctx context.Context, cmd menus.Cmd) *menus.Saved {
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	id := cmd.Mailbox
	if err := id.Validate(); err != nil {
		return &menus.Saved{}
	}
	mwi, err := c.deps.messages.Move(ctx, id, cmd.MsgID, cmd.Folder)
	switch {
	case errors.Is(err, state.ErrMailboxFull):
		return &menus.Saved{Full: true}
	case err != nil:
		c.log.Error("move message", zap.Stringer("mailbox", id), zap.String("message", cmd.MsgID), zap.Error(err))
		return &menus.Saved{}
	}
	c.log.Info("message moved", zap.Stringer("mailbox", id), zap.String("message", cmd.MsgID),
		zap.Int("folder", int(cmd.Folder)), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
	c.deps.mwi.Changed(id)
	return &menus.Saved{OK: true}
}

// receivedAt is when the message was left: when its recording started.
func (c *call) receivedAt() time.Time {
	if c.recordStarted.IsZero() {
		return time.Now()
	}
	return c.recordStarted
}

// depositWithRetry stores a message, retrying with backoff while Redis is
// unreachable (a restart, a failover), for as long as that lasts
// (retryOwned): the deposit is idempotent on the message id, so a retry
// never doubles it. It returns errCallLeft when the call was left
// meanwhile.
func (c *call) depositWithRetry(ctx context.Context, msg state.Message) (state.MWI, error) {
	var mwi state.MWI
	err := c.retryOwned(ctx, "save message "+msg.ID, func(ctx context.Context) error {
		var err error
		mwi, err = c.deps.messages.Deposit(ctx, msg)
		return err
	})
	return mwi, err
}
