package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Repair names a fix that RepairMessage makes to one message, for a
// problem that fsck found in an Inventory.
type Repair string

// The repairs of RepairMessage. Each checks again, in its script, that the
// problem is still there, and changes nothing otherwise.
const (
	// RepairDangling removes a message whose audio is gone: its record and
	// its folder entries, if the record still names that recording.
	RepairDangling Repair = "dangling"
	// RepairStrayID removes an id that a folder lists without a record,
	// from every folder, if there is still no record.
	RepairStrayID Repair = "stray-id"
	// RepairStrayRecord deletes a message record that no folder lists, if
	// none lists it still. Its audio is left to the janitor.
	RepairStrayRecord Repair = "stray-record"
	// RepairRefolder sets a record's folder field to the folder that lists
	// it, if exactly one does.
	RepairRefolder Repair = "refolder"
)

// RepairMessage makes repair to message msgID of mailbox id; recording is
// the audio fsck found missing (RepairDangling only). It reports whether
// anything changed (false: the problem was gone), and the MWI state after
// it: a repair that changed a folder moves the version on, so the counts
// are published again. Errors wrap ErrInvalidMessageID, or
// ErrInvalidMessage for an unknown repair.
func (s *Store) RepairMessage(ctx context.Context, id MailboxID, msgID string, repair Repair, recording string) (bool, MWI, error) {
	if err := id.Validate(); err != nil {
		return false, MWI{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return false, MWI{}, err
	}
	switch repair {
	case RepairDangling, RepairStrayID, RepairStrayRecord, RepairRefolder:
	default:
		return false, MWI{}, fmt.Errorf("state: repair %s of %s: %w: unknown repair %q", msgID, id, ErrInvalidMessage, clip(string(repair)))
	}
	keys := append(folderKeys(id), versionKey(id), messageKey(id, msgID), trashKey(id))
	res, err := messageRepairScript.Run(ctx, s.rdb, keys, string(repair), msgID, recording).Slice()
	if err != nil {
		return false, MWI{}, fmt.Errorf("state: repair %s of %s (%s): %w", msgID, id, repair, err)
	}
	done, ok1 := replyInt(res, 0)
	mwi, ok2 := replyMWI(res, 1)
	if !ok1 || !ok2 {
		return false, MWI{}, fmt.Errorf("state: repair %s of %s (%s): unexpected reply %v", msgID, id, repair, res)
	}
	if done == 1 {
		s.log.Warn("message repaired", zap.Stringer("mailbox", id), zap.String("message", msgID),
			zap.String("repair", string(repair)), zap.String("recording", clip(recording)))
	}
	return done == 1, mwi, nil
}

// DropInvalidIDs removes from every folder of mailbox id the entries
// given that are not message ids (ValidateMessageID): no record can belong
// to them, yet folder counts include them. A valid id among entries is
// refused with an error wrapping ErrInvalidMessage (RepairMessage is for
// those). It returns how many entries went and the MWI state after.
func (s *Store) DropInvalidIDs(ctx context.Context, id MailboxID, entries ...string) (int, MWI, error) {
	if err := id.Validate(); err != nil {
		return 0, MWI{}, err
	}
	args := make([]any, 0, len(entries))
	for _, e := range entries {
		if mailbox.MessageID(e).Validate() == nil {
			return 0, MWI{}, fmt.Errorf("state: drop invalid ids of %s: %w: %q is a message id", id, ErrInvalidMessage, e)
		}
		args = append(args, e)
	}
	if len(args) == 0 {
		return 0, MWI{}, nil
	}
	res, err := folderDropScript.Run(ctx, s.rdb, append(folderKeys(id), versionKey(id)), args...).Slice()
	if err != nil {
		return 0, MWI{}, fmt.Errorf("state: drop invalid ids of %s: %w", id, err)
	}
	n, ok1 := replyInt(res, 0)
	mwi, ok2 := replyMWI(res, 1)
	if !ok1 || !ok2 {
		return 0, MWI{}, fmt.Errorf("state: drop invalid ids of %s: unexpected reply %v", id, res)
	}
	if n > 0 {
		s.log.Warn("invalid ids removed from folders", zap.Stringer("mailbox", id), zap.Int64("removed", n))
	}
	return int(n), mwi, nil
}

// maxFieldLen bounds a hash field named by a caller of UnlinkGreeting.
const maxFieldLen = 64

// UnlinkGreeting removes greeting kind of mailbox id if it still names
// recording, whose audio is gone: callers then hear the default greeting
// rather than nothing. kind is the entry as stored, which may be one that
// Greetings skips as corrupt. It reports whether the entry was removed.
func (s *Store) UnlinkGreeting(ctx context.Context, id MailboxID, kind, recording string) (bool, error) {
	if err := id.Validate(); err != nil {
		return false, err
	}
	if kind == "" || len(kind) > maxFieldLen {
		return false, fmt.Errorf("state: unlink greeting of %s: %w: kind %q", id, ErrInvalidGreeting, clip(kind))
	}
	n, err := audioUnlinkScript.Run(ctx, s.rdb, []string{greetingsKey(id)}, kind, recording).Int()
	if err != nil {
		return false, fmt.Errorf("state: unlink %s greeting of %s: %w", clip(kind), id, err)
	}
	if n == 1 {
		s.log.Warn("greeting without audio removed", zap.Stringer("mailbox", id), zap.String("kind", clip(kind)),
			zap.String("recording", clip(recording)))
	}
	return n == 1, nil
}

// UnlinkIntro removes the introduction of message msgID of mailbox id if
// it still names recording, whose audio is gone: the message then plays
// without it. It reports whether the field was removed.
func (s *Store) UnlinkIntro(ctx context.Context, id MailboxID, msgID, recording string) (bool, error) {
	if err := id.Validate(); err != nil {
		return false, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return false, err
	}
	n, err := audioUnlinkScript.Run(ctx, s.rdb, []string{messageKey(id, msgID)}, fieldMsgIntro, recording).Int()
	if err != nil {
		return false, fmt.Errorf("state: unlink introduction of %s of %s: %w", msgID, id, err)
	}
	if n == 1 {
		s.log.Warn("introduction without audio removed", zap.Stringer("mailbox", id), zap.String("message", msgID),
			zap.String("recording", clip(recording)))
	}
	return n == 1, nil
}

// RealignMWI moves the MWI version of mailbox id past the last claimed
// one when the claim is ahead of it (the version key was lost or restored
// from an older copy): until then ClaimMWI refuses every publication and
// phones keep showing stale counts. It returns the new version, 0 when the
// claim was not ahead and nothing changed.
func (s *Store) RealignMWI(ctx context.Context, id MailboxID) (int64, error) {
	if err := id.Validate(); err != nil {
		return 0, err
	}
	v, err := mwiRealignScript.Run(ctx, s.rdb, []string{versionKey(id), mwiPublishedKey(id)}).Int64()
	if err != nil {
		return 0, fmt.Errorf("state: realign MWI of %s: %w", id, err)
	}
	if v > 0 {
		s.log.Warn("MWI version moved past the last claim", zap.Stringer("mailbox", id), zap.Int64("version", v))
	}
	return v, nil
}

// Placement is where one message is, as MessagePlacement reads it.
type Placement struct {
	// Folders lists the folders whose set holds the id.
	Folders []Folder
	// Record reports whether the message record exists.
	Record bool
	// Folder is the record's folder field as stored, "" without a record.
	Folder string
	// Trashed reports whether the trash lists the id (TrashMessage): its
	// record is then kept on purpose, in no folder.
	Trashed bool
}

// MessagePlacement reads, in one transaction, which folders list message
// msgID of mailbox id and whether its record exists: fsck checks again
// this way what a scan, which is no snapshot, suggested.
func (s *Store) MessagePlacement(ctx context.Context, id MailboxID, msgID string) (Placement, error) {
	if err := id.Validate(); err != nil {
		return Placement{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return Placement{}, err
	}
	var scores [len(AllFolders)]*redis.FloatCmd
	var exists *redis.IntCmd
	var folder *redis.StringCmd
	var trashed *redis.FloatCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, f := range AllFolders {
			scores[i] = p.ZScore(ctx, folderKey(id, f), msgID)
		}
		exists = p.Exists(ctx, messageKey(id, msgID))
		folder = p.HGet(ctx, messageKey(id, msgID), fieldMsgFolder)
		trashed = p.ZScore(ctx, trashKey(id), msgID)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) && !isWrongType(err) {
		return Placement{}, fmt.Errorf("state: placement of %s of %s: %w", msgID, id, err)
	}
	var pl Placement
	for i, f := range AllFolders {
		if scores[i].Err() == nil {
			pl.Folders = append(pl.Folders, f)
		}
	}
	pl.Record = exists.Val() == 1
	pl.Folder = folder.Val()
	pl.Trashed = trashed.Err() == nil
	return pl, nil
}
