package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
	"github.com/clusterpbx/voicemail/testenv"
)

// Calls through a Redis outage, with the real Asterisk of testenv and a
// private Redis that the tests stop and start again (redistest.Stop).

// stopRedis stops the harness's Redis, waits until the instance's client
// sees it gone, and returns the function that starts it again (once; the
// test fails if that fails).
func (h *harness) stopRedis(ctx context.Context) (start func()) {
	h.t.Helper()
	restart := redistest.Stop(h.t, h.rdb)
	testkit.Eventually(h.t, 5*time.Second, 20*time.Millisecond, func() error {
		if h.rdb.Ping(ctx).Err() == nil {
			return errors.New("redis still answers")
		}
		return nil
	})
	return func() {
		h.t.Helper()
		must(h.t, restart())
	}
}

// failures is how many failures of op the instance counted
// (voicemail_errors_total).
func (a *App) failures(op string) int {
	return int(testutil.ToFloat64(a.ops.metrics.errors.WithLabelValues(op)))
}

// heard reports whether call heard prompt name.
func heard(call *testenv.Call, name string) bool {
	return slices.Contains(call.HeardNames(), name)
}

// An owner enters their password while Redis restarts: the check is
// retried until Redis is back, and they log in, with no apology. The
// lease is longer than the outage, so that nothing but the password check
// waits for Redis (with the default lease, the call's own fence would hold
// the check back until the lease is renewed: fence.go).
func TestIntegrationLoginDuringRedisRestart(t *testing.T) {
	checkRoutines(t)
	h := startHarness(t, func(c *Config) { c.Instance.Lease = time.Minute })
	ctx := testkit.Timeout(t, 2*time.Minute)
	call := h.dial(ctx, "*97", "Owner <1001>")
	must(t, call.Expect(ctx, "vm-password"))

	start := h.stopRedis(ctx)
	must(t, call.Press(ctx, "1234#"))
	// Redis comes back once a check has failed.
	testkit.Eventually(t, 20*time.Second, 20*time.Millisecond, testkit.Cond("a password check that failed",
		func() bool { return h.app.failures(opRedisMailbox) > 0 }))
	start()
	must(t, call.WaitFor(ctx, "vm-helpexit"))
	if heard(call, "vm-sorry") {
		t.Errorf("the caller heard an apology: %v", call.HeardNames())
	}
}

// An owner enters their password while Redis stays down for longer than
// the retries of a check (shortened here): each time, they hear sorry and
// are asked for the password again, never hung up, however often that
// happens (more than voicemail.max_logins times); once Redis is back,
// they log in: no wrong try was counted.
func TestIntegrationLoginWhileRedisStaysDown(t *testing.T) {
	checkRoutines(t)
	h := startHarness(t, func(c *Config) {
		c.Instance.Lease = time.Minute
		c.waits.Login = 500 * time.Millisecond
	})
	ctx := testkit.Timeout(t, 2*time.Minute)
	call := h.dial(ctx, "*97", "Owner <1001>")
	must(t, call.Expect(ctx, "vm-password"))

	start := h.stopRedis(ctx)
	for range h.app.cfg.Voicemail.MaxLogins + 1 {
		must(t, call.Press(ctx, "1234#"))
		must(t, call.Expect(ctx, "vm-sorry", "vm-password"))
	}
	start()
	must(t, call.Press(ctx, "1234#"))
	must(t, call.WaitFor(ctx, "vm-helpexit"))
	if heard(call, "vm-incorrect") || heard(call, "vm-goodbye") {
		t.Errorf("checks Redis did not answer counted as wrong tries: heard %v", call.HeardNames())
	}
}

// Redis stops, for the only instance, for far longer than the lease and
// than the calls' ownership wait (shortened here: it was the bound after
// which a call gave up, and nobody reaped it). Meanwhile a caller ends
// their message with '#', and an owner who deleted a message hangs up.
// Nothing is lost: once Redis is back, the message is saved, once, and its
// caller hears so; the deletion is applied; new calls are served.
func TestIntegrationCallsOutliveALongRedisOutage(t *testing.T) {
	checkRoutines(t)
	const wait = 500 * time.Millisecond
	h := startHarness(t, func(c *Config) { c.waits.Ownership = wait })
	ctx := testkit.Timeout(t, 3*time.Minute)
	box1001, box1002 := box("1001"), box("1002")
	h.leaveMessage(ctx, "1002", "Dave <2004>", 3*time.Second)
	var toDelete []state.Message
	testkit.Eventually(t, 10*time.Second, 50*time.Millisecond, func() error {
		var err error
		if toDelete, err = h.store().Messages(ctx, box1002, state.FolderNew); err == nil && len(toDelete) != 1 {
			err = testkit.ErrNotYet
		}
		return err
	})
	before := h.countsOf(ctx, box1001)

	// Bob deletes his message; Carol leaves Alice one.
	bob := h.login(ctx, "1002", "4321")
	must(t, bob.Press(ctx, "1"))
	must(t, bob.WaitFor(ctx, "vm-first"))
	must(t, bob.Press(ctx, "1"))
	must(t, bob.WaitFor(ctx, "recording:"+toDelete[0].Recording))
	must(t, bob.WaitFor(ctx, "vm-delete"))
	must(t, bob.Press(ctx, "7"))
	must(t, bob.Expect(ctx, "vm-deleted"))
	carol := h.dial(ctx, "1001", "Carol <2003>")
	must(t, carol.WaitFor(ctx, "vm-intro"))
	must(t, carol.Press(ctx, "#"))
	must(t, carol.WaitRecording(ctx))
	_, err := h.caller.Client.Play(ctx, carol.A, "speech-outage", []string{"sound:vm-intro", "sound:vm-opts"}, "")
	must(t, err)
	time.Sleep(4 * time.Second) // a message long enough to keep

	start := h.stopRedis(ctx)
	must(t, h.caller.Client.StopPlayback(ctx, "speech-outage"))
	must(t, carol.Press(ctx, "#"))
	must(t, bob.Hangup(ctx))
	// Redis stays down until the lease has lapsed, and then for many
	// times the ownership wait.
	testkit.Eventually(t, 10*time.Second, 20*time.Millisecond, testkit.Cond("the lease lapsed",
		func() bool { return !h.app.lease.Held() }))
	time.Sleep(6 * wait)
	start()

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	must(t, carol.WaitFor(wctx, "vm-msgsaved"))
	if after := h.waitCounts(ctx, box1001, before.New+1); after.New != before.New+1 {
		t.Errorf("1001 has %d new messages, want %d", after.New, before.New+1)
	}
	testkit.Eventually(t, 10*time.Second, 50*time.Millisecond, func() error {
		c := h.countsOf(ctx, box1002)
		if c.New+c.Old != 0 {
			return fmt.Errorf("1002 still holds %+v: the deletion was lost", c)
		}
		return nil
	})
	must(t, h.login(ctx, "1001", "1234").Hangup(ctx))
}
