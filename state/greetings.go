package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Greetings returns the active greetings of a mailbox: kind → ARI stored
// recording name. A kind that is absent has no greeting recorded, and the
// caller plays the default (for the name: "the person at extension N").
// Entries that are not a known kind with a well-formed name are left out
// with a warning.
func (s *Store) Greetings(ctx context.Context, id MailboxID) (map[GreetingKind]string, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	fields, err := s.rdb.HGetAll(ctx, greetingsKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("state: greetings of %s: %w", id, err)
	}
	return s.decodeGreetings(id, fields), nil
}

// decodeGreetings reads the greetings hash of id, skipping corrupt entries.
func (s *Store) decodeGreetings(id MailboxID, fields map[string]string) map[GreetingKind]string {
	out := make(map[GreetingKind]string, len(fields))
	for k, rec := range fields {
		kind := GreetingKind(k)
		if kind.Validate() != nil || !validRecordingName(rec) {
			s.log.Warn("corrupt greeting entry: skipped", zap.Stringer("mailbox", id),
				zap.String("kind", clip(k)), zap.String("recording", clip(rec)))
			continue
		}
		out[kind] = rec
	}
	return out
}

// SetGreeting makes recording the active greeting of its kind and returns
// the recording it replaced, "" if none, for the caller to delete once the
// new one is in place. Setting the recording that is already active
// returns "", so that its audio is not deleted. Errors wrap
// ErrInvalidGreeting for an unknown kind or a malformed recording name, or
// ErrNotReplicated (with previous as if it succeeded: do not delete it).
func (s *Store) SetGreeting(ctx context.Context, id MailboxID, kind GreetingKind, recording string) (previous string, err error) {
	if err := id.Validate(); err != nil {
		return "", err
	}
	if err := kind.Validate(); err != nil {
		return "", fmt.Errorf("state: set greeting of %s: %w", id, err)
	}
	if !validRecordingName(recording) {
		return "", fmt.Errorf("state: set %s greeting of %s: %w: recording name %q", kind, id, ErrInvalidGreeting, clip(recording))
	}
	prev, notReplicated, err := s.swapGreeting(ctx, id, kind, recording)
	if err != nil {
		return "", fmt.Errorf("state: set %s greeting of %s: %w", kind, id, err)
	}
	if prev == recording {
		prev = ""
	} else {
		s.log.Info("greeting set", zap.Stringer("mailbox", id), zap.String("kind", string(kind)))
	}
	return prev, s.atRisk(notReplicated, "set %s greeting of %s", kind, id)
}

// ClearGreeting removes the greeting of a kind, so the default plays
// again, and returns the recording it removed, "" if none, for the caller
// to delete. Errors wrap ErrInvalidGreeting for an unknown kind, or
// ErrNotReplicated (with previous as if it succeeded: do not delete it).
func (s *Store) ClearGreeting(ctx context.Context, id MailboxID, kind GreetingKind) (previous string, err error) {
	if err := id.Validate(); err != nil {
		return "", err
	}
	if err := kind.Validate(); err != nil {
		return "", fmt.Errorf("state: clear greeting of %s: %w", id, err)
	}
	prev, notReplicated, err := s.swapGreeting(ctx, id, kind, "")
	if err != nil {
		return "", fmt.Errorf("state: clear %s greeting of %s: %w", kind, id, err)
	}
	if prev != "" {
		s.log.Info("greeting cleared", zap.Stringer("mailbox", id), zap.String("kind", string(kind)))
	}
	return prev, s.atRisk(notReplicated, "clear %s greeting of %s", kind, id)
}

// swapGreeting sets (or, for "", clears) one greeting and returns the one
// it replaced. A stored name that is not well formed is not returned, so
// the caller never deletes audio by a name it did not validate.
// notReplicated is runReplicated's verdict.
func (s *Store) swapGreeting(ctx context.Context, id MailboxID, kind GreetingKind, recording string) (prev string, notReplicated, err error) {
	cmd, notReplicated := s.runReplicated(ctx, greetingSwapScript, []string{greetingsKey(id)}, string(kind), recording)
	prev, err = cmd.Text()
	if errors.Is(err, redis.Nil) {
		return "", notReplicated, nil
	}
	if err != nil {
		return "", nil, err
	}
	if !validRecordingName(prev) {
		s.log.Warn("corrupt greeting entry replaced", zap.Stringer("mailbox", id),
			zap.String("kind", string(kind)), zap.String("recording", clip(prev)))
		return "", notReplicated, nil
	}
	return prev, notReplicated, nil
}
