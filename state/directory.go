package state

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// DirectoryEntry is one mailbox of the dial-by-name directory.
type DirectoryEntry struct {
	// Number is the mailbox number: the extension the directory offers.
	Number string
	// Name is the owner's full name, which callers spell.
	Name string
	// NameRecording is the owner's recorded name (GreetingName), "" if
	// none was recorded.
	NameRecording string
}

// Directory returns the mailboxes of context that the dial-by-name
// directory offers: those with a name, not Hidden, in the order of the
// mailbox index. It costs two round trips whatever the size of the
// context: one read of the index (vm:{index}:mailboxes), one pipeline of
// each mailbox's name, hidden flag and recorded name (per node on a
// Cluster). The index is a hint (mailbox_index.go): a mailbox missing from
// it, after a crash between its creation and its indexing, is offered once
// ReindexMailboxes (at every start) has put it back; an indexed mailbox that
// is gone is skipped.
func (s *Store) Directory(ctx context.Context, context string) ([]DirectoryEntry, error) {
	if err := (MailboxID{Number: "0", Context: context}).Validate(); err != nil {
		return nil, fmt.Errorf("state: directory %q: %w", context, err)
	}
	members, err := s.rdb.ZRange(ctx, mailboxIndexKey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state: directory %s: %w", context, err)
	}
	var ids []MailboxID
	for _, m := range members {
		if !strings.HasSuffix(m, "@"+context) {
			continue
		}
		if id, err := ParseMailbox(m); err == nil && id.Context == context {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	boxes := make([]*redis.SliceCmd, len(ids))
	names := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			boxes[i] = p.HMGet(ctx, boxKey(id), fieldName, fieldHidden)
			names[i] = p.HGet(ctx, greetingsKey(id), string(GreetingName))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("state: directory %s: %w", context, err)
	}
	out := make([]DirectoryEntry, 0, len(ids))
	for i, id := range ids {
		vals := boxes[i].Val()
		if len(vals) != 2 {
			continue
		}
		// A mailbox that is gone (an index entry left by a deletion) has
		// no name either.
		name, _ := vals[0].(string)
		hidden, _ := vals[1].(string)
		if hidden == "1" || strings.TrimSpace(name) == "" {
			continue
		}
		e := DirectoryEntry{Number: id.Number, Name: name}
		if rec := names[i].Val(); rec != "" && validRecordingName(rec) {
			e.NameRecording = rec
		}
		out = append(out, e)
	}
	return out, nil
}
