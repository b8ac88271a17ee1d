package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
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
// and ErrLocked while the mailbox is locked out; a locked mailbox does not
// check the PIN at all, so even the right one is refused.
//
// Config.MaxFailures failures within Config.FailureWindow lock the mailbox
// out for Config.LockoutDuration, doubled for each lockout in a row up to
// Config.LockoutMax; the lockout is logged as a security event and
// [Store.Unlock] clears it. Each attempt is counted as a failure before the
// PIN is compared, so calls in parallel cannot try more PINs than the limit;
// a right PIN clears the count and the lockouts in a row. An unknown mailbox
// costs the same bcrypt compare as a known one, so the time taken does not
// tell which mailboxes exist.
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

	res, err := authBeginScript.Run(ctx, s.rdb, []string{boxKey(id), authFailKey(id), authLockKey(id)},
		s.cfg.MaxFailures, s.cfg.FailureWindow.Milliseconds()).Slice()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case authUnknown:
		if err := s.compare(ctx, s.dummyHash, candidate); isCanceled(err) {
			return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
		}
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrMailboxNotFound)
	case authLocked:
		ttl, _ := replyInt(res, 1)
		if pending, _ := replyInt(res, 2); pending == 1 {
			s.log.Warn("security: PIN not checked, the failure limit is reached by attempts still being checked",
				zap.String("security_event", "attempts_in_flight"), zap.Stringer("mailbox", id))
		} else {
			s.log.Warn("security: PIN not checked, mailbox locked out", zap.String("security_event", "login_while_locked"),
				zap.Stringer("mailbox", id), zap.Duration("remaining", time.Duration(ttl)*time.Millisecond))
		}
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrLocked)
	case authProceed:
	default:
		return Mailbox{}, fmt.Errorf("state: authenticate %s: unexpected reply %v", id, res)
	}
	hash, _ := replyString(res, 1)
	err = s.compare(ctx, []byte(hash), candidate)
	if isCanceled(err) {
		// Not checked: the attempt stays counted, as a failure would.
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
	}
	if err != nil || candidate == nil {
		s.log.Info("wrong PIN", zap.Stringer("mailbox", id))
		s.failed(ctx, id)
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrWrongPIN)
	}
	summary := s.loginReset(ctx, id)
	s.rehash(ctx, id, []byte(hash), candidate)
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
		Summary:           summary,
	}, nil
}

// loginReset clears the failure count of a right PIN and reads what the
// login announces, in one pipeline: the round trips of a login step stay
// within budget (issue 6: at most 3 per menu step). A failed reset is
// logged (the stale count only expires later); a failed read gives nil.
func (s *Store) loginReset(ctx context.Context, id MailboxID) *LoginSummary {
	var (
		del       *redis.IntCmd
		zcards    [len(AllFolders)]*redis.IntCmd
		greetings *redis.MapStringStringCmd
	)
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		del = p.Del(ctx, authFailKey(id), authStrikesKey(id))
		for i, f := range AllFolders {
			zcards[i] = p.ZCard(ctx, folderKey(id, f))
		}
		greetings = p.HGetAll(ctx, greetingsKey(id))
		return nil
	})
	if err := del.Err(); err != nil {
		s.log.Warn("could not reset PIN failure count", zap.Stringer("mailbox", id), zap.Error(err))
	}
	for _, c := range zcards {
		if c.Err() != nil {
			return nil
		}
	}
	fields, err := greetings.Result()
	if err != nil {
		return nil
	}
	return &LoginSummary{Counts: countsOf(zcards), Greetings: s.decodeGreetings(id, fields)}
}

// compare checks pin against a bcrypt hash, with at most half the CPUs
// doing so at once: a flood of scripted logins (each compare costs tens of
// milliseconds of CPU) then slows only the logins, while every other
// caller's prompts keep their CPU. It returns the context's error if ctx
// ends while waiting for a turn.
func (s *Store) compare(ctx context.Context, hash, pin []byte) error {
	select {
	case s.pinChecks <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.pinChecks }()
	return bcrypt.CompareHashAndPassword(hash, pin)
}

