package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
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

// digitsOnly reports whether s is 1 to max ASCII digits.
func digitsOnly(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
// and ErrLocked while the mailbox, or the calling number, is locked out; a
// locked mailbox does not check the PIN at all, so even the right one is
// refused.
//
// Config.MaxFailures failures within Config.FailureWindow lock the mailbox
// out for Config.LockoutDuration, doubled for each lockout in a row up to
// Config.LockoutMax; Config.DailyMaxFailures failures within
// Config.DailyWindow lock it until that window ends, however they were
// spread. When ctx carries the calling number ([WithCaller]),
// Config.CallerMaxFailures failures from it within Config.DailyWindow, on
// any mailboxes, refuse its logins until that window ends. Each attempt is
// counted as a failure before the PIN is compared, so calls in parallel
// cannot try more PINs than the limits; a right PIN gives its attempt back
// and clears the window's count, but the lockouts in a row and the day's
// failures stay until they expire or [Store.Unlock] clears them. Every
// refusal is logged as a security event, at most a few a second
// (logLimiter). An unknown mailbox costs the same bcrypt compare as a known
// one, so the time taken does not tell which mailboxes exist.
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
	now := s.now().UnixMilli()
	day := s.cfg.DailyWindow.Milliseconds()
	caller := callerFrom(ctx)
	if caller != "" {
		res, err := authCallerScript.Run(ctx, s.rdb, []string{callerAuthKey(caller)},
			s.cfg.CallerMaxFailures, now, day).Slice()
		if err != nil {
			return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
		}
		if status, _ := replyInt(res, 0); status == authLocked {
			ms, _ := replyInt(res, 1)
			s.securityEvent("security: PIN not checked, the calling number has used up its failures", "caller_limit", id, caller,
				zap.Duration("remaining", time.Duration(ms)*time.Millisecond))
			return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrLocked)
		}
	}

	res, err := authBeginScript.Run(ctx, s.rdb, []string{boxKey(id), authFailKey(id), authLockKey(id), authDayKey(id)},
		s.cfg.MaxFailures, s.cfg.FailureWindow.Milliseconds(), s.cfg.DailyMaxFailures, now, day).Slice()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case authUnknown:
		if err := s.compare(ctx, s.dummyHash, candidate); isCanceled(err) {
			return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, err)
		}
		s.securityEvent("security: login to an unknown mailbox", "unknown_mailbox", id, caller)
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrMailboxNotFound)
	case authLocked:
		// Not checked, so no guess: the calling number gets its attempt
		// back (an owner calling a mailbox someone else locked is not
		// locked out of every other mailbox too).
		s.refundCaller(ctx, caller)
		ms, _ := replyInt(res, 1)
		remaining := zap.Duration("remaining", time.Duration(ms)*time.Millisecond)
		switch why, _ := replyInt(res, 2); why {
		case 1:
			s.securityEvent("security: PIN not checked, the failure limit is reached by attempts still being checked",
				"attempts_in_flight", id, caller)
		case 2:
			s.securityEvent("security: PIN not checked, the mailbox has used up its failures for the day",
				"daily_limit", id, caller, remaining)
		default:
			s.securityEvent("security: PIN not checked, mailbox locked out", "login_while_locked", id, caller, remaining)
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
		s.securityEvent("security: wrong PIN", "wrong_pin", id, caller)
		s.failed(ctx, id)
		return Mailbox{}, fmt.Errorf("state: authenticate %s: %w", id, ErrWrongPIN)
	}
	summary := s.loginReset(ctx, id, caller)
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
		Options:           summaryOptions(summary),
		Notify:            NotifySettings{Timezone: summaryTimezone(summary)},
		Summary:           summary,
	}, nil
}

