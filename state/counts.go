package state

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Counts is the number of messages in each folder of a mailbox.
type Counts struct {
	New, Old, Work, Family, Friends int
	// Urgent counts the Urgent folder: messages waiting, like New's.
	Urgent int
}

// Waiting is the number of messages the lamp counts: New and Urgent.
func (c Counts) Waiting() int { return c.New + c.Urgent }

// Counts returns the number of messages in each folder, read from the
// folder sets themselves (never from separate counters, which could drift)
// in one round trip. An unknown mailbox has all counts zero.
func (s *Store) Counts(ctx context.Context, id MailboxID) (Counts, error) {
	if err := id.Validate(); err != nil {
		return Counts{}, err
	}
	var cmds [len(AllFolders)]*redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, f := range AllFolders {
			cmds[i] = p.ZCard(ctx, folderKey(id, f))
		}
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("state: counts of %s: %w", id, err)
	}
	return countsOf(cmds), nil
}

// countsOf reads the ZCARD replies of AllFolders, in their order.
func countsOf(cmds [len(AllFolders)]*redis.IntCmd) Counts {
	n := func(f Folder) int { return int(cmds[f].Val()) }
	return Counts{
		New:     n(FolderNew),
		Old:     n(FolderOld),
		Work:    n(FolderWork),
		Family:  n(FolderFamily),
		Friends: n(FolderFriends),
		Urgent:  n(FolderUrgent),
	}
}
