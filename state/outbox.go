package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// The outbox: the notifications of new messages (an email with the audio,
// a short pager email) wait in a Redis stream per mailbox, queued by the
// deposit's own script (message_deposit.lua), so that a message stored is
// a message notified. Senders are the instances; each stream has one
// consumer group, "mail", in which each instance is a consumer named by its
// id:
//
//   - a sender takes the due mailboxes from one index (DueOutboxes), and
//     for each takes its notifications (TakeNotifications): new ones
//     (XREADGROUP), and those pending on any sender for claimIdle
//     (XAUTOCLAIM): a sender that died mid-send leaves its notification
//     to the next sender once it has been idle that long;
//   - it reports each as sent (NotificationSent: acknowledged and deleted,
//     with the message itself when the mailbox deletes after email) or
//     failed (NotificationFailed: retried after a backoff by whichever
//     sender comes first, or moved to the mailbox's dead letters once
//     permanent or too old);
//   - it tells the index when the mailbox is next due (ScheduleOutbox).
//
// Delivery is at least once: a sender that dies after the relay accepted
// a mail but before NotificationSent leaves it to be sent again.

// Targets of a notification: the mailbox's address that receives it.
const (
	// TargetEmail is the email with the recording.
	TargetEmail = "email"
	// TargetPager is the short pager notification.
	TargetPager = "pager"
)

// Kinds of the message a notification reports.
const (
	notifyNew     = "new"
	notifyForward = "forward"
)

// outboxGroup is the consumer group of every outbox stream.
const outboxGroup = "mail"

// maxTake bounds the notifications one TakeNotifications returns.
const maxTake = 100

// Notification is one notification of an outbox: which address of the
// mailbox it goes to, and the envelope of the message it reports, as it
// was when the message was deposited.
type Notification struct {
	// Mailbox is the mailbox notified.
	Mailbox MailboxID
	// ID is the notification's id within the mailbox's outbox (a stream
	// entry id, "1732634712042-0"). A dead letter keeps its own id.
	ID string
	// Target is TargetEmail or TargetPager.
	Target string
	// MessageID is the id of the message reported.
	MessageID string
	// MsgNum is the message's number in New when it was deposited, from 1
	// (app_voicemail's VM_MSGNUM).
	MsgNum int
	// Forwarded is set when the message is a copy forwarded from another
	// mailbox (Origin).
	Forwarded bool
	// Origin is the mailbox the message was first left in.
	Origin string
	// CallerNum, CallerName, Received, Duration, Recording, Intro and
	// Urgent are those of the message.
	CallerNum, CallerName string
	Received              time.Time
	Duration              time.Duration
	Recording, Intro      string
	Urgent                bool
	// Enqueued is when the notification was queued, on Redis' clock: the
	// give-up period counts from it.
	Enqueued time.Time
	// Attempts counts the failed attempts so far.
	Attempts int
	// NextAttempt is when a failed notification is next tried (zero when
	// it has not failed); LastError says why the last attempt failed.
	// ListNotifications fills them.
	NextAttempt time.Time
	LastError   string
}

// DeadLetter is a notification given up on.
type DeadLetter struct {
	Notification
	// Reason is the last error.
	Reason string
	// DeadAt is when it was given up on, on Redis' clock.
	DeadAt time.Time
}

// OutboxVisit is a mailbox whose outbox is due, as DueOutboxes returns it:
// hand it to ScheduleOutbox when done.
type OutboxVisit struct {
	// Mailbox is the mailbox.
	Mailbox MailboxID
	// hints is the mailbox's hint count when the visit began.
	hints string
}

// FailOutcome is what NotificationFailed did.
type FailOutcome int

const (
	// FailGone: the notification was no longer in the outbox (another
	// sender delivered it, or an operator dropped it).
	FailGone FailOutcome = iota
	// FailRetry: it will be tried again at the time returned.
	FailRetry
	// FailDead: it went to the dead letters.
	FailDead
)

// HintOutbox marks mb's outbox due now. Deposit does it after queueing a
// notification; RescanOutboxes does it for every outbox it finds.
func (s *Store) HintOutbox(ctx context.Context, mb MailboxID) error {
	if err := mb.Validate(); err != nil {
		return err
	}
	if err := mailHintScript.Run(ctx, s.rdb, []string{mailDueKey(), mailHintKey()}, mb.String()).Err(); err != nil {
		return fmt.Errorf("state: hint outbox of %s: %w", mb, err)
	}
	return nil
}