// loginReset clears the window's failure count of a right PIN, gives back
// the attempt counted in advance in the mailbox's day and the caller's
// (when caller is not ""), and reads what the login announces, in one
// pipeline, with the message ids of the folders a login opens first
// (LoginSummary.Listed): the round trips of a login step stay within
// budget (issue 6: at most 3 per menu step), and the first folder's
// listing needs one more, not two. The lockouts in a row and the rest of the day's
// failures stay: an owner's login must not wipe out a guesser's record. A
// failed reset is logged (the stale count only expires later); a failed
// read gives nil.
func (s *Store) loginReset(ctx context.Context, id MailboxID, caller string) *LoginSummary {
	var (
		del       *redis.IntCmd
		zcards    [len(AllFolders)]*redis.IntCmd
		greetings *redis.MapStringStringCmd
		opts      *redis.SliceCmd
		listed    [len(loginFolders)]*redis.StringSliceCmd
	)
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		del = p.Del(ctx, authFailKey(id))
		// Eval, not EvalSha: a pipeline cannot fall back on NOSCRIPT.
		authRefundScript.Eval(ctx, p, []string{authDayKey(id)})
		if caller != "" {
			authRefundScript.Eval(ctx, p, []string{callerAuthKey(caller)})
		}
		for i, f := range AllFolders {
			zcards[i] = p.ZCard(ctx, folderKey(id, f))
		}
		greetings = p.HGetAll(ctx, greetingsKey(id))
		opts = p.HMGet(ctx, boxKey(id), append(optionNames(), fieldTimezone)...)
		for i, f := range loginFolders {
			listed[i] = p.ZRange(ctx, folderKey(id, f), 0, loginListMax-1)
		}
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
	sum := &LoginSummary{Counts: countsOf(zcards), Greetings: s.decodeGreetings(id, fields)}
	if vals, err := opts.Result(); err == nil {
		box := make(map[string]string, len(vals))
		for i, name := range append(optionNames(), fieldTimezone) {
			if v, ok := vals[i].(string); ok {
				box[name] = v
			}
		}
		sum.Options, sum.Timezone = decodeOptions(box), box[fieldTimezone]
	}
	for i, f := range loginFolders {
		// Listed only when whole and as counted: a folder longer than
		// loginListMax, or changed between the pipeline's count and its
		// listing (another client's command in between), is read afresh
		// when opened.
		if ids, err := listed[i].Result(); err == nil && int64(len(ids)) == zcards[f].Val() {
			if sum.Listed == nil {
				sum.Listed = make(map[Folder][]string, len(loginFolders))
			}
			sum.Listed[f] = ids
		}
	}
	return sum
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
	err := s.pins.compare(hash, pin)
	if errors.Is(err, errNoPepper) {
		s.log.Error("security: a PIN hash is peppered but voicemail.pin_pepper_file is not set: no PIN of it can be checked",
			zap.String("security_event", "pepper_missing"))
	}
	return err
}

