package testkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.failed...)
}

func TestEventually(t *testing.T) {
	for _, tc := range []struct {
		name     string
		passesAt int // the call that returns nil; 0: never
		wantFail string
	}{
		{"at once", 1, ""},
		{"after a few polls", 4, ""},
		{"never", 0, "not within 100ms: still 0: testkit: condition not met yet (after context deadline exceeded)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			calls := 0
			start := time.Now()
			Eventually(r, 100*time.Millisecond, 5*time.Millisecond, func() error {
				calls++
				if calls == tc.passesAt {
					return nil
				}
				return fmt.Errorf("still %d: %w", tc.passesAt, ErrNotYet)
			})
			took := time.Since(start)
			got := strings.Join(r.failures(), "; ")
			if got != tc.wantFail {
				t.Errorf("failure %q, want %q", got, tc.wantFail)
			}
			if tc.passesAt > 0 && calls != tc.passesAt {
				t.Errorf("check called %d times, want %d", calls, tc.passesAt)
			}
			if tc.passesAt == 0 && (took < 100*time.Millisecond || took > 2*time.Second) {
				t.Errorf("gave up after %v, want about 100ms", took)
			}
		})
	}
}

func TestPollStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errBusy := errors.New("busy")
	calls := 0
	err := Poll(ctx, time.Millisecond, func() error {
		calls++
		if calls == 3 {
			cancel()
		}
		return errBusy
	})
	if !errors.Is(err, errBusy) || !errors.Is(err, context.Canceled) {
		t.Errorf("Poll = %v, want the check's last error and context.Canceled", err)
	}
	if calls != 3 {
		t.Errorf("check called %d times after the context ended, want 3", calls)
	}
}

func TestCond(t *testing.T) {
	ready := false
	check := Cond("stream connected", func() bool { return ready })
	if err := check(); !errors.Is(err, ErrNotYet) || !strings.Contains(err.Error(), "stream connected") {
		t.Errorf("check = %v", err)
	}
	ready = true
	if err := check(); err != nil {
		t.Errorf("check = %v once true", err)
	}
}

// leakyWorker is what CheckRoutines must find: a goroutine with no way to
// end but stop.
func leakyWorker(stop chan struct{}) { <-stop }

func TestCheckRoutinesFindsALeak(t *testing.T) {
	r := &recorder{TB: t}
	check := CheckRoutines(r)
	stop := make(chan struct{})
	go leakyWorker(stop)
	start := time.Now()
	check()
	close(stop)
	f := r.failures()
	if len(f) != 1 || !strings.Contains(f[0], "testkit.leakyWorker") || !strings.Contains(f[0], "1 goroutines still running") {
		t.Fatalf("failures %q, want one naming leakyWorker", f)
	}
	if took := time.Since(start); took < routinesGrace {
		t.Errorf("reported after %v, before the %v grace", took, routinesGrace)
	}
}

func TestCheckRoutinesPasses(t *testing.T) {
	// A goroutine from before the check is not the test's.
	stopOld := make(chan struct{})
	go leakyWorker(stopOld)
	defer close(stopOld)

	r := &recorder{TB: t}
	check := CheckRoutines(r)
	// One that ends during the grace period is no leak.
	stop := make(chan struct{})
	go leakyWorker(stop)
	time.AfterFunc(100*time.Millisecond, func() { close(stop) })
	// One that IgnoreRoutines names is none either.
	stopIgnored := make(chan struct{})
	check2 := CheckRoutines(r, IgnoreRoutines("testkit.leakyWorker"))
	go leakyWorker(stopIgnored)
	check2()
	close(stopIgnored)
	check()
	if f := r.failures(); len(f) != 0 {
		t.Errorf("failures %q, want none", f)
	}
}

func TestTimeout(t *testing.T) {
	var ctx context.Context
	t.Run("inner", func(t *testing.T) {
		ctx = Timeout(t, time.Hour)
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) < 59*time.Minute {
			t.Errorf("deadline %v, %v; want an hour from now", dl, ok)
		}
	})
	// The test is over: its context ended and the hang timer is stopped.
	select {
	case <-ctx.Done():
	default:
		t.Error("the context outlived its test")
	}
	short := Timeout(t, 10*time.Millisecond)
	select {
	case <-short.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a 10ms Timeout did not end")
	}
	if !errors.Is(short.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v", short.Err())
	}
}