// DueOutboxes returns up to limit mailboxes whose outbox is due for a
// visit, on Redis' clock, and leases each for lease: no other sender is
// given it until lease has passed or ScheduleOutbox reschedules it. A
// lease that runs out (its sender died) makes the mailbox due again.
func (s *Store) DueOutboxes(ctx context.Context, lease time.Duration, limit int) ([]OutboxVisit, error) {
	if lease < time.Millisecond || limit < 1 {
		return nil, fmt.Errorf("state: due outboxes: %w: lease %v, limit %d", ErrInvalidConfig, lease, limit)
	}
	res, err := mailDueScript.Run(ctx, s.rdb, []string{mailDueKey(), mailHintKey()}, lease.Milliseconds(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("state: due outboxes: %w", err)
	}
	visits := make([]OutboxVisit, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		mb, err := ParseMailbox(res[i])
		if err != nil {
			s.log.Warn("outbox index names no mailbox: skipped", zap.String("member", clip(res[i])))
			continue
		}
		visits = append(visits, OutboxVisit{Mailbox: mb, hints: res[i+1]})
	}
	return visits, nil
}

// ScheduleOutbox ends a visit: the mailbox is next due when its outbox next
// needs a sender (at once for a notification never taken, when the first
// pending one can be claimed, never for an empty outbox), or at once when
// a notification was queued since the visit began.
func (s *Store) ScheduleOutbox(ctx context.Context, v OutboxVisit, claimIdle time.Duration) error {
	mb := v.Mailbox
	wait, err := mailNextScript.Run(ctx, s.rdb, []string{outboxKey(mb), outboxTriesKey(mb)}, claimIdle.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("state: schedule outbox of %s: %w", mb, err)
	}
	if err := mailScheduleScript.Run(ctx, s.rdb, []string{mailDueKey(), mailHintKey()}, mb.String(), v.hints, wait).Err(); err != nil {
		return fmt.Errorf("state: schedule outbox of %s: %w", mb, err)
	}
	return nil
}

// TakeNotifications takes, for consumer (the sending instance's id), up to
// count notifications of mb's outbox that are due: those another sender
// left pending for claimIdle or longer, whose retry time has come, then
// those never taken. Each is pending on consumer until NotificationSent
// or NotificationFailed, or until another sender claims it after
// claimIdle: a send must end well within claimIdle, or it may be made
// twice. It also returns Redis' clock.
func (s *Store) TakeNotifications(ctx context.Context, mb MailboxID, consumer string, claimIdle time.Duration, count int) ([]Notification, time.Time, error) {
	if err := mb.Validate(); err != nil {
		return nil, time.Time{}, err
	}
	if consumer == "" || claimIdle < time.Millisecond || count < 1 || count > maxTake {
		return nil, time.Time{}, fmt.Errorf("state: take notifications of %s: %w: consumer %q, claim idle %v, count %d",
			mb, ErrInvalidConfig, clip(consumer), claimIdle, count)
	}
	res, err := mailTakeScript.Run(ctx, s.rdb, []string{outboxKey(mb), outboxTriesKey(mb)},
		consumer, claimIdle.Milliseconds(), count).Slice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("state: take notifications of %s: %w", mb, err)
	}
	nowMs, _ := replyInt(res, 0)
	now := time.UnixMilli(nowMs)
	if len(res) < 2 {
		return nil, now, nil
	}
	entries, _ := res[1].([]any)
	out := make([]Notification, 0, len(entries))
	for _, e := range entries {
		parts, _ := e.([]any)
		if len(parts) != 3 {
			continue
		}
		id, _ := parts[0].(string)
		fields := pairs(parts[1])
		attempts, _ := parts[2].(int64)
		n, err := decodeNotification(mb, id, fields)
		if err != nil {
			s.log.Warn("corrupt notification: left pending", zap.Stringer("mailbox", mb), zap.String("id", clip(id)), zap.Error(err))
			continue
		}
		n.Attempts = int(attempts)
		out = append(out, n)
	}
	return out, now, nil
}

// SentResult is what NotificationSent did.
type SentResult struct {
	// Acked is false when another sender had acknowledged the
	// notification first (both sent it).
	Acked bool
	// Deleted is set when the message was deleted (delete after email);
	// MWI is then the mailbox's message-waiting state after it, and
	// Removed the recordings whose audio is now unreferenced: delete it.
	Deleted bool
	MWI     MWI
	Removed []string
}