// rehash replaces hash, which pin was just found to match, with one at the
// configured cost and pepper when it was made otherwise: so that changing
// voicemail.pin_hash_cost, or setting a pepper, reaches every mailbox at
// its owner's next login. A failure is logged; the old hash still works.
func (s *Store) rehash(ctx context.Context, id MailboxID, hash, pin []byte) {
	if !s.pins.stale(hash) {
		return
	}
	select {
	case s.pinChecks <- struct{}{}:
	case <-ctx.Done():
		return
	}
	fresh, err := s.pins.hash(pin)
	<-s.pinChecks
	if err == nil {
		err = pinRehashScript.Run(ctx, s.rdb, []string{boxKey(id)}, hash, fresh).Err()
	}
	if err != nil {
		s.log.Warn("could not store the PIN hash at the configured cost and pepper", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	s.log.Info("PIN hash redone at the configured cost and pepper", zap.Stringer("mailbox", id),
		zap.Int("cost", s.cfg.PINHashCost), zap.Bool("peppered", s.cfg.PINPepper != ""))
}

// refundCaller gives back the attempt counted for caller (if not "") by
// auth_caller.lua. A failure is logged: the count only stays one too high
// until the window ends.
func (s *Store) refundCaller(ctx context.Context, caller string) {
	if caller == "" {
		return
	}
	if err := authRefundScript.Run(ctx, s.rdb, []string{callerAuthKey(caller)}).Err(); err != nil {
		s.log.Warn("could not give back a calling number's login attempt", zap.String("caller", clip(caller)), zap.Error(err))
	}
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// failed records a wrong PIN's verdict: the failure that reaches the limit
// locks the mailbox out. An error here only delays the lockout (the counter
// still refuses further attempts in this window), so it is logged, not
// returned: the caller already hears "login incorrect".
//
// A lockout is a write whose loss matters (runReplicated): one that fewer
// replicas confirmed in time is logged too.
func (s *Store) failed(ctx context.Context, id MailboxID) {
	cmd, notReplicated := s.runReplicated(ctx, authFailScript, []string{authFailKey(id), authLockKey(id), authStrikesKey(id)},
		s.cfg.MaxFailures, s.cfg.LockoutDuration.Milliseconds(), s.cfg.LockoutMax.Milliseconds())
	res, err := cmd.Slice()
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
	_ = s.atRisk(notReplicated, "lock %s out", id)
}

// Lockout is the PIN-guessing state of one mailbox.
type Lockout struct {
	// Remaining is how long the current lockout still lasts; 0 if none.
	Remaining time.Duration
	// Failures counts the wrong PINs in the current window.
	Failures int
	// Strikes counts the lockouts in a row, the current one included.
	Strikes int
	// DailyFailures counts the wrong PINs of the current DailyWindow.
	DailyFailures int
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
	day := pipe.HMGet(ctx, authDayKey(id), "start", "n")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Lockout{}, fmt.Errorf("state: lockout of %s: %w", id, err)
	}
	var l Lockout
	if d := ttl.Val(); d > 0 {
		l.Remaining = d
	}
	l.Failures, _ = strconv.Atoi(fails.Val())
	l.Strikes, _ = strconv.Atoi(strikes.Val())
	if v := day.Val(); len(v) == 2 {
		start, _ := v[0].(string)
		n, _ := v[1].(string)
		from, _ := strconv.ParseInt(start, 10, 64)
		if s.now().UnixMilli()-from < s.cfg.DailyWindow.Milliseconds() {
			l.DailyFailures, _ = strconv.Atoi(n)
		}
		if l.DailyFailures >= s.cfg.DailyMaxFailures && l.Remaining == 0 {
			l.Remaining = time.Duration(from+s.cfg.DailyWindow.Milliseconds()-s.now().UnixMilli()) * time.Millisecond
		}
	}
	return l, nil
}

// Unlock clears a mailbox's lockout, its failure counts (the window's and
// the day's) and its lockouts in a row: the administrator's answer to an owner locked out by someone
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
	if err := s.rdb.Del(ctx, authLockKey(id), authFailKey(id), authStrikesKey(id), authDayKey(id)).Err(); err != nil {
		return false, fmt.Errorf("state: unlock %s: %w", id, err)
	}
	s.log.Warn("security: mailbox unlocked by an administrator", zap.String("security_event", "unlock"),
		zap.Stringer("mailbox", id), zap.Duration("remaining", before.Remaining), zap.Int("failures", before.Failures),
		zap.Int("lockouts_in_a_row", before.Strikes), zap.Int("failures_today", before.DailyFailures))
	return before.Remaining > 0, nil
}

// SetPIN is the owner's change of PIN by phone. It takes effect at once for
// every instance, and Provision never overwrites it. PINIsDefault becomes
// whether pin is Config.DefaultPIN. Errors wrap ErrInvalidPIN,
// ErrMailboxNotFound, or ErrNotReplicated (the PIN was changed on the
// master).
func (s *Store) SetPIN(ctx context.Context, id MailboxID, pin string) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if err := validatePIN(pin); err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	hash, err := s.hashPIN(ctx, pin)
	if err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	cmd, notReplicated := s.runReplicated(ctx, pinSetScript, []string{boxKey(id)}, hash, boolFlag(pin == s.cfg.DefaultPIN))
	n, err := cmd.Int64()
	if err != nil {
		return fmt.Errorf("state: set PIN of %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("state: set PIN of %s: %w", id, ErrMailboxNotFound)
	}
	s.log.Info("PIN changed by owner", zap.Stringer("mailbox", id))
	return s.atRisk(notReplicated, "set PIN of %s", id)
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

func summaryOptions(s *LoginSummary) Options {
	if s == nil {
		return Options{}
	}
	return s.Options
}

func summaryTimezone(s *LoginSummary) string {
	if s == nil {
		return ""
	}
	return s.Timezone
}
