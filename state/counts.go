package state

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Folder is a message folder of a mailbox, numbered as in app_voicemail
// (apps/app_voicemail.c, mailbox_folders: INBOX, Old, Work, Family, Friends),
// so that the digit a caller presses to pick a folder is its number.
type Folder int

// The folders of a mailbox.
const (
	FolderNew     Folder = 0 // new, unheard messages (app_voicemail's INBOX)
	FolderOld     Folder = 1 // messages listened to
	FolderWork    Folder = 2
	FolderFamily  Folder = 3
	FolderFriends Folder = 4
)

// AllFolders lists every folder in number order.
var AllFolders = [...]Folder{FolderNew, FolderOld, FolderWork, FolderFamily, FolderFriends}

// folderNames are the names String returns, by folder number.
var folderNames = [...]string{"New", "Old", "Work", "Family", "Friends"}

// String returns the folder's name: "New", "Old", "Work", "Family" or
// "Friends", or "Folder(N)" for a number out of range.
func (f Folder) String() string {
	if f.valid() {
		return folderNames[f]
	}
	return "Folder(" + strconv.Itoa(int(f)) + ")"
}

// valid reports whether f is one of AllFolders.
func (f Folder) valid() bool {
	return f >= FolderNew && f <= FolderFriends
}

// ParseFolder reads the digit a caller pressed to choose a folder, "0" to
// "4". Anything else gives an error wrapping ErrInvalidFolder.
func ParseFolder(digit string) (Folder, error) {
	if len(digit) == 1 && digit[0] >= '0' && digit[0] <= '4' {
		return Folder(digit[0] - '0'), nil
	}
	return 0, fmt.Errorf("%w: %q", ErrInvalidFolder, clip(digit))
}

// Counts is the number of messages in each folder of a mailbox.
type Counts struct {
	New, Old, Work, Family, Friends int
}

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
	}
}