// NotificationSent acknowledges n, which the relay accepted, and removes it
// from the outbox. With deleteMessage (the mailbox deletes after email),
// the message n reports is deleted from whatever folder holds it in the
// same script: never before the relay accepted the mail. Errors wrap
// ErrNotReplicated with the result as if it succeeded: the change was made
// on the master, and the audio of Removed must stay until it is known to
// have survived (a janitor's work).
func (s *Store) NotificationSent(ctx context.Context, n Notification, deleteMessage bool) (SentResult, error) {
	mb := n.Mailbox
	if err := mb.Validate(); err != nil {
		return SentResult{}, err
	}
	if err := ValidateMessageID(n.MessageID); err != nil {
		return SentResult{}, err
	}
	keys := []string{outboxKey(mb), outboxTriesKey(mb)}
	if deleteMessage {
		keys = append(append(keys, folderKeys(mb)...), versionKey(mb), messageKey(mb, n.MessageID))
	}
	cmd, notReplicated := s.runReplicated(ctx, mailSentScript, keys, n.ID, boolFlag(deleteMessage), n.MessageID)
	res, err := cmd.Slice()
	if err != nil {
		return SentResult{}, fmt.Errorf("state: notification %s of %s sent: %w", n.ID, mb, err)
	}
	acked, ok1 := replyInt(res, 0)
	deleted, ok2 := replyInt(res, 1)
	mwi, ok3 := replyMWI(res, 2)
	if !ok1 || !ok2 || !ok3 {
		return SentResult{}, fmt.Errorf("state: notification %s of %s sent: unexpected reply %v", n.ID, mb, res)
	}
	r := SentResult{Acked: acked == 1, Deleted: deleted == 1}
	if r.Deleted {
		r.MWI = mwi
		for i := 5; i < len(res); i++ {
			if rec, ok := res[i].(string); ok {
				r.Removed = append(r.Removed, rec)
			}
		}
		s.log.Info("message deleted after email", zap.Stringer("mailbox", mb), zap.String("message", n.MessageID),
			zap.Int64("version", mwi.Version))
	}
	return r, s.atRisk(notReplicated, "notification %s of %s sent", n.ID, mb)
}

// RetryPolicy says how NotificationFailed treats a failure.
type RetryPolicy struct {
	// Backoff is the wait before the next attempt.
	Backoff time.Duration
	// GiveUp is how long after it was queued a notification that still
	// fails goes to the dead letters.
	GiveUp time.Duration
	// ClaimIdle is the senders' claim idle time (TakeNotifications).
	ClaimIdle time.Duration
}

// NotificationFailed records a failed attempt at n by consumer. A permanent
// failure, or any once policy.GiveUp has passed since n was queued, moves
// n to the mailbox's dead letters with reason; otherwise n is retried
// after policy.Backoff, by whichever sender takes it first then. It
// returns what it did and, for FailRetry and FailDead, when (on Redis'
// clock).
func (s *Store) NotificationFailed(ctx context.Context, n Notification, consumer, reason string, permanent bool, policy RetryPolicy) (FailOutcome, time.Time, error) {
	mb := n.Mailbox
	if err := mb.Validate(); err != nil {
		return 0, time.Time{}, err
	}
	if len(reason) > maxReasonLen {
		reason = reason[:maxReasonLen]
	}
	res, err := mailFailedScript.Run(ctx, s.rdb, []string{outboxKey(mb), outboxTriesKey(mb), outboxDeadKey(mb)},
		n.ID, consumer, reason, boolFlag(permanent), policy.Backoff.Milliseconds(),
		policy.GiveUp.Milliseconds(), policy.ClaimIdle.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("state: notification %s of %s failed: %w", n.ID, mb, err)
	}
	if len(res) != 3 {
		return 0, time.Time{}, fmt.Errorf("state: notification %s of %s failed: unexpected reply %v", n.ID, mb, res)
	}
	return FailOutcome(res[0]), time.UnixMilli(res[2]), nil
}

// maxReasonLen bounds the error text kept with a notification.
const maxReasonLen = 500

// OutboxReport is what ListNotifications found.
type OutboxReport struct {
	// Pending are the notifications waiting in outboxes (never tried, or
	// to be retried), oldest first per mailbox.
	Pending []Notification
	// Dead are the dead letters.
	Dead []DeadLetter
}

