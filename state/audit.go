package state

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// AuditEntry is one administrator's action, as the admin API and CLI
// record it in the audit stream (vm:{audit}:log).
type AuditEntry struct {
	// ID is the entry's stream id, set by Redis ("1732634712042-0"); it
	// orders the entries and pages through them (AuditLog).
	ID string
	// Time is when the entry was recorded, on Redis' clock, to the
	// millisecond (taken from ID).
	Time time.Time
	// Actor is who acted: an API token's name, or "cli:" and the user
	// running the CLI.
	Actor string
	// Source is "api" or "cli".
	Source string
	// Action names what was asked, such as "mailbox.create".
	Action string
	// Target is what it was asked of: a mailbox id, or a mailbox id, "/"
	// and a message id.
	Target string
	// Result is "ok", or the stable error code of the failure.
	Result string
	// Detail says more, for people (never a PIN).
	Detail string
	// Remote is the client's address for the API, "" for the CLI.
	Remote string
}

// Bounds of the audit stream.
const (
	// maxAuditField bounds each text field of an entry.
	maxAuditField = 512
	// DefaultAuditPage is the page size of an AuditLog without a limit.
	DefaultAuditPage = 100
)

// auditFields are the stream fields of an entry, in order.
var auditFields = [...]string{"actor", "source", "action", "target", "result", "detail", "remote"}

// AppendAudit records e in the audit stream, which keeps about the last
// Config.AuditMax entries (XADD MAXLEN ~), and returns the entry's id.
// Text fields are cleaned like caller ID (control characters dropped) and
// cut to 512 bytes; e.ID and e.Time are set by Redis.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (string, error) {
	vals := [...]string{e.Actor, e.Source, e.Action, e.Target, e.Result, e.Detail, e.Remote}
	fields := make([]any, 0, 2*len(vals))
	for i, v := range vals {
		fields = append(fields, auditFields[i], cleanText(v, maxAuditField))
	}
	id, err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: auditKey, MaxLen: int64(s.cfg.AuditMax), Approx: true, Values: fields,
	}).Result()
	if err != nil {
		return "", fmt.Errorf("state: audit %s of %s: %w", clip(e.Action), clip(e.Target), err)
	}
	return id, nil
}

// streamID matches a stream entry id.
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// AuditLog returns up to limit entries of the audit stream, newest first,
// older than the entry before ("" for the newest), and the before of the
// next page ("" when there is none). limit 0 means DefaultAuditPage; at
// most MaxListLimit. Errors wrap ErrInvalidQuery (nothing read).
func (s *Store) AuditLog(ctx context.Context, before string, limit int) ([]AuditEntry, string, error) {
	if limit == 0 {
		limit = DefaultAuditPage
	}
	if limit < 1 || limit > MaxListLimit {
		return nil, "", fmt.Errorf("state: audit log: %w: limit %d not in 1..%d", ErrInvalidQuery, limit, MaxListLimit)
	}
	end := "+"
	if before != "" {
		if !streamID.MatchString(before) {
			return nil, "", fmt.Errorf("state: audit log: %w: before %q: want a stream id such as 1732634712042-0", ErrInvalidQuery, clip(before))
		}
		end = "(" + before
	}
	msgs, err := s.rdb.XRevRangeN(ctx, auditKey, end, "-", int64(limit)+1).Result()
	if err != nil {
		return nil, "", fmt.Errorf("state: audit log: %w", err)
	}
	next := ""
	if len(msgs) > limit {
		msgs = msgs[:limit]
		next = msgs[limit-1].ID
	}
	out := make([]AuditEntry, len(msgs))
	for i, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		e := AuditEntry{ID: m.ID, Actor: str("actor"), Source: str("source"), Action: str("action"),
			Target: str("target"), Result: str("result"), Detail: str("detail"), Remote: str("remote")}
		if ms, _, ok := strings.Cut(m.ID, "-"); ok {
			if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
				e.Time = time.UnixMilli(n)
			}
		}
		out[i] = e
	}
	return out, next, nil
}
