package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newLimitStore(t *testing.T, cfg Config) (*Store, *fakeClock, func() (*Store, *observer.ObservedLogs)) {
	t.Helper()
	_, rdb := newTestStore(t, Config{})
	clock := &fakeClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	s := newStoreOn(t, cfg, rdb, WithClock(clock.now))
	observed := func() (*Store, *observer.ObservedLogs) {
		core, logs := observer.New(zap.InfoLevel)
		return newStoreOn(t, cfg, rdb, WithClock(clock.now), WithLogger(zap.New(core))), logs
	}
	return s, clock, observed
}

// TestAuthenticateDailyCap is the review's M5: a guesser who stays one
// short of MaxFailures in each window, and waits each window out, meets
// the day's cap, which even the owner's login in between does not lift;
// the next day, or an administrator, lifts it.
func TestAuthenticateDailyCap(t *testing.T) {
	s, clock, _ := newLimitStore(t, Config{MaxFailures: 10, DailyMaxFailures: 27})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	_, rdb := s, s.rdb
	for window := range 3 {
		for i := range 9 {
			if _, err := s.Authenticate(ctx, id, fmt.Sprintf("%04d", window*9+i)); !errors.Is(err, ErrWrongPIN) {
				t.Fatalf("window %d, guess %d: %v, want ErrWrongPIN", window, i, err)
			}
		}
		if window == 0 {
			// The owner logs in: the window's count goes, the day's stays.
			if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
				t.Fatalf("owner's login: %v", err)
			}
			if l, err := s.Lockout(ctx, id); err != nil || l.Failures != 0 || l.DailyFailures != 9 {
				t.Fatalf("after the owner's login: %+v, %v; want 0 in the window, 9 today", l, err)
			}
		}
		// The window ends (its counter expires on Redis' clock).
		if err := rdb.Del(ctx, authFailKey(id)).Err(); err != nil {
			t.Fatal(err)
		}
		clock.add(15 * time.Minute)
	}
	if _, err := s.Authenticate(ctx, id, "2580"); !errors.Is(err, ErrLocked) {
		t.Fatalf("after 27 failures in a day: %v, want ErrLocked even for the right PIN", err)
	}
	l, err := s.Lockout(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := 24*time.Hour - 45*time.Minute; l.DailyFailures != 27 || l.Remaining != want {
		t.Errorf("Lockout = %+v, want 27 failures today, %v remaining", l, want)
	}
	// The day's window ends: logins work again.
	clock.add(24*time.Hour - 45*time.Minute)
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("the next day: %v", err)
	}
	// An administrator clears the day as well.
	for i := range 9 {
		_, _ = s.Authenticate(ctx, id, fmt.Sprintf("%04d", i))
	}
	if _, err := s.Unlock(ctx, id); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lockout(ctx, id); err != nil || l != (Lockout{}) {
		t.Errorf("after Unlock: %+v, %v; want nothing", l, err)
	}
}

// TestAuthenticateStrikesOutliveALogin: the owner's login no longer
// forgets the lockouts in a row, so a guesser's next lockout is longer.
func TestAuthenticateStrikesOutliveALogin(t *testing.T) {
	s, _, _ := newLimitStore(t, Config{MaxFailures: 2, LockoutDuration: time.Minute, LockoutMax: time.Hour})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = s.Authenticate(ctx, id, "0000")
	}
	// The lockout ends (its key expires on Redis' clock).
	if err := s.rdb.Del(ctx, authLockKey(id)).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = s.Authenticate(ctx, id, "0000")
	}
	l, err := s.Lockout(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Strikes != 2 || l.Remaining <= time.Minute || l.Remaining > 2*time.Minute {
		t.Errorf("second lockout after a login: %+v, want strike 2, about 2m", l)
	}
}