// ListNotifications reads every outbox and every dead-letter stream (SCAN
// on every master of a Cluster), for voicemail mail list.
func (s *Store) ListNotifications(ctx context.Context) (OutboxReport, error) {
	var rep OutboxReport
	err := s.forEachOutbox(ctx, func(ctx context.Context, c redis.Cmdable, mb MailboxID, dead bool) error {
		key := outboxKey(mb)
		if dead {
			key = outboxDeadKey(mb)
		}
		entries, err := c.XRange(ctx, key, "-", "+").Result()
		if err != nil {
			return err
		}
		var tries map[string]string
		if !dead {
			if tries, err = c.HGetAll(ctx, outboxTriesKey(mb)).Result(); err != nil {
				return err
			}
		}
		for _, e := range entries {
			fields := make(map[string]string, len(e.Values))
			for k, v := range e.Values {
				fields[k], _ = v.(string)
			}
			n, err := decodeNotification(mb, e.ID, fields)
			if err != nil {
				s.log.Warn("corrupt notification: not listed", zap.Stringer("mailbox", mb), zap.String("id", e.ID), zap.Error(err))
				continue
			}
			if dead {
				n.Attempts, _ = strconv.Atoi(fields["attempts"])
				at, _ := strconv.ParseInt(fields["dead_at"], 10, 64)
				rep.Dead = append(rep.Dead, DeadLetter{Notification: n, Reason: fields["reason"], DeadAt: time.UnixMilli(at)})
				continue
			}
			n.Attempts, _ = strconv.Atoi(tries[e.ID+":n"])
			if next, _ := strconv.ParseInt(tries[e.ID+":next"], 10, 64); next > 0 {
				n.NextAttempt = time.UnixMilli(next)
			}
			n.LastError = tries[e.ID+":err"]
			rep.Pending = append(rep.Pending, n)
		}
		return nil
	})
	if err != nil {
		return OutboxReport{}, fmt.Errorf("state: list notifications: %w", err)
	}
	return rep, nil
}

// RescanOutboxes finds every outbox (SCAN on every master of a Cluster)
// and marks it due (HintOutbox): it repairs an index that missed a
// notification (Deposit's hint lost to a crash) and is cheap to run now and
// then. It returns the outboxes and the dead letters found.
func (s *Store) RescanOutboxes(ctx context.Context) (outboxes, dead int, err error) {
	err = s.forEachOutbox(ctx, func(ctx context.Context, c redis.Cmdable, mb MailboxID, isDead bool) error {
		if isDead {
			n, err := c.XLen(ctx, outboxDeadKey(mb)).Result()
			dead += int(n)
			return err
		}
		outboxes++
		return s.HintOutbox(ctx, mb)
	})
	if err != nil {
		return outboxes, dead, fmt.Errorf("state: rescan outboxes: %w", err)
	}
	return outboxes, dead, nil
}

