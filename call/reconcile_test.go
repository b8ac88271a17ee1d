package call

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
)

// fakeChecker answers GetChannel with errs, one per call, then with
// ari.ErrNotFound: the channel left while the event stream was down.
type fakeChecker struct {
	mu    sync.Mutex
	errs  []error
	asked int
}

func (f *fakeChecker) GetChannel(context.Context, string) (ari.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return ari.Channel{}, err
	}
	return ari.Channel{}, &ari.StatusError{Method: "GET", Path: "/channels/ch-1", Status: 404, Message: "Channel not found"}
}

func (f *fakeChecker) GetPlayback(context.Context, string) (ari.Playback, error) {
	return ari.Playback{}, nil
}

func (f *fakeChecker) GetLiveRecording(context.Context, string) (ari.LiveRecording, error) {
	return ari.LiveRecording{}, nil
}

// The StasisEnd of a call was lost while the event stream was down, and
// the reconciliation's first look at the channel fails (ARI busy just
// after the reconnect). The call must not wait for an event that never
// comes: the look is retried and the call ends (review L7).
func TestReconcileRetriesATransientError(t *testing.T) {
	for _, failures := range []int{1, 6} {
		c, _, _, _ := newTestCall(t)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain}})
		errs := make([]error, failures)
		for i := range errs {
			errs[i] = &ari.StatusError{Method: "GET", Path: "/channels/ch-1", Status: 500, Message: "Internal Server Error"}
		}
		checker := &fakeChecker{errs: errs}
		c.in.push(item{fn: func(ctx context.Context) { c.reconcile(ctx, checker) }})
		for c.s.Phase != menus.PhaseDone {
			it, ok := c.in.pop(ctx)
			if !ok {
				t.Fatalf("%d failures: the call never ended (phase %s, GetChannel asked %d times)", failures, c.s.Phase, checker.asked)
			}
			if it.fn != nil {
				it.fn(ctx)
			} else {
				c.step(ctx, it.ev)
			}
		}
	}
}
