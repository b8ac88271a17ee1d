package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The janitor's keys share the cluster tag, so its scripts run on one slot:
//
//	vm:{cluster}:janitor:lock    STRING the sweeping instance's token, or
//	                                    "rest:" and it after a sweep;
//	                                    expires (see AcquireJanitor)
//	vm:{cluster}:janitor:orphans HASH   recording name → when a sweep first
//	                                    saw it as an orphan, unix ms on
//	                                    Redis' clock (TIME)
func janitorLockKey() string    { return clusterTag + "janitor:lock" }
func janitorOrphansKey() string { return clusterTag + "janitor:orphans" }

// NewJanitorToken returns a fresh token for AcquireJanitor: the holder's
// id and random hex digits, so that a restarted instance with the same id
// never mistakes an older lock for its own.
func NewJanitorToken(holder string) string {
	var r [8]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+).
	return clip(holder) + "/" + hex.EncodeToString(r[:])
}

// AcquireJanitor takes the janitor lock for token (see NewJanitorToken)
// for ttl, and reports false when another holder has it: sweeping, or
// resting after a sweep (see RestJanitor) unless evenResting is set (fsck
// --repair, which an operator runs on purpose). The lock is one key with
// an expiry (SET PX in a script), so it expires on Redis' clock and a
// holder that dies never blocks the others for longer than ttl. Only the
// holder sweeps orphan audio, so that two sweeps never race.
func (s *Store) AcquireJanitor(ctx context.Context, token string, ttl time.Duration, evenResting bool) (bool, error) {
	mode := "acquire"
	if evenResting {
		mode = "acquire-rest"
	}
	return s.janitorLock(ctx, "acquire janitor lock", mode, token, ttl)
}

// ExtendJanitor makes the janitor lock expire ttl from now if token still
// holds it; it reports false, changing nothing, when the lock expired or
// another holder took it (a sweeper paused past its ttl): that sweeper must
// stop deleting.
func (s *Store) ExtendJanitor(ctx context.Context, token string, ttl time.Duration) (bool, error) {
	return s.janitorLock(ctx, "extend janitor lock", "extend", token, ttl)
}

// RestJanitor keeps the janitor lock of token for ttl after a sweep,
// marked resting, so that no instance sweeps again before ttl has passed;
// fsck --repair may still take it. It reports false when token no longer
// holds the lock.
func (s *Store) RestJanitor(ctx context.Context, token string, ttl time.Duration) (bool, error) {
	return s.janitorLock(ctx, "rest janitor lock", "rest", token, ttl)
}

// ReleaseJanitor drops the janitor lock if token holds it (a sweep cut
// short, or fsck done), and reports whether it did.
func (s *Store) ReleaseJanitor(ctx context.Context, token string) (bool, error) {
	return s.janitorLock(ctx, "release janitor lock", "release", token, time.Millisecond)
}

// janitorLock runs janitor_lock.lua in mode.
func (s *Store) janitorLock(ctx context.Context, what, mode, token string, ttl time.Duration) (bool, error) {
	if token == "" || ttl < time.Millisecond {
		return false, fmt.Errorf("state: %s: %w: empty token or ttl %v", what, ErrInvalidConfig, ttl)
	}
	n, err := janitorLockScript.Run(ctx, s.rdb, []string{janitorLockKey()}, mode, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("state: %s: %w", what, err)
	}
	return n == 1, nil
}

// OrphanNote is what NoteOrphans reports.
type OrphanNote struct {
	// Now is the time on Redis' clock when the note was taken.
	Now time.Time
	// Added counts the orphans seen for the first time.
	Added int
	// Forgotten counts earlier candidates that are orphans no more.
	Forgotten int
	// Due are the orphans first seen at least a grace period ago, and an
	// orphan at every note since.
	Due []string
}

// NoteOrphans records the recordings a janitor sweep found with nothing
// pointing at them, and returns those that have been orphans for at least
// grace. Times come from Redis' clock (TIME, in the script), never from
// the hosts', so instances whose clocks differ agree on every age. Each
// orphan not yet known is recorded as first seen now; each candidate under
// prefix that is not in orphans (referenced again, or deleted) is
// forgotten, so a recording that was referenced at any sweep starts its
// grace period again. prefix keeps a sweep limited to part of the names
// (tests) from forgetting the others' candidates; "" covers all.
func (s *Store) NoteOrphans(ctx context.Context, orphans []string, grace time.Duration, prefix string) (OrphanNote, error) {
	if grace < 0 {
		return OrphanNote{}, fmt.Errorf("state: note orphans: %w: grace %v", ErrInvalidConfig, grace)
	}
	args := make([]any, 0, 2+len(orphans))
	args = append(args, grace.Milliseconds(), prefix)
	for _, o := range orphans {
		args = append(args, o)
	}
	res, err := janitorNoteScript.Run(ctx, s.rdb, []string{janitorOrphansKey()}, args...).Slice()
	if err != nil {
		return OrphanNote{}, fmt.Errorf("state: note orphans: %w", err)
	}
	now, ok1 := replyInt(res, 0)
	added, ok2 := replyInt(res, 1)
	forgotten, ok3 := replyInt(res, 2)
	if !ok1 || !ok2 || !ok3 {
		return OrphanNote{}, fmt.Errorf("state: note orphans: unexpected reply %v", res)
	}
	note := OrphanNote{Now: time.UnixMilli(now), Added: int(added), Forgotten: int(forgotten)}
	for i := 3; i < len(res); i++ {
		if name, ok := res[i].(string); ok {
			note.Due = append(note.Due, name)
		}
	}
	return note, nil
}

// ForgetOrphans drops recordings from the janitor's candidates: those it
// deleted, and those a last check found referenced after all.
func (s *Store) ForgetOrphans(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	if err := s.rdb.HDel(ctx, janitorOrphansKey(), names...).Err(); err != nil {
		return fmt.Errorf("state: forget orphans: %w", err)
	}
	return nil
}

// OrphanCandidates returns the janitor's candidates (recording name → when
// a sweep first saw it as an orphan) and the time now on Redis' clock, to
// tell their ages without writing anything (fsck without --repair).
// Entries that are not a time are left out.
func (s *Store) OrphanCandidates(ctx context.Context) (map[string]time.Time, time.Time, error) {
	var all *redis.MapStringStringCmd
	var now *redis.TimeCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, janitorOrphansKey())
		now = p.Time(ctx)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("state: orphan candidates: %w", err)
	}
	out := make(map[string]time.Time, len(all.Val()))
	for name, v := range all.Val() {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
			out[name] = time.UnixMilli(ms)
		}
	}
	return out, now.Val(), nil
}

// RedisTime returns the time now on Redis' clock (TIME), the clock that
// NoteOrphans and AcquireJanitor use.
func (s *Store) RedisTime(ctx context.Context) (time.Time, error) {
	t, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return time.Time{}, fmt.Errorf("state: time: %w", err)
	}
	return t, nil
}
