package call

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Tests of a call waiting for Redis for longer than its ownership wait
// (shortened here): it goes on waiting, acts on nothing meanwhile, and
// carries out what the caller did once Redis answers, unless another
// instance took the call over.

// What a call waiting to act does next. Time is no input: however long
// Redis stays out of reach, the call waits; only a stale epoch (another
// instance owns the call) or the call's context ending (the instance
// stopping) make it leave.
func TestDecideOwnership(t *testing.T) {
	stale := fmt.Errorf("state: save session: %w", state.ErrStaleEpoch)
	for _, tt := range []struct {
		name    string
		ctxErr  error
		held    bool
		saveErr error
		want    ownership
	}{
		{"saved", nil, true, nil, ownConfirmed},
		{"refused as stale", nil, true, stale, ownTaken},
		{"redis refuses connections", nil, true, errRefused, ownWait},
		{"redis times out", nil, true, errTimeout, ownWait},
		{"lease not held: nothing tried", nil, false, nil, ownWait},
		{"instance stopping, redis down", context.Canceled, true, errRefused, ownLeft},
		{"instance stopping, lease not held", context.Canceled, false, nil, ownLeft},
		{"instance stopping, saved all the same", context.Canceled, true, nil, ownConfirmed},
		{"instance stopping, stale", context.Canceled, true, stale, ownTaken},
	} {
		if got := decideOwnership(tt.ctxErr, tt.held, tt.saveErr); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// shortWait is the ownership wait of these tests: the retries below
// outlast it many times over.
const shortWait = 20 * time.Millisecond

// A hang-up while Redis does not answer for longer than the ownership
// wait: the call waits on, and saves the message once Redis answers.
func TestCallHangupWaitsForRedisPastTheBound(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T) (*call, *fakeStore)
	}{
		{"recording a message", recording},
		{"browsing with a message deleted", func(t *testing.T) (*call, *fakeStore) {
			c, _, fs := loggedIn(t)
			deleteFirst(t, c)
			return c, fs
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := tt.setup(t)
			c.deps.waits.Ownership = shortWait
			fs.mu.Lock()
			fs.seconds = 9
			// 100+200+400+800 ms of backoff: 75 times the wait.
			fs.saveErrs, fs.ops = []error{errRefused, errRefused, errTimeout, errRefused, errRefused}, nil
			fs.mu.Unlock()
			hangup(t, c, 10*time.Second)
			fs.mu.Lock()
			defer fs.mu.Unlock()
			if c.gone {
				t.Fatal("the call left: nobody would finish it")
			}
			if len(fs.ops) < 2 || fs.ops[0] != "save" || !slices.Contains([]string{"deposit", "close"}, fs.ops[1]) {
				t.Errorf("store operations %v: want a confirmed save, then the caller's work", fs.ops)
			}
			if !fs.ended {
				t.Error("session not ended")
			}
		})
	}
}

// A call whose instance's lease is not renewed for longer than the
// ownership wait (Redis out of reach for every instance): it writes
// nothing meanwhile, and goes on once the lease is renewed.
func TestCallSelfFencedPastTheBound(t *testing.T) {
	c, fs := recording(t)
	fs.seconds = 9
	c.deps.waits.Ownership = shortWait
	lease := &fakeLease{notHeld: 6} // 100+200+400+800+1600 ms of backoff
	c.deps.lease = lease
	fs.mu.Lock()
	fs.ops = nil
	fs.mu.Unlock()
	hangup(t, c, 10*time.Second)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if c.gone || !slices.Equal(fs.ops, []string{"save", "deposit"}) {
		t.Errorf("gone %v, store operations %v: want a save, then the deposit", c.gone, fs.ops)
	}
}

