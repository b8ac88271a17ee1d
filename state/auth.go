package state

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

// maxPINLen is the longest PIN accepted; bcrypt itself reads at most 72
// bytes.
const maxPINLen = 20

// validatePIN reports whether pin is 1 to 20 ASCII digits; the error wraps
// ErrInvalidPIN and does not quote the PIN.
func validatePIN(pin string) error {
	if !digitsOnly(pin, maxPINLen) {
		return fmt.Errorf("%w: must be 1 to %d digits", ErrInvalidPIN, maxPINLen)
	}
	return nil
}

// Replies of auth_begin.lua.
const (
	authUnknown = 0
	authProceed = 1
	authLocked  = 2
)

// Authenticate checks a PIN entered for a mailbox and returns the mailbox
// when it matches. Errors wrap ErrMailboxNotFound for an unknown mailbox,
// ErrWrongPIN for a wrong PIN (anything but 1 to 20 digits is wrong too),
// and ErrLocked while the mailbox has had Config.MaxFailures failures within
// Config.FailureWindow; a locked mailbox does not check the PIN at all.
//
// Each attempt is counted as a failure before the PIN is compared, so calls
// in parallel cannot try more PINs than the limit; a right PIN clears the
// count. An unknown mailbox costs the same bcrypt compare as a known one, so
// the time taken does not tell which mailboxes exist.
func (s *Store) Authenticate(ctx context.Context, id MailboxID, pin string) (Mailbox, error) {
	if err := id.Validate(); err != nil {
		return Mailbox{}, err
	}
	// A PIN of the wrong shape is compared as "", which matches no hash of
	// a valid PIN, so that it takes the usual time and counts as a failure.
	candidate := []byte(pin)
	if validatePIN(pin) != nil {
		candidate = nil
	}

	res, err := authBeginScript.Run(ctx, s.rdb, []string{boxKey(id), authFailKey(id)},
		s.cfg.MaxFailures, s.cfg.FailureWindow.Milliseconds()).Slice()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case authUnknown:
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, candidate)
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrMailboxNotFound)
	case authLocked:
		ttl, _ := replyInt(res, 1)
		s.log.Warn("mailbox locked: PIN not checked",
			zap.Stringer("mailbox", id), zap.Duration("remaining", time.Duration(ttl)*time.Millisecond))
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrLocked)
	case authProceed:
	default:
		return Mailbox{}, fmt.Errorf("state: authenticate %s: unexpected reply %v", id, res)
	}
	hash, _ := replyString(res, 1)
	if bcrypt.CompareHashAndPassword([]byte(hash), candidate) != nil || candidate == nil {
		s.log.Info("wrong PIN", zap.Stringer("mailbox", id))
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrWrongPIN)
	}
	if err := s.rdb.Del(ctx, authFailKey(id)).Err(); err != nil {
		// The PIN was right; the stale count only expires later.
		s.log.Warn("could not reset PIN failure count", zap.Stringer("mailbox", id), zap.Error(err))
	}
	name, _ := replyString(res, 2)
	email, _ := replyString(res, 3)
	language, _ := replyString(res, 4)
	isDefault, _ := replyString(res, 5)
	source, _ := replyString(res, 6)
	return Mailbox{
		ID:                id,
		Name:              name,
		Email:             email,
		Language:          language,
		PINIsDefault:      isDefault == "1",
		PINChangedByOwner: source == pinSourceOwner,
	}, nil
}

// SetPIN is the owner's change of PIN by phone. It takes effect at once for
// every instance, and Provision never overwrites it. PINIsDefault becomes
// whether pin is Config.DefaultPIN. Errors wrap ErrInvalidPIN or
// ErrMailboxNotFound.
func (s *Store) SetPIN(ctx context.Context, id MailboxID, pin string) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if err := validatePIN(pin); err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pin), s.cfg.PINHashCost)
	if err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	n, err := pinSetScript.Run(ctx, s.rdb, []string{boxKey(id)}, hash, boolFlag(pin == s.cfg.DefaultPIN)).Int64()
	if err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("state: set PIN of %s: %w", id, ErrMailboxNotFound)
	}
	s.log.Info("PIN changed by owner", zap.Stringer("mailbox", id))
	return nil
}

// replyInt returns element i of a script's array reply as an integer.
func replyInt(res []any, i int) (int64, bool) {
	if i >= len(res) {
		return 0, false
	}
	n, ok := res[i].(int64)
	return n, ok
}

// replyString returns element i of a script's array reply as a string; a
// nil element (a missing field) is "".
func replyString(res []any, i int) (string, bool) {
	if i >= len(res) {
		return "", false
	}
	s, ok := res[i].(string)
	return s, ok
}
