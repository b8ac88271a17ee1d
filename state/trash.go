package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// The trash keeps the messages that an owner deleted from the web page, or
// an administrator through the admin API, so that a slip of the mouse can
// be undone: TrashMessage takes a message out of its folder and keeps its
// record and audio; RestoreMessage puts it back where it was; PurgeTrash
// deletes it for good, as the janitor does once it has been in the trash
// longer than the configured time (janitor.trash_keep). A message the
// owner deletes by phone (7, then leaving the folder) is gone at once, as
// in app_voicemail: the phone's menus say "deleted", not "moved".

// Replies of message_restore.lua.
const (
	restoreFull     = -1
	restoreNotFound = 0
	restoreDone     = 1
)

// TrashMessage deletes message msgID of mailbox id to the trash and returns
// the message-waiting state after it. Errors wrap ErrMessageNotFound (no
// such message, or it is in the trash already), ErrInvalidMessageID, or
// ErrNotReplicated (it was deleted on the master).
func (s *Store) TrashMessage(ctx context.Context, id MailboxID, msgID string) (MWI, error) {
	if err := id.Validate(); err != nil {
		return MWI{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return MWI{}, err
	}
	keys := append(folderKeys(id), versionKey(id), messageKey(id, msgID), trashKey(id))
	cmd, notReplicated := s.runReplicated(ctx, messageTrashScript, keys, msgID, s.now().UnixMilli())
	res, err := cmd.Slice()
	if err != nil {
		return MWI{}, fmt.Errorf("state: delete %s of %s to the trash: %w", msgID, id, err)
	}
	status, _ := replyInt(res, 0)
	mwi, ok := replyMWI(res, 1)
	switch {
	case !ok:
		return MWI{}, fmt.Errorf("state: delete %s of %s to the trash: unexpected reply %v", msgID, id, res)
	case status == 0:
		return MWI{}, fmt.Errorf("state: delete %s of %s to the trash: %w", msgID, id, ErrMessageNotFound)
	}
	s.log.Debug("message deleted to the trash", zap.Stringer("mailbox", id), zap.String("message", msgID),
		zap.Int64("version", mwi.Version))
	return mwi, s.atRisk(notReplicated, "delete %s of %s to the trash", msgID, id)
}

// RestoreMessage puts message msgID of mailbox id back from the trash into
// the folder it was deleted from, and returns that folder and the
// message-waiting state after it. Errors wrap ErrMessageNotFound (not in
// the trash), ErrMailboxFull (its folder holds the mailbox's maxmsg, its
// own Options.MaxMessages, else Config.MaxMessages, as a move would find
// it; nothing is written), ErrInvalidMessageID, or ErrNotReplicated.
func (s *Store) RestoreMessage(ctx context.Context, id MailboxID, msgID string) (Folder, MWI, error) {
	if err := id.Validate(); err != nil {
		return 0, MWI{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return 0, MWI{}, err
	}
	keys := append(folderKeys(id), versionKey(id), messageKey(id, msgID), trashKey(id), boxKey(id))
	cmd, notReplicated := s.runReplicated(ctx, messageRestoreScript, keys, msgID, s.cfg.MaxMessages)
	res, err := cmd.Slice()
	if err != nil {
		return 0, MWI{}, fmt.Errorf("state: restore %s of %s: %w", msgID, id, err)
	}
	status, _ := replyInt(res, 0)
	mwi, ok1 := replyMWI(res, 1)
	f, ok2 := replyInt(res, 4)
	if !ok1 || !ok2 {
		return 0, MWI{}, fmt.Errorf("state: restore %s of %s: unexpected reply %v", msgID, id, res)
	}
	switch status {
	case restoreDone:
		s.log.Debug("message restored from the trash", zap.Stringer("mailbox", id), zap.String("message", msgID),
			zap.Int64("folder", f), zap.Int64("version", mwi.Version))
		return Folder(f), mwi, s.atRisk(notReplicated, "restore %s of %s", msgID, id)
	case restoreNotFound:
		return 0, MWI{}, fmt.Errorf("state: restore %s of %s: %w: not in the trash", msgID, id, ErrMessageNotFound)
	case restoreFull:
		return Folder(f), mwi, fmt.Errorf("state: restore %s of %s to %v: %w", msgID, id, Folder(f), ErrMailboxFull)
	}
	return 0, MWI{}, fmt.Errorf("state: restore %s of %s: unexpected reply %v", msgID, id, res)
}

// Trash returns the messages in mailbox id's trash, the most recently
// deleted first. An entry whose record is gone (the phone deleted the
// message for good meanwhile) or is corrupt is left out.
func (s *Store) Trash(ctx context.Context, id MailboxID) ([]Message, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	ids, err := s.rdb.ZRevRange(ctx, trashKey(id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state: trash of %s: %w", id, err)
	}
	cmds := make([]*redis.MapStringStringCmd, 0, len(ids))
	valid := ids[:0]
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, msgID := range ids {
			if ValidateMessageID(msgID) != nil {
				continue
			}
			valid = append(valid, msgID)
			cmds = append(cmds, p.HGetAll(ctx, messageKey(id, msgID)))
		}
		return nil
	})
	if err != nil && !isWrongType(err) {
		return nil, fmt.Errorf("state: trash of %s: %w", id, err)
	}
	out := make([]Message, 0, len(valid))
	for i, msgID := range valid {
		fields, err := cmds[i].Result()
		if err != nil || len(fields) == 0 {
			continue
		}
		m, err := decodeMessage(id, msgID, fields)
		if err != nil || m.Deleted.IsZero() {
			s.log.Warn("trash: unreadable entry left out", zap.Stringer("mailbox", id), zap.String("message", msgID), zap.Error(err))
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// TrashedBefore returns the ids of the messages of mailbox id deleted to
// the trash at or before cutoff: those PurgeTrash should purge.
func (s *Store) TrashedBefore(ctx context.Context, id MailboxID, cutoff time.Time) ([]string, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	ids, err := s.rdb.ZRangeByScore(ctx, trashKey(id), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(cutoff.UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("state: trash of %s: %w", id, err)
	}
	return ids, nil
}

// PurgeTrash deletes for good the messages msgIDs of mailbox id's trash
// that were deleted at or before cutoff (all of them with a zero cutoff),
// and returns how many it purged and the recordings of their audio and
// introductions, for the caller to delete once this has returned without
// error. An id not in the trash is skipped. With ErrNotReplicated the
// records are gone on the master only: leave their audio to the janitor.
func (s *Store) PurgeTrash(ctx context.Context, id MailboxID, cutoff time.Time, msgIDs ...string) (int, []string, error) {
	if err := id.Validate(); err != nil {
		return 0, nil, err
	}
	if len(msgIDs) == 0 {
		return 0, nil, nil
	}
	keys := []string{trashKey(id)}
	args := []any{"+inf"}
	if !cutoff.IsZero() {
		args[0] = strconv.FormatInt(cutoff.UnixMilli(), 10)
	}
	for _, msgID := range msgIDs {
		if err := ValidateMessageID(msgID); err != nil {
			// Not ours to read; dropped from the trash as it is.
			if zerr := s.rdb.ZRem(ctx, trashKey(id), msgID).Err(); zerr != nil {
				return 0, nil, fmt.Errorf("state: purge the trash of %s: %w", id, zerr)
			}
			continue
		}
		keys = append(keys, messageKey(id, msgID))
		args = append(args, msgID)
	}
	if len(args) == 1 {
		return 0, nil, nil
	}
	cmd, notReplicated := s.runReplicated(ctx, trashPurgeScript, keys, args...)
	res, err := cmd.Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("state: purge the trash of %s: %w", id, err)
	}
	n, ok := replyInt(res, 0)
	if !ok {
		return 0, nil, fmt.Errorf("state: purge the trash of %s: unexpected reply %v", id, res)
	}
	var removed []string
	for i := 1; i < len(res); i++ {
		if r, ok := replyString(res, i); ok {
			removed = append(removed, r)
		}
	}
	if n > 0 {
		s.log.Debug("trash purged", zap.Stringer("mailbox", id), zap.Int64("messages", n))
	}
	return int(n), removed, s.atRisk(notReplicated, "purge the trash of %s", id)
}

// trashScanBatch is how many mailboxes' trashes PurgeTrashBefore reads in
// one pipelined round trip.
const trashScanBatch = 500

// PurgeTrashBefore purges, in every mailbox, the messages deleted to the
// trash at or before cutoff. It returns how many it purged, and the
// recordings of those whose purge is known to have survived (for the
// caller to delete now that nothing points at them: left to the orphan
// sweep, a week's worth of deletions could make most of the stored audio
// due at once, which the sweep refuses as a sign of lost metadata). A
// mailbox that fails is skipped; the first error is returned once every
// mailbox was tried.
func (s *Store) PurgeTrashBefore(ctx context.Context, cutoff time.Time) (int, []string, error) {
	ids, err := s.MailboxIDs(ctx)
	if err != nil {
		return 0, nil, err
	}
	max := strconv.FormatInt(cutoff.UnixMilli(), 10)
	purged := 0
	var removed []string
	var first error
	for start := 0; start < len(ids); start += trashScanBatch {
		batch := ids[start:min(start+trashScanBatch, len(ids))]
		cmds := make([]*redis.StringSliceCmd, len(batch))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				cmds[i] = p.ZRangeByScore(ctx, trashKey(id), &redis.ZRangeBy{Min: "-inf", Max: max})
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) && !isWrongType(err) {
			return purged, removed, fmt.Errorf("state: read the trashes: %w", err)
		}
		for i, id := range batch {
			due := cmds[i].Val()
			if len(due) == 0 {
				continue
			}
			n, audio, err := s.PurgeTrash(ctx, id, cutoff, due...)
			purged += n
			switch {
			case err == nil:
				removed = append(removed, audio...)
			case first == nil:
				first = err
			}
			if ctx.Err() != nil {
				return purged, removed, ctx.Err()
			}
		}
	}
	return purged, removed, first
}