// lapseAfterDepositFails is this instance's lease as seen by a call whose
// deposits fail (fakeStore.failures, from start): held, except for the
// first lapse looks after the first deposit failed; at the first of those,
// then is called with the store locked.
func lapseAfterDepositFails(fs *fakeStore, start, lapse int, then func()) LeaseHolder {
	var mu sync.Mutex
	return leaseFunc(func() bool {
		mu.Lock()
		defer mu.Unlock()
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if fs.failures == start || lapse == 0 {
			return true
		}
		if then != nil {
			then()
			then = nil
		}
		lapse--
		return false
	})
}

// leaseFunc is a leaseHolder answering with a function.
type leaseFunc func() bool

func (f leaseFunc) Held() bool { return f() }

// A deposit that Redis does not take for longer than the ownership wait
// is retried on; when the lease lapses meanwhile, the call writes nothing
// until the lease is renewed and a fenced save confirms the call is still
// this instance's. Every retry is preceded by such a save (retryOwned).
func TestCallDepositRetriedPastTheBoundReconfirms(t *testing.T) {
	c, fs := recording(t)
	c.deps.waits.Ownership = shortWait
	fs.seconds = 9
	fs.mu.Lock()
	fs.failures = 4 // 100+200+400+800 ms of backoff
	fs.ops = nil
	fs.mu.Unlock()
	c.deps.lease = lapseAfterDepositFails(fs, 4, 3, nil)
	hangup(t, c, 10*time.Second)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if c.gone || len(fs.deposited) != 1 {
		t.Fatalf("gone %v, deposited %d: want the message saved once", c.gone, len(fs.deposited))
	}
	if !slices.Equal(fs.ops, []string{"save", "save", "save", "save", "save", "deposit"}) {
		t.Errorf("store operations %v: want the fence's save, a save before each of the four retries (the last once the lease was back), then the deposit", fs.ops)
	}
}

// A deposit retried while another instance takes the call over: once the
// lease lapsed, the fenced save is refused as stale, and the call leaves
// at once without saving; the session stays for the new owner.
func TestCallDepositRetryStopsWhenTakenOver(t *testing.T) {
	c, fs := recording(t)
	fs.seconds = 9
	const never = 1 << 30
	fs.mu.Lock()
	fs.failures, fs.ops = never, nil
	fs.mu.Unlock()
	c.deps.lease = lapseAfterDepositFails(fs, never, 1, func() {
		fs.sessErr = fmt.Errorf("state: save session: %w", state.ErrStaleEpoch)
	})
	hangup(t, c, 10*time.Second)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !c.gone || len(fs.deposited) != 0 {
		t.Errorf("gone %v, deposited %d: want the call left to its new owner", c.gone, len(fs.deposited))
	}
	if tries := never - fs.failures; tries != 1 {
		t.Errorf("%d deposits tried, want 1: the call went on writing after it was taken over", tries)
	}
	if fs.ended || fs.unowned {
		t.Errorf("session ended (%v) or call forgotten (%v)", fs.ended, fs.unowned)
	}
}

// A deposit retried while the instance stops (the call's context ends):
// the call is left, its session kept, for whoever reaps this instance; it
// is not told the message failed.
func TestCallDepositRetryLeftAtStop(t *testing.T) {
	c, fs := recording(t)
	fs.seconds = 9
	fs.mu.Lock()
	fs.failures, fs.ops = 1<<30, nil
	fs.mu.Unlock()
	hangup(t, c, 500*time.Millisecond)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !c.gone || len(fs.deposited) != 0 {
		t.Errorf("gone %v, deposited %d: want the call left", c.gone, len(fs.deposited))
	}
	if fs.ended || fs.unowned {
		t.Errorf("session ended (%v) or call forgotten (%v): the reaper would find nothing", fs.ended, fs.unowned)
	}
	if st := fs.sessions[len(fs.sessions)-1]; len(st.Menu) == 0 {
		t.Error("no session saved")
	} else if s, err := SessionState(c.id, st); err != nil || s.Phase != menus.PhaseRecording {
		t.Errorf("session in phase %s (%v), want the state before the hang-up (recording)", s.Phase, err)
	}
}
