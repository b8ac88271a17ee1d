package state

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Bounds of ListMailboxes.
const (
	// DefaultListLimit is the page size of a query without a limit.
	DefaultListLimit = 100
	// MaxListLimit is the largest page.
	MaxListLimit = 1000
	// maxSearchLen bounds MailboxQuery.Search.
	maxSearchLen = 100
	// listChunk is how many index entries one round trip reads.
	listChunk = 500
)

// MailboxQuery selects a page of mailboxes (ListMailboxes).
type MailboxQuery struct {
	// Context keeps the mailboxes of one context; "" keeps all.
	Context string
	// Search keeps the mailboxes whose number, "NUMBER@CONTEXT", name or
	// email contains it, ignoring case; "" keeps all. At most 100 bytes.
	Search string
	// After is the Next of the previous page ("" for the first): a
	// mailbox id, the last one that page held.
	After string
	// Limit is the most mailboxes on the page, 1 to MaxListLimit; 0 means
	// DefaultListLimit.
	Limit int
}

// MailboxEntry is one mailbox of a listing, with its folders' counts.
type MailboxEntry struct {
	Mailbox Mailbox
	Counts  Counts
}

// MailboxPage is a page of mailboxes, ordered by "NUMBER@CONTEXT" as text.
type MailboxPage struct {
	Mailboxes []MailboxEntry
	// Next is the MailboxQuery.After of the next page, "" when this is the
	// last.
	Next string
}

// validate checks q and applies its default limit; the error wraps
// ErrInvalidQuery.
func (q *MailboxQuery) validate() error {
	if q.Limit == 0 {
		q.Limit = DefaultListLimit
	}
	if q.Limit < 1 || q.Limit > MaxListLimit {
		return fmt.Errorf("%w: limit %d not in 1..%d", ErrInvalidQuery, q.Limit, MaxListLimit)
	}
	if q.Context != "" {
		if err := (MailboxID{Number: "0", Context: q.Context}).Validate(); err != nil {
			return fmt.Errorf("%w: context: %w", ErrInvalidQuery, err)
		}
	}
	if q.After != "" {
		if _, err := ParseMailbox(q.After); err != nil || !strings.Contains(q.After, "@") {
			return fmt.Errorf("%w: after %q: want NUMBER@CONTEXT", ErrInvalidQuery, clip(q.After))
		}
	}
	if !validText(q.Search, maxSearchLen) {
		return fmt.Errorf("%w: search: at most %d bytes of text", ErrInvalidQuery, maxSearchLen)
	}
	return nil
}

// matches reports whether m passes q's filters.
func (q *MailboxQuery) matches(m Mailbox) bool {
	if q.Context != "" && m.ID.Context != q.Context {
		return false
	}
	if q.Search == "" {
		return true
	}
	needle := strings.ToLower(q.Search)
	for _, hay := range []string{m.ID.String(), m.Name, m.Email} {
		if strings.Contains(strings.ToLower(hay), needle) {
			return true
		}
	}
	return false
}

// ListMailboxes returns a page of the mailboxes that q selects, with their
// counts. It walks the mailbox index (mailbox_index.go) from q.After,
// reading the records of listChunk entries per round trip, until the page
// is full: a search that matches few mailboxes reads them all. Entries
// whose mailbox is gone are skipped. Errors wrap ErrInvalidQuery (nothing
// read).
func (s *Store) ListMailboxes(ctx context.Context, q MailboxQuery) (MailboxPage, error) {
	if err := q.validate(); err != nil {
		return MailboxPage{}, fmt.Errorf("state: list mailboxes: %w", err)
	}
	start := "-"
	if q.After != "" {
		start = "(" + q.After
	}
	var found []Mailbox
	// One more than the page, to know whether there is a next one.
	for len(found) <= q.Limit {
		members, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: mailboxIndexKey, Start: start, Stop: "+", ByLex: true, Count: listChunk,
		}).Result()
		if err != nil {
			return MailboxPage{}, fmt.Errorf("state: list mailboxes: %w", err)
		}
		ids := make([]MailboxID, 0, len(members))
		for _, m := range members {
			if id, err := ParseMailbox(m); err == nil {
				ids = append(ids, id)
			}
		}
		cmds := make([]*redis.MapStringStringCmd, len(ids))
		if len(ids) > 0 {
			if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, id := range ids {
					cmds[i] = p.HGetAll(ctx, boxKey(id))
				}
				return nil
			}); err != nil && !isWrongType(err) {
				return MailboxPage{}, fmt.Errorf("state: list mailboxes: %w", err)
			}
		}
		for i, id := range ids {
			fields, err := cmds[i].Result()
			if err != nil || len(fields) == 0 {
				continue // gone, or not a hash: not a mailbox
			}
			if m := decodeMailbox(id, fields); q.matches(m) {
				found = append(found, m)
			}
		}
		if len(members) < listChunk {
			break
		}
		start = "(" + members[len(members)-1]
	}
	var page MailboxPage
	if len(found) > q.Limit {
		found = found[:q.Limit]
		page.Next = found[q.Limit-1].ID.String()
	}
	counts, err := s.countsOfMany(ctx, found)
	if err != nil {
		return MailboxPage{}, fmt.Errorf("state: list mailboxes: %w", err)
	}
	page.Mailboxes = make([]MailboxEntry, len(found))
	for i, m := range found {
		page.Mailboxes[i] = MailboxEntry{Mailbox: m, Counts: counts[i]}
	}
	return page, nil
}

// countsOfMany reads the counts of every mailbox of boxes in one pipelined
// round trip.
func (s *Store) countsOfMany(ctx context.Context, boxes []Mailbox) ([]Counts, error) {
	out := make([]Counts, len(boxes))
	if len(boxes) == 0 {
		return out, nil
	}
	cmds := make([][len(AllFolders)]*redis.IntCmd, len(boxes))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range boxes {
			for j, f := range AllFolders {
				cmds[i][j] = p.ZCard(ctx, folderKey(m.ID, f))
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range boxes {
		out[i] = countsOf(cmds[i])
	}
	return out, nil
}
