package app

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/clusterpbx/voicemail/testenv"
)

// TestIntegrationClaimSpreadsCalls runs two instances with ari.broadcast and
// 40 calls at once:
// each registers voicemail-<id>, and every call the dialplan offers with
// StasisBroadcast is claimed by exactly one of them. Calls are spread
// between the two, and every call works (login and goodbye).
func TestIntegrationClaimSpreadsCalls(t *testing.T) {
	// 40 logins to one mailbox at once, from one number, would look like PIN
	// guessing: every attempt counts against the mailbox's, the day's and the
	// caller's limits until its PIN is checked.
	h := startHarness(t, func(c *Config) {
		c.ARI.Broadcast = true
		c.Instance.ID = "a"
		c.Voicemail.LockoutFailures = 100
		c.Voicemail.LockoutDailyFailures = 1000
		c.Voicemail.LockoutCallerFailures = 1000
	})
	second := h.startInstance(func(c *Config) {
		c.ARI.Broadcast = true
		c.Instance.ID = "b"
		c.Voicemail.LockoutFailures = 100
		c.Voicemail.LockoutDailyFailures = 1000
		c.Voicemail.LockoutCallerFailures = 1000
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n = 40
	h.concurrently(ctx, n, "*97", "vm-cluster", "Alice <1001>", func(call *testenv.Call) error {
		return steps(
			func() error { return call.Expect(ctx, "vm-password") },
			func() error { return call.Press(ctx, "1234#") },
			func() error { return call.WaitFor(ctx, "vm-youhave") },
			func() error { return call.Press(ctx, "#") },
			func() error { return call.WaitFor(ctx, "vm-goodbye") },
			func() error { return call.WaitEnded(ctx) },
		)
	})
	a, b := callsTaken(h.app), callsTaken(second)
	t.Logf("calls taken: instance a %d, instance b %d", a, b)
	if a+b != n {
		t.Errorf("instances took %d+%d calls, want %d in all (each call exactly once)", a, b, n)
	}
	if a == 0 || b == 0 {
		t.Errorf("calls were not spread: a %d, b %d", a, b)
	}
}

// callsTaken counts the calls an instance took (its calls_total metric).
func callsTaken(a *App) int {
	return int(testutil.ToFloat64(a.ops.metrics.calls.WithLabelValues("main")))
}
