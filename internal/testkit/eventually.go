package testkit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Eventually calls check every interval until it returns nil, and fails
// the test with check's last error if it has not by total. Call it from
// the test's goroutine; elsewhere use Poll.
//
//	testkit.Eventually(t, 10*time.Second, 20*time.Millisecond, func() error {
//		if !app.StreamConnected() {
//			return errors.New("event stream not connected")
//		}
//		return nil
//	})
func Eventually(tb testing.TB, total, interval time.Duration, check func() error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), total)
	defer cancel()
	if err := Poll(ctx, interval, check); err != nil {
		tb.Fatalf("not within %s: %v", total, err)
	}
}

// Poll calls check every interval until it returns nil, and returns nil
// then; when ctx ends first it returns check's last error, wrapped with
// ctx's. Check runs at once, then every interval while ctx lasts.
func Poll(ctx context.Context, interval time.Duration, check func() error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %w)", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// ErrNotYet is a check's answer when its condition has no better error to
// give.
var ErrNotYet = errors.New("testkit: condition not met yet")

// Cond turns a boolean condition into a check for Eventually and Poll:
// ErrNotYet wrapped with what, until cond holds.
func Cond(what string, cond func() bool) func() error {
	return func() error {
		if cond() {
			return nil
		}
		return fmt.Errorf("%s: %w", what, ErrNotYet)
	}
}
