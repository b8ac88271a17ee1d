package state

import (
	"context"
	"fmt"

	"go.uber.org/zap"
)

// Replies of message_move.lua.
const (
	moveFull     = -1
	moveNotFound = 0
	moveDone     = 1
	moveSame     = 2
)

// Move files a message into folder to, keeping its received time, as
// app_voicemail's save_to_folder does when a caller presses 9 and picks a
// folder. It returns the message-waiting state after the move (moving
// between folders other than New and Old changes no count in it, but the
// version still moves on).
//
// Moving a message to the folder it is in is a no-op that returns the
// current state. Errors wrap ErrMessageNotFound, ErrInvalidMessageID,
// ErrInvalidFolder, or ErrMailboxFull when to already holds the mailbox's
// maxmsg (its own Options.MaxMessages, else Config.MaxMessages), as
// app_voicemail's save_to_folder answers ERROR_MAX_MSGS (nothing is
// written), or ErrNotReplicated (the message was moved on the master).
func (s *Store) Move(ctx context.Context, id MailboxID, msgID string, to Folder) (MWI, error) {
	if err := id.Validate(); err != nil {
		return MWI{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return MWI{}, err
	}
	if to.Validate() != nil {
		return MWI{}, fmt.Errorf("state: move %s of %s: %w: %d", msgID, id, ErrInvalidFolder, int(to))
	}
	keys := append(folderKeys(id), versionKey(id), messageKey(id, msgID), boxKey(id))
	cmd, notReplicated := s.runReplicated(ctx, messageMoveScript, keys, msgID, int(to), s.cfg.MaxMessages)
	res, err := cmd.Slice()
	if err != nil {
		return MWI{}, fmt.Errorf("state: move %s of %s to %v: %w", msgID, id, to, err)
	}
	status, _ := replyInt(res, 0)
	mwi, ok := replyMWI(res, 1)
	if !ok {
		return MWI{}, fmt.Errorf("state: move %s of %s to %v: unexpected reply %v", msgID, id, to, res)
	}
	switch status {
	case moveDone:
		s.log.Debug("message moved", zap.Stringer("mailbox", id), zap.String("message", msgID),
			zap.Stringer("folder", to), zap.Int64("version", mwi.Version))
		return mwi, s.atRisk(notReplicated, "move %s of %s to %v", msgID, id, to)
	case moveSame:
		return mwi, s.atRisk(notReplicated, "move %s of %s to %v", msgID, id, to)
	case moveNotFound:
		return MWI{}, fmt.Errorf("state: move %s of %s to %v: %w", msgID, id, to, ErrMessageNotFound)
	case moveFull:
		s.log.Info("folder full (the mailbox's maxmsg): message not moved", zap.Stringer("mailbox", id),
			zap.String("message", msgID), zap.Stringer("folder", to))
		return mwi, fmt.Errorf("state: move %s of %s to %v: %w", msgID, id, to, ErrMailboxFull)
	}
	return MWI{}, fmt.Errorf("state: move %s of %s to %v: unexpected reply %v", msgID, id, to, res)
}

// CloseFolder applies what happened while a caller browsed folder f, as
// app_voicemail's close_mailbox does when the caller leaves the folder or
// hangs up: the deleted messages are removed from whatever folder holds
// them, and, when f is New or Urgent, the heard messages (those not
// deleted) move to Old, keeping their received time. A heard message stays
// in its folder when Old already holds the mailbox's maxmsg (its own
// Options.MaxMessages, else Config.MaxMessages), as close_mailbox keeps it
// when "destination folder full". Ids of messages that no longer exist are
// ignored, and heard messages of other folders stay where they are.
//
// Everything happens in one script. It returns the recording names of the
// messages it deleted, so that the caller deletes their audio after the
// metadata is gone (a crash in between leaves an orphan file for a janitor,
// never a message without audio), and the message-waiting state after the
// change. Errors wrap ErrInvalidMessageID or ErrInvalidFolder for bad input,
// and nothing is written then; or ErrNotReplicated, with removed and mwi as
// if it succeeded: the change was made on the master, and the audio of
// removed must stay until it is known to have survived (a janitor's work).
func (s *Store) CloseFolder(ctx context.Context, id MailboxID, f Folder, heard, deleted []string) (removed []string, mwi MWI, err error) {
	if err := id.Validate(); err != nil {
		return nil, MWI{}, err
	}
	if f.Validate() != nil {
		return nil, MWI{}, fmt.Errorf("state: close folder of %s: %w: %d", id, ErrInvalidFolder, int(f))
	}
	dels, err := uniqueMessageIDs(deleted, nil)
	if err != nil {
		return nil, MWI{}, fmt.Errorf("state: close %v of %s: deleted: %w", f, id, err)
	}
	skip := make(map[string]bool, len(dels))
	for _, d := range dels {
		skip[d] = true
	}
	heardNew, err := uniqueMessageIDs(heard, skip)
	if err != nil {
		return nil, MWI{}, fmt.Errorf("state: close %v of %s: heard: %w", f, id, err)
	}
	if !f.Unheard() {
		heardNew = nil // only New's and Urgent's heard messages move (close_mailbox: INBOX, Urgent)
	}

	ids := append(heardNew, dels...)
	keys := append(folderKeys(id), versionKey(id), boxKey(id))
	args := make([]any, 0, 3+len(ids))
	args = append(args, int(f), len(heardNew), s.cfg.MaxMessages)
	for _, m := range ids {
		keys = append(keys, messageKey(id, m))
		args = append(args, m)
	}
	cmd, notReplicated := s.runReplicated(ctx, folderCloseScript, keys, args...)
	res, err := cmd.Slice()
	if err != nil {
		return nil, MWI{}, fmt.Errorf("state: close %v of %s: %w", f, id, err)
	}
	mwi, ok := replyMWI(res, 0)
	kept, ok2 := replyInt(res, 3)
	if !ok || !ok2 {
		return nil, MWI{}, fmt.Errorf("state: close %v of %s: unexpected reply %v", f, id, res)
	}
	for i := 4; i < len(res); i++ {
		if rec, ok := res[i].(string); ok {
			removed = append(removed, rec)
		}
	}
	if kept > 0 {
		s.log.Warn("Old folder full (the mailbox's maxmsg): heard messages left unmoved", zap.Stringer("mailbox", id),
			zap.Int64("kept", kept))
	}
	s.log.Debug("folder closed", zap.Stringer("mailbox", id), zap.Stringer("folder", f),
		zap.Int("heard", len(heardNew)), zap.Int("deleted", len(removed)), zap.Int64("version", mwi.Version))
	return removed, mwi, s.atRisk(notReplicated, "close %v of %s", f, id)
}

// uniqueMessageIDs validates ids and returns them without duplicates and
// without those in skip, in their first order.
func uniqueMessageIDs(ids []string, skip map[string]bool) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, m := range ids {
		if err := ValidateMessageID(m); err != nil {
			return nil, err
		}
		if seen[m] || skip[m] {
			continue
		}
		seen[m] = true
		out = append(out, m)
	}
	return out, nil
}