// forEachOutbox calls fn for each outbox stream (dead false) and each
// dead-letter stream (dead true) in Redis, with the client of the node
// holding it. The masters of a Cluster are scanned at once, but fn is
// called one at a time: its callers add up what it finds.
func (s *Store) forEachOutbox(ctx context.Context, fn func(ctx context.Context, c redis.Cmdable, mb MailboxID, dead bool) error) error {
	var mu sync.Mutex
	scan := func(ctx context.Context, c *redis.Client) error {
		for _, pattern := range []string{keyPrefix + "{*}:outbox", keyPrefix + "{*}:outbox:dead"} {
			iter := c.ScanType(ctx, 0, pattern, scanCount, "stream").Iterator()
			for iter.Next(ctx) {
				key := iter.Val()
				mb, dead, ok := parseOutboxKey(key)
				if !ok {
					continue
				}
				mu.Lock()
				err := fn(ctx, c, mb, dead)
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			if err := iter.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, scan)
	case *redis.Client:
		return scan(ctx, c)
	}
	return fmt.Errorf("%w: cannot scan the keyspace with a %T", ErrInvalidConfig, s.rdb)
}

// parseOutboxKey returns the mailbox of an outbox or dead-letter key.
func parseOutboxKey(key string) (mb MailboxID, dead bool, ok bool) {
	k, isOurs := classifyMailboxKey(key)
	if !isOurs {
		return MailboxID{}, false, false
	}
	switch k.field {
	case "outbox":
		return k.id, false, true
	case "outbox:dead":
		return k.id, true, true
	}
	return MailboxID{}, false, false
}

// mailboxKey is a key of one mailbox, split.
type mailboxKey struct {
	id    MailboxID
	field string // what follows "}:"
}

// classifyMailboxKey splits a key vm:{NUMBER@CONTEXT}:FIELD.
func classifyMailboxKey(key string) (mailboxKey, bool) {
	if len(key) <= len(keyPrefix)+1 || key[:len(keyPrefix)+1] != keyPrefix+"{" {
		return mailboxKey{}, false
	}
	rest := key[len(keyPrefix)+1:]
	for i := 0; i+1 < len(rest); i++ {
		if rest[i] == '}' && rest[i+1] == ':' {
			tag := rest[:i]
			id, err := ParseMailbox(tag)
			if err != nil || id.String() != tag {
				return mailboxKey{}, false
			}
			return mailboxKey{id: id, field: rest[i+2:]}, true
		}
	}
	return mailboxKey{}, false
}

// RetryNotification is voicemail mail retry: a dead letter of mb goes back
// into the outbox as a fresh notification (its give-up period starts
// again); a notification waiting for its next attempt becomes due now.
// ok is false when mb has no notification id.
func (s *Store) RetryNotification(ctx context.Context, mb MailboxID, id string, claimIdle time.Duration) (ok bool, err error) {
	if err := mb.Validate(); err != nil {
		return false, err
	}
	if !validStreamID(id) {
		return false, fmt.Errorf("state: retry notification %q of %s: %w", clip(id), mb, ErrNotificationNotFound)
	}
	n, err := mailRequeueScript.Run(ctx, s.rdb, []string{outboxKey(mb), outboxTriesKey(mb), outboxDeadKey(mb)},
		id, claimIdle.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("state: retry notification %s of %s: %w", id, mb, err)
	}
	if n == 0 {
		return false, nil
	}
	return true, s.HintOutbox(ctx, mb)
}

// DropNotification is voicemail mail drop: a dead letter, or a
// notification still in the outbox, of mb is deleted for good. ok is
// false when mb has no notification id.
func (s *Store) DropNotification(ctx context.Context, mb MailboxID, id string) (ok bool, err error) {
	if err := mb.Validate(); err != nil {
		return false, err
	}
	if !validStreamID(id) {
		return false, fmt.Errorf("state: drop notification %q of %s: %w", clip(id), mb, ErrNotificationNotFound)
	}
	n, err := mailDropScript.Run(ctx, s.rdb, []string{outboxKey(mb), outboxTriesKey(mb), outboxDeadKey(mb)}, id).Int64()
	if err != nil {
		return false, fmt.Errorf("state: drop notification %s of %s: %w", id, mb, err)
	}
	return n != 0, nil
}

// validStreamID reports whether id is a stream entry id, MS-SEQ.
func validStreamID(id string) bool {
	ms, seq, ok := cutByte(id, '-')
	if !ok || len(id) > 41 {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}

func cutByte(s string, c byte) (before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// pairs turns a flat [field, value, ...] reply into a map.
func pairs(v any) map[string]string {
	flat, _ := v.([]any)
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		val, _ := flat[i+1].(string)
		m[k] = val
	}
	return m
}

// decodeNotification builds a Notification from its stream fields.
func decodeNotification(mb MailboxID, id string, f map[string]string) (Notification, error) {
	n := Notification{Mailbox: mb, ID: id, Target: f["target"], MessageID: f["msg"],
		CallerNum: f["caller_num"], CallerName: f["caller_name"], Recording: f["recording"],
		Intro: f["intro"], Urgent: f["urgent"] == "1", Forwarded: f["kind"] == notifyForward, Origin: f["origin"]}
	if n.Target != TargetEmail && n.Target != TargetPager {
		return Notification{}, fmt.Errorf("target %q", clip(n.Target))
	}
	if err := ValidateMessageID(n.MessageID); err != nil {
		return Notification{}, err
	}
	if n.Recording != "" && !validRecordingName(n.Recording) {
		return Notification{}, fmt.Errorf("recording %q", clip(n.Recording))
	}
	if n.Intro != "" && !validRecordingName(n.Intro) {
		return Notification{}, fmt.Errorf("intro %q", clip(n.Intro))
	}
	var errs []error
	num := func(field string) int64 {
		v, err := strconv.ParseInt(f[field], 10, 64)
		if err != nil || v < 0 {
			errs = append(errs, fmt.Errorf("%s %q", field, clip(f[field])))
		}
		return v
	}
	n.MsgNum = int(num("msgnum"))
	n.Received = time.UnixMilli(num("received"))
	n.Duration = time.Duration(num("duration")) * time.Millisecond
	n.Enqueued = time.UnixMilli(num("enqueued"))
	if err := errors.Join(errs...); err != nil {
		return Notification{}, err
	}
	return n, nil
}