// rehash replaces hash, which pin was just found to match, with one at the
// configured cost when it was made at another: so that lowering or raising
// voicemail.pin_hash_cost reaches every mailbox at its owner's next login.
// A failure is logged; the old hash still works.
func (s *Store) rehash(ctx context.Context, id MailboxID, hash, pin []byte) {
	cost, err := bcrypt.Cost(hash)
	if err != nil || cost == s.cfg.PINHashCost {
		return
	}
	select {
	case s.pinChecks <- struct{}{}:
	case <-ctx.Done():
		return
	}
	fresh, err := bcrypt.GenerateFromPassword(pin, s.cfg.PINHashCost)
	<-s.pinChecks
	if err == nil {
		err = pinRehashScript.Run(ctx, s.rdb, []string{boxKey(id)}, hash, fresh).Err()
	}
	if err != nil {
		s.log.Warn("could not store the PIN hash at the configured cost", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	s.log.Info("PIN hash moved to the configured cost", zap.Stringer("mailbox", id), zap.Int("from", cost), zap.Int("to", s.cfg.PINHashCost))
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// failed records a wrong PIN's verdict: the failure that reaches the limit
// locks the mailbox out. An error here only delays the lockout (the counter
// still refuses further attempts in this window), so it is logged, not
// returned: the caller already hears "login incorrect".
func (s *Store) failed(ctx context.Context, id MailboxID) {
	res, err := authFailScript.Run(ctx, s.rdb, []string{authFailKey(id), authLockKey(id), authStrikesKey(id)},
		s.cfg.MaxFailures, s.cfg.LockoutDuration.Milliseconds(), s.cfg.LockoutMax.Milliseconds()).Slice()
	if err != nil {
		s.log.Error("could not record a failed PIN entry", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	if locked, _ := replyInt(res, 0); locked != 1 {
		return
	}
	ms, _ := replyInt(res, 1)
	strikes, _ := replyInt(res, 2)
	s.log.Warn("security: mailbox locked out after repeated wrong PINs", zap.String("security_event", "lockout"),
		zap.Stringer("mailbox", id), zap.Int("failures", s.cfg.MaxFailures),
		zap.Duration("lockout", time.Duration(ms)*time.Millisecond), zap.Int64("lockouts_in_a_row", strikes))
}

// Lockout is the PIN-guessing state of one mailbox.
type Lockout struct {
	// Remaining is how long the current lockout still lasts; 0 if none.
	Remaining time.Duration
	// Failures counts the wrong PINs in the current window.
	Failures int
	// Strikes counts the lockouts in a row, the current one included.
	Strikes int
}

// Lockout reports whether the mailbox is locked out, and its failure counts.
func (s *Store) Lockout(ctx context.Context, id MailboxID) (Lockout, error) {
	if err := id.Validate(); err != nil {
		return Lockout{}, err
	}
	pipe := s.rdb.Pipeline()
	ttl := pipe.PTTL(ctx, authLockKey(id))
	fails := pipe.Get(ctx, authFailKey(id))
	strikes := pipe.Get(ctx, authStrikesKey(id))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Lockout{}, fmt.Errorf("state: lockout of %s: %w", id, err)
	}
	var l Lockout
	if d := ttl.Val(); d > 0 {
		l.Remaining = d
	}
	l.Failures, _ = strconv.Atoi(fails.Val())
	l.Strikes, _ = strconv.Atoi(strikes.Val())
	return l, nil
}

// Unlock clears a mailbox's lockout, its failure count and its lockouts in
// a row: the administrator's answer to an owner locked out by someone
// else's guesses. It is logged as a security event. It reports whether the
// mailbox was locked out.
func (s *Store) Unlock(ctx context.Context, id MailboxID) (bool, error) {
	if err := id.Validate(); err != nil {
		return false, err
	}
	before, err := s.Lockout(ctx, id)
	if err != nil {
		return false, err
	}
	if err := s.rdb.Del(ctx, authLockKey(id), authFailKey(id), authStrikesKey(id)).Err(); err != nil {
		return false, fmt.Errorf("state: unlock %s: %w", id, err)
	}
	s.log.Warn("security: mailbox unlocked by an administrator", zap.String("security_event", "unlock"),
		zap.Stringer("mailbox", id), zap.Duration("remaining", before.Remaining), zap.Int("failures", before.Failures),
		zap.Int("lockouts_in_a_row", before.Strikes))
	return before.Remaining > 0, nil
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