// TestAuthenticateCallerLimit: one calling number's failures count across
// mailboxes, unknown ones included; the number is then refused everywhere
// while other callers are not, until its window ends. A right PIN does not
// count, nor an attempt a locked mailbox refuses.
func TestAuthenticateCallerLimit(t *testing.T) {
	s, clock, _ := newLimitStore(t, Config{CallerMaxFailures: 4})
	ctx := testCtx(t)
	var ids []MailboxID
	for n := range 5 {
		id := mustID(t, fmt.Sprintf("10%02d", n))
		ids = append(ids, id)
		if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
			t.Fatal(err)
		}
	}
	guesser := WithCaller(ctx, "+15550100")
	if _, err := s.Authenticate(guesser, ids[4], "2580"); err != nil {
		t.Fatalf("a right PIN: %v", err)
	}
	// Attempts a locked mailbox refuses unchecked are no guesses.
	if err := s.rdb.Set(ctx, authLockKey(ids[3]), "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if _, err := s.Authenticate(guesser, ids[3], "2580"); !errors.Is(err, ErrLocked) {
			t.Fatalf("locked mailbox: %v, want ErrLocked", err)
		}
	}
	for i, id := range ids[:3] {
		if _, err := s.Authenticate(guesser, id, "0000"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("guess %d: %v, want ErrWrongPIN", i, err)
		}
	}
	if _, err := s.Authenticate(guesser, mustID(t, "1999"), "0000"); !errors.Is(err, ErrMailboxNotFound) {
		t.Fatalf("unknown mailbox: %v", err)
	}
	for range 3 {
		if _, err := s.Authenticate(guesser, ids[4], "2580"); !errors.Is(err, ErrLocked) {
			t.Fatalf("after 4 failures from the number: %v, want ErrLocked", err)
		}
	}
	// The refused number's attempts never touched the mailbox: the
	// owner's counts are as they were.
	if l, err := s.Lockout(ctx, ids[4]); err != nil || l.Failures != 0 || l.DailyFailures != 0 || l.Remaining != 0 {
		t.Errorf("mailbox after the refused number's attempts: %+v, %v; want no failures", l, err)
	}
	if _, err := s.Authenticate(WithCaller(ctx, "+15550199"), ids[4], "2580"); err != nil {
		t.Errorf("another caller: %v", err)
	}
	if _, err := s.Authenticate(ctx, ids[4], "2580"); err != nil {
		t.Errorf("no caller: %v", err)
	}
	// A caller ID that could not be a plain key part is counted under a
	// digest, not refused.
	if _, err := s.Authenticate(WithCaller(ctx, "{x}:y"), ids[4], "2580"); err != nil {
		t.Errorf("odd caller ID: %v", err)
	}
	clock.add(24 * time.Hour)
	if _, err := s.Authenticate(guesser, ids[4], "2580"); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

// TestAuthenticateSecurityEvents: every refused login is a security event
// naming the mailbox and the caller, and a flood is bounded.
func TestAuthenticateSecurityEvents(t *testing.T) {
	_, _, observed := newLimitStore(t, Config{MaxFailures: 2})
	s, logs := observed()
	ctx := WithCaller(testCtx(t), "2001")
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	_, _ = s.Authenticate(ctx, id, "0000")
	_, _ = s.Authenticate(ctx, mustID(t, "1999"), "0000")
	_, _ = s.Authenticate(ctx, id, "0001") // locks it out
	_, _ = s.Authenticate(ctx, id, "2580")
	var got []string
	for _, e := range logs.All() {
		ev, ok := e.ContextMap()["security_event"].(string)
		if !ok {
			continue
		}
		got = append(got, ev)
		if e.ContextMap()["caller"] != "2001" && ev != "lockout" {
			t.Errorf("%s: caller %v, want 2001", ev, e.ContextMap()["caller"])
		}
	}
	want := []string{"wrong_pin", "unknown_mailbox", "wrong_pin", "lockout", "login_while_locked"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("security events %v, want %v", got, want)
	}
}
