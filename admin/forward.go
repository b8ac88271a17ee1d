package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// ErrForwardToSelf is returned for a forward into the mailbox the message
// is in: the phone refuses it too (app_voicemail's forward_message).
var ErrForwardToSelf = errors.New("admin: a message is not forwarded to its own mailbox")

// ForwardMessage copies a message into the mailbox to, as the phone's
// forward (option 8) does: the copy arrives there as a new message (urgent
// if the original is), keeps the envelope (caller, date, duration) and any
// introduction, and gets audio of its own, so that deleting one copy never
// removes the other's. It returns the copy. Errors wrap
// state.ErrMailboxNotFound (either mailbox), state.ErrMessageNotFound,
// state.ErrMailboxFull (to's folder is full: nothing is kept),
// ErrForwardToSelf, ErrAudioUnavailable.
func (s *Service) ForwardMessage(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID, to mailbox.ID) (state.Message, error) {
	c, err := s.forward(ctx, id, msg, to)
	detail := "to " + to.String()
	if err == nil {
		detail += " as " + c.ID
	}
	s.record(ctx, who, "message.forward", target(id, msg), err, detail)
	return c, err
}

func (s *Service) forward(ctx context.Context, id mailbox.ID, msg mailbox.MessageID, to mailbox.ID) (state.Message, error) {
	if err := to.Validate(); err != nil {
		return state.Message{}, err
	}
	if to == id {
		return state.Message{}, ErrForwardToSelf
	}
	m, err := s.store.Message(ctx, id, string(msg))
	if err != nil {
		return state.Message{}, err
	}
	if err := s.mustExist(ctx, to); err != nil {
		return state.Message{}, err
	}
	c := m
	c.ID, c.Mailbox, c.Folder = state.NewMessageID(time.Now()), to, state.FolderNew
	if c.Recording, err = recordings.MessageName(to, c.ID); err != nil {
		return state.Message{}, err
	}
	if err := s.audio.Copy(ctx, m.Recording, c.Recording); err != nil {
		return state.Message{}, fmt.Errorf("admin: forward %s: %w", msg, audioError(err))
	}
	copies := []string{c.Recording}
	if m.Intro != "" {
		if c.Intro, err = recordings.MessageName(to, c.ID+"-i"); err != nil {
			s.deleteAudio(ctx, copies)
			return state.Message{}, err
		}
		if err := s.audio.Copy(ctx, m.Intro, c.Intro); err != nil {
			s.deleteAudio(ctx, copies)
			return state.Message{}, fmt.Errorf("admin: forward %s: introduction: %w", msg, audioError(err))
		}
		copies = append(copies, c.Intro)
	}
	if _, err := s.store.Deposit(ctx, c); err != nil {
		if errorsIsNotReplicated(err) {
			// The master holds the copy: its audio must stay.
			s.lamps.Changed(ctx, to)
			return c, err
		}
		if errors.Is(err, state.ErrMailboxFull) || errors.Is(err, state.ErrMailboxNotFound) {
			s.deleteAudio(ctx, copies) // nothing points at them
		} else {
			// The copy may be stored: its audio stays, for the janitor
			// should nothing point at it.
			s.log.Warn("forwarded copy not confirmed", zap.String("message", c.ID), zap.Error(err))
		}
		return state.Message{}, err
	}
	s.lamps.Changed(ctx, to)
	return s.store.Message(ctx, to, c.ID)
}
