package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// MWI is what a message-waiting publisher needs after a change: the counts
// of New and Old and a per-mailbox version that increases with every change
// of the mailbox's folders. Counts and version are read together, in one
// script or transaction, so a version always names the counts it came
// with.
type MWI struct {
	// New is the number of messages waiting: those of the New and the
	// Urgent folders, which app_voicemail's lamp counts as new
	// (queue_mwi_event publishes new + urgent).
	New int
	// Old is the number of messages in the Old folder.
	Old int
	// Version increases with every deposit, move and close that changed
	// something; 0 means the mailbox never had a message.
	Version int64
}

// replyMWI reads new, old and version from elements i, i+1 and i+2 of a
// script's array reply.
func replyMWI(res []any, i int) (MWI, bool) {
	n, ok1 := replyInt(res, i)
	o, ok2 := replyInt(res, i+1)
	v, ok3 := replyInt(res, i+2)
	return MWI{New: int(n), Old: int(o), Version: v}, ok1 && ok2 && ok3
}

// MWIState returns the current counts of New and Old and the version they
// belong to, read in one transaction, for a reconciler that republishes
// message-waiting state (after a restart, or after a publish that lost a
// race, see ClaimMWI). An unknown mailbox has all zero.
func (s *Store) MWIState(ctx context.Context, id MailboxID) (MWI, error) {
	if err := id.Validate(); err != nil {
		return MWI{}, err
	}
	var newCmd, urgentCmd, oldCmd *redis.IntCmd
	var verCmd *redis.StringCmd
	// MULTI/EXEC rather than a plain pipeline: a deposit landing between
	// the reads would pair old counts with the new version, and a publisher
	// claiming that version would then publish stale counts.
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		newCmd = p.ZCard(ctx, folderKey(id, FolderNew))
		urgentCmd = p.ZCard(ctx, folderKey(id, FolderUrgent))
		oldCmd = p.ZCard(ctx, folderKey(id, FolderOld))
		verCmd = p.Get(ctx, versionKey(id))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return MWI{}, fmt.Errorf("state: MWI state of %s: %w", id, err)
	}
	for _, c := range []redis.Cmder{newCmd, urgentCmd, oldCmd} {
		if err := c.Err(); err != nil {
			return MWI{}, fmt.Errorf("state: MWI state of %s: %w", id, err)
		}
	}
	var ver int64
	if v, err := verCmd.Result(); err == nil {
		if ver, err = strconv.ParseInt(v, 10, 64); err != nil {
			return MWI{}, fmt.Errorf("state: MWI state of %s: version %q: %w", id, clip(v), err)
		}
	}
	return MWI{New: int(newCmd.Val() + urgentCmd.Val()), Old: int(oldCmd.Val()), Version: ver}, nil
}

// ClaimMWI reports whether a publisher holding version v of a mailbox's
// MWI should publish it: true when v is greater than every version claimed
// before, which it then records (a compare-and-set in one script). Two
// publishers racing each other thus cannot leave a phone showing stale
// counts by publishing out of order: the older version loses its claim. A
// version of 0 or less is never claimed.
//
// A claim orders the publishers, not their requests: a publisher should
// re-read MWIState after publishing and publish again if the version moved
// on meanwhile.
func (s *Store) ClaimMWI(ctx context.Context, id MailboxID, v int64) (bool, error) {
	if err := id.Validate(); err != nil {
		return false, err
	}
	if v <= 0 {
		return false, nil
	}
	won, err := mwiClaimScript.Run(ctx, s.rdb, []string{mwiPublishedKey(id)}, strconv.FormatInt(v, 10)).Int64()
	if err != nil {
		return false, fmt.Errorf("state: claim MWI of %s at %d: %w", id, v, err)
	}
	return won == 1, nil
}

// NotifyMWIChanged tells every running instance that id's counts changed
// outside a call (the admin CLI moved or deleted a message), on the Pub/Sub
// channel vm:mwi:changed: each one that hears it publishes the counts if
// nobody has yet (ClaimMWI), so the phones' lamps follow. An instance that
// is not running hears nothing; it publishes every mailbox's counts when
// it connects to Asterisk.
func (s *Store) NotifyMWIChanged(ctx context.Context, id MailboxID) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if err := s.rdb.Publish(ctx, mwiChangedChannel, id.String()).Err(); err != nil {
		return fmt.Errorf("state: notify MWI change of %s: %w", id, err)
	}
	return nil
}

// WatchMWIChanged calls changed with each mailbox that NotifyMWIChanged
// names, until ctx ends; then it returns ctx's error. The subscription
// reconnects by itself after a Redis failure (notifications sent meanwhile
// are lost). A message that is no mailbox id is ignored. changed runs on
// the watcher's goroutine and must not block.
func (s *Store) WatchMWIChanged(ctx context.Context, changed func(MailboxID)) error {
	sub := s.rdb.Subscribe(ctx, mwiChangedChannel)
	defer func() { _ = sub.Close() }()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-ch:
			if !ok {
				return ctx.Err()
			}
			if id, err := ParseMailbox(m.Payload); err == nil {
				changed(id)
			}
		}
	}
}
