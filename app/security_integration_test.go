package app

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/testenv"
)

// A scripted PIN guesser: 100 wrong PINs over 10 simultaneous calls lock
// 1001 out after the 10th failure, whichever call and instance made it. The
// right PIN is then refused, with the same "login incorrect" as a wrong one,
// until the lockout ends; an administrator's unlock clears it at once. The
// app neither crashes nor leaks goroutines.
func TestIntegrationPINGuessingLocksMailboxOut(t *testing.T) {
	h := startHarness(t, func(c *Config) {
		c.Voicemail.MaxLogins = 10 // 10 guesses per call
		c.Voicemail.LockoutFailures = 10
		c.Voicemail.LockoutWindow = time.Minute
		// Longer than the guessing takes, so exactly one lockout happens.
		c.Voicemail.LockoutDuration = 2 * time.Minute
		c.Voicemail.LockoutMax = 2 * time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	id := box("1001")
	baseline := runtime.NumGoroutine()

	const calls, guesses = 10, 10
	start := time.Now()
	h.concurrently(ctx, calls, "*97", "vm-test", "Alice <1001>", func(call *testenv.Call) error {
		if err := call.Expect(ctx, "vm-password"); err != nil {
			return err
		}
		for g := range guesses {
			if err := call.Press(ctx, fmt.Sprintf("9%03d#", g)); err != nil {
				return err
			}
			next := "vm-password"
			if g == guesses-1 {
				next = "vm-goodbye"
			}
			if err := call.Expect(ctx, "vm-incorrect", next); err != nil {
				return fmt.Errorf("guess %d: %w", g+1, err)
			}
		}
		return call.WaitEnded(ctx)
	})
	t.Logf("%d wrong PINs over %d calls in %v", calls*guesses, calls, time.Since(start).Round(time.Millisecond))

	l, err := h.store().Lockout(ctx, id)
	must(t, err)
	if l.Remaining <= 0 || l.Strikes != 1 {
		t.Fatalf("after the guessing: %+v, want one lockout in force", l)
	}
	var out bytes.Buffer
	must(t, lockoutCommand(ctx, h.app.cfg, zap.NewNop(), []string{"1001"}, false, &out))
	if !strings.Contains(out.String(), "1001@default: locked out for") {
		t.Errorf("voicemail lockout 1001 printed %q", out.String())
	}

	// The owner, with the right PIN, hears exactly what a guesser hears.
	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-incorrect", "vm-password"))

	// The lockout ends (fast-forwarded: its key expires in 1 s); the next
	// try in the same call gets in.
	must(t, h.rdb.PExpire(ctx, "vm:{1001@default}:auth:lock", time.Second).Err())
	time.Sleep(1200 * time.Millisecond)
	must(t, call.Press(ctx, "1234#"))
	must(t, call.WaitFor(ctx, "vm-helpexit"))
	must(t, call.Hangup(ctx))

	// Locked out again (10 more failures); an administrator unlocks it.
	st := h.store()
	for range 10 {
		_, _ = st.Authenticate(ctx, id, "0000")
	}
	if l, err := st.Lockout(ctx, id); err != nil || l.Remaining <= 0 {
		t.Fatalf("after 10 more failures: %+v, %v; want locked out", l, err)
	}
	out.Reset()
	must(t, lockoutCommand(ctx, h.app.cfg, zap.NewNop(), []string{"1001@default"}, true, &out))
	if out.String() != "1001@default: unlocked\n" {
		t.Errorf("voicemail unlock 1001@default printed %q", out.String())
	}
	must(t, h.login(ctx, "1001", "1234").Hangup(ctx))

	// Every call's goroutines are gone once the calls are.
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline+2 {
			t.Logf("goroutines: %d before the calls, %d after", baseline, n)
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before the calls, %d after 20s:\n%s", baseline, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(200 * time.Millisecond)
	}
}
