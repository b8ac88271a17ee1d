package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// errorsIsNotReplicated reports a write applied on the master only.
func errorsIsNotReplicated(err error) bool { return errors.Is(err, state.ErrNotReplicated) }

// Messages returns the messages of folder f of a mailbox (all folders, in
// folder order, when f is nil), oldest first.
func (s *Service) Messages(ctx context.Context, id mailbox.ID, f *mailbox.Folder) ([]state.Message, error) {
	if f != nil {
		if err := f.Validate(); err != nil {
			return nil, err
		}
	}
	if err := s.mustExist(ctx, id); err != nil {
		return nil, err
	}
	folders := mailbox.AllFolders[:]
	if f != nil {
		folders = []mailbox.Folder{*f}
	}
	var out []state.Message
	for _, folder := range folders {
		msgs, err := s.store.Messages(ctx, id, folder)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

// Message returns one message's envelope.
func (s *Service) Message(ctx context.Context, id mailbox.ID, msg mailbox.MessageID) (state.Message, error) {
	return s.store.Message(ctx, id, string(msg))
}

// MessageAudio returns a message's audio as a WAV file. Errors wrap
// ari.ErrNotFound when the audio is missing, ErrAudioUnavailable when
// Asterisk could not hand it over.
func (s *Service) MessageAudio(ctx context.Context, id mailbox.ID, msg mailbox.MessageID) ([]byte, error) {
	m, err := s.store.Message(ctx, id, string(msg))
	if err != nil {
		return nil, err
	}
	b, err := s.audio.WAV(ctx, m.Recording)
	if err != nil {
		return nil, audioError(err)
	}
	return b, nil
}

// MoveMessage files a message into folder to, and returns it as moved.
func (s *Service) MoveMessage(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID, to mailbox.Folder) (state.Message, error) {
	m, err := s.move(ctx, id, msg, to)
	s.record(ctx, who, "message.move", target(id, msg), err, "to "+to.String())
	return m, err
}

func (s *Service) move(ctx context.Context, id mailbox.ID, msg mailbox.MessageID, to mailbox.Folder) (state.Message, error) {
	if err := to.Validate(); err != nil {
		return state.Message{}, err
	}
	if _, err := s.store.Move(ctx, id, string(msg), to); err != nil {
		if errorsIsNotReplicated(err) {
			s.lamps.Changed(ctx, id)
		}
		return state.Message{}, err
	}
	s.lamps.Changed(ctx, id)
	return s.store.Message(ctx, id, string(msg))
}

// MarkHeard marks a message heard (a New or Urgent message moves to Old)
// or unheard (an Old message moves back to New, or to Urgent when it was
// left urgent), as app_voicemail's folders say it; a
// message in another folder gives ErrNoHeardState. Marking a message as
// it already is changes nothing.
func (s *Service) MarkHeard(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID, heard bool) (state.Message, error) {
	m, err := s.store.Message(ctx, id, string(msg))
	if err == nil {
		switch {
		case !m.Folder.Unheard() && m.Folder != mailbox.FolderOld:
			err = fmt.Errorf("%w: message %s is in %v", ErrNoHeardState, msg, m.Folder)
		case heard && m.Folder.Unheard():
			m, err = s.move(ctx, id, msg, mailbox.FolderOld)
		case !heard && m.Folder == mailbox.FolderOld && m.Urgent:
			m, err = s.move(ctx, id, msg, mailbox.FolderUrgent)
		case !heard && m.Folder == mailbox.FolderOld:
			m, err = s.move(ctx, id, msg, mailbox.FolderNew)
		}
	}
	action := "message.mark_heard"
	if !heard {
		action = "message.mark_unheard"
	}
	s.record(ctx, who, action, target(id, msg), err, "")
	return m, err
}

// DeleteMessage deletes a message to its mailbox's trash: out of its
// folder (the lamp follows), restorable with RestoreMessage until the
// janitor purges it (janitor.trash_keep) or PurgeMessage does.
func (s *Service) DeleteMessage(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID) error {
	m, err := s.store.Message(ctx, id, string(msg))
	if err == nil {
		_, err = s.store.TrashMessage(ctx, id, string(msg))
		if err == nil || errorsIsNotReplicated(err) {
			s.lamps.Changed(ctx, id)
		}
	}
	detail := ""
	if err == nil {
		detail = "from " + m.Folder.String() + " to the trash"
	}
	s.record(ctx, who, "message.delete", target(id, msg), err, detail)
	return err
}

// Trash returns the messages in a mailbox's trash, the most recently
// deleted first.
func (s *Service) Trash(ctx context.Context, id mailbox.ID) ([]state.Message, error) {
	if err := s.mustExist(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Trash(ctx, id)
}

// RestoreMessage puts a message back from the trash into the folder it was
// deleted from. Errors wrap state.ErrMessageNotFound (not in the trash) or
// state.ErrMailboxFull (that folder is full).
func (s *Service) RestoreMessage(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID) (state.Message, error) {
	f, _, err := s.store.RestoreMessage(ctx, id, string(msg))
	if err == nil || errorsIsNotReplicated(err) {
		s.lamps.Changed(ctx, id)
	}
	detail := ""
	if err == nil {
		detail = "to " + f.String()
	}
	s.record(ctx, who, "message.restore", target(id, msg), err, detail)
	if err != nil {
		return state.Message{}, err
	}
	return s.store.Message(ctx, id, string(msg))
}

// PurgeMessage deletes a message in the trash for good, with its audio.
// An error wraps state.ErrMessageNotFound when the trash does not hold it.
func (s *Service) PurgeMessage(ctx context.Context, who Actor, id mailbox.ID, msg mailbox.MessageID) error {
	n, removed, err := s.store.PurgeTrash(ctx, id, time.Time{}, string(msg))
	switch {
	case err == nil && n == 0:
		err = fmt.Errorf("admin: purge %s of %s: %w: not in the trash", msg, id, state.ErrMessageNotFound)
	case err == nil:
		// The records are gone: nothing points at the audio any more.
		s.deleteAudio(ctx, removed)
	}
	s.record(ctx, who, "message.purge", target(id, msg), err, "")
	return err
}

// target names a message in the audit trail.
func target(id mailbox.ID, msg mailbox.MessageID) string {
	return id.String() + "/" + string(msg)
}
