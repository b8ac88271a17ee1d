package app

import (
	"context"
	"errors"
	"fmt"
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
// channel left first): the audio is measured, and a message under the
// minimum is discarded.
func (c *call) saveMessage(ctx context.Context, cmd menus.Cmd) *menus.Saved {
	d := cmd.Deposit
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	id, err := state.ParseMailbox(d.Mailbox)
	if err != nil {
		c.log.Error("save message: bad mailbox", zap.String("mailbox", d.Mailbox), zap.Error(err))
		c.deps.metrics.deposit(depositFailed)
		return &menus.Saved{}
	}
	secs := cmd.Duration
	if secs < 0 {
		secs, err = c.deps.audio.Seconds(ctx, d.Recording)
		if err != nil {
			c.log.Error("save message: measure recording", zap.String("recording", d.Recording), zap.Error(err))
			c.deps.metrics.deposit(depositFailed)
			return &menus.Saved{}
		}
		if secs < d.MinSeconds || secs == 0 {
			c.log.Info("message too short, discarded", zap.Int("seconds", secs))
			c.deps.metrics.deposit(depositTooShort)
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
	}
	mwi, err := c.depositWithRetry(ctx, msg)
	switch {
	case errors.Is(err, state.ErrMailboxFull):
		c.log.Warn("mailbox full, message discarded", zap.Stringer("mailbox", id))
		c.deps.metrics.deposit(depositFull)
		if err := c.deps.audio.Delete(ctx, d.Recording); err != nil {
			c.log.Warn("discard recording", zap.Error(err))
		}
		return &menus.Saved{Full: true}
	case err != nil:
		// The audio stays: an operator can recover it from the recording
		// directory; the log names it.
		c.log.Error("save message", zap.Stringer("mailbox", id), zap.String("recording", d.Recording), zap.Error(err))
		c.deps.metrics.deposit(depositFailed)
		return &menus.Saved{}
	}
	c.log.Info("message saved", zap.Stringer("mailbox", id), zap.String("message", d.MessageID),
		zap.Int("seconds", secs), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
	c.deps.mwi.Changed(id)
	c.deps.metrics.deposit(depositSaved)
	return &menus.Saved{OK: true}
}

// loadFolder reads a folder's messages for the engine.
func (c *call) loadFolder(ctx context.Context, cmd menus.Cmd) *menus.Box {
	box := &menus.Box{Folder: cmd.Folder, Now: time.Now().UnixMilli()}
	id, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		c.log.Error("load folder: bad mailbox", zap.String("mailbox", cmd.Mailbox), zap.Error(err))
		return box
	}
	msgs, err := c.deps.messages.Messages(ctx, id, state.Folder(cmd.Folder))
	if err != nil {
		// The caller is told sorry, not "no messages".
		c.log.Error("load folder", zap.Stringer("mailbox", id), zap.Int("folder", cmd.Folder), zap.Error(err))
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

// closeFolder applies heard and deleted messages, then removes the deleted
// messages' audio (after their metadata, so no message ever points at
// missing audio).
func (c *call) closeFolder(ctx context.Context, cmd menus.Cmd) {
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	id, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		c.log.Error("close folder: bad mailbox", zap.String("mailbox", cmd.Mailbox), zap.Error(err))
		return
	}
	removed, mwi, err := c.deps.messages.CloseFolder(ctx, id, state.Folder(cmd.Folder), cmd.Heard, cmd.Deleted)
	if err != nil {
		c.log.Error("close folder", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	c.log.Info("folder closed", zap.Stringer("mailbox", id), zap.Int("folder", cmd.Folder),
		zap.Int("heard", len(cmd.Heard)), zap.Int("deleted", len(removed)), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
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
	id, err := state.ParseMailbox(cmd.Mailbox)
	if err != nil {
		return &menus.Saved{}
	}
	mwi, err := c.deps.messages.Move(ctx, id, cmd.MsgID, state.Folder(cmd.Folder))
	switch {
	case errors.Is(err, state.ErrMailboxFull):
		return &menus.Saved{Full: true}
	case err != nil:
		c.log.Error("move message", zap.Stringer("mailbox", id), zap.String("message", cmd.MsgID), zap.Error(err))
		return &menus.Saved{}
	}
	c.log.Info("message moved", zap.Stringer("mailbox", id), zap.String("message", cmd.MsgID),
		zap.Int("folder", cmd.Folder), zap.Int("new", mwi.New), zap.Int("old", mwi.Old))
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
// unreachable (a restart, a failover): the deposit is idempotent on the
// message id, so a retry never doubles it. It gives up when ctx ends.
func (c *call) depositWithRetry(ctx context.Context, msg state.Message) (state.MWI, error) {
	backoff := 100 * time.Millisecond
	for {
		mwi, err := c.deps.messages.Deposit(ctx, msg)
		if err == nil || errors.Is(err, state.ErrMailboxFull) || errors.Is(err, state.ErrInvalidMessage) {
			return mwi, err
		}
		c.log.Warn("save message failed, retrying", zap.String("message", msg.ID), zap.Duration("backoff", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return mwi, fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}
