package state

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// The mailbox index (vm:{index}:mailboxes) lists every mailbox id, so that
// ListMailboxes reads a page without scanning the keyspace. Its slot is not
// a mailbox's, so it cannot change in the script that creates or deletes a
// mailbox (Redis Cluster); instead it is written after a creation and
// after a deletion, and it is read as a hint:
//
//   - an id whose mailbox is gone (a crash between a deletion and its
//     removal from the index) is skipped by ListMailboxes;
//   - a mailbox missing from it (a crash between a creation and its
//     addition, or data from before the index) is added back by
//     ReindexMailboxes, which the app runs at every start, and by
//     Provision for the configured mailboxes.
//
// Calls never read it: they look a mailbox up by its own key.

// indexMailboxes adds ids to the index.
func (s *Store) indexMailboxes(ctx context.Context, ids ...MailboxID) error {
	if len(ids) == 0 {
		return nil
	}
	members := make([]redis.Z, len(ids))
	for i, id := range ids {
		members[i] = redis.Z{Member: id.String()}
	}
	// In batches, so that a large configuration is not one huge command.
	for len(members) > 0 {
		n := min(len(members), scanCount)
		if err := s.rdb.ZAdd(ctx, mailboxIndexKey, members[:n]...).Err(); err != nil {
			return fmt.Errorf("index mailboxes: %w", err)
		}
		members = members[n:]
	}
	return nil
}

// unindexMailbox removes id from the index.
func (s *Store) unindexMailbox(ctx context.Context, id MailboxID) error {
	return s.rdb.ZRem(ctx, mailboxIndexKey, id.String()).Err()
}

// ReindexMailboxes adds every mailbox record in Redis to the index that
// ListMailboxes reads (SCAN over vm:{*}:box, on every master of a
// Cluster), and returns how many it found. It never removes an entry:
// ListMailboxes skips those whose mailbox is gone. The app runs it at
// start, so that mailboxes from before the index, or created by an
// instance that crashed before indexing them, are listed.
func (s *Store) ReindexMailboxes(ctx context.Context) (int, error) {
	var (
		mu    sync.Mutex
		total int
	)
	scan := func(ctx context.Context, c *redis.Client) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, keyPrefix+"{*}:box", scanCount).Result()
			if err != nil {
				return err
			}
			ids := make([]MailboxID, 0, len(keys))
			for _, key := range keys {
				tag, ok := strings.CutPrefix(key, keyPrefix+"{")
				if !ok {
					continue
				}
				tag, ok = strings.CutSuffix(tag, "}:box")
				if id, err := ParseMailbox(tag); ok && err == nil && strings.Contains(tag, "@") {
					ids = append(ids, id)
				}
			}
			if err := s.indexMailboxes(ctx, ids...); err != nil {
				return err
			}
			mu.Lock()
			total += len(ids)
			mu.Unlock()
			if next == 0 {
				return nil
			}
			cursor = next
		}
	}
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *redis.Client:
		err = scan(ctx, c)
	default:
		err = fmt.Errorf("%w: cannot scan the keyspace with a %T", ErrInvalidConfig, s.rdb)
	}
	if err != nil {
		return total, fmt.Errorf("state: reindex mailboxes: %w", err)
	}
	s.log.Debug("mailbox index checked", zap.Int("mailboxes", total))
	return total, nil
}

// MailboxIDs returns every mailbox id in the index, in index order. Ids
// whose mailbox is gone may be among them (see ListMailboxes): a caller
// that acts on each, such as a republication of message-waiting counts,
// must cope with a mailbox that does not exist.
func (s *Store) MailboxIDs(ctx context.Context) ([]MailboxID, error) {
	members, err := s.rdb.ZRange(ctx, mailboxIndexKey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state: mailbox ids: %w", err)
	}
	ids := make([]MailboxID, 0, len(members))
	for _, m := range members {
		if id, err := ParseMailbox(m); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
