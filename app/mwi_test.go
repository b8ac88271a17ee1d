package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// testWindow stands for state.MWIWindow in these tests, and the
// publisher's settleAfter.
const testWindow = 100 * time.Millisecond

// fakeMWIState holds one mailbox's counts and the rules of the real store:
// a version is claimed once, never after a newer one, and a claim is
// crowded when a publication (claimed or noted) came within testWindow.
type fakeMWIState struct {
	mu        sync.Mutex
	cur       state.MWI
	published int64
	recent    time.Time // until when the mailbox is marked as published
	calls     []string  // "state", "claim", "note", in order
}

func (f *fakeMWIState) MWIState(context.Context, state.MailboxID) (state.MWI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "state")
	return f.cur, nil
}

func (f *fakeMWIState) ClaimMWI(_ context.Context, _ state.MailboxID, v int64) (state.MWIClaim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "claim")
	if v <= f.published {
		return state.MWIClaim{}, nil
	}
	f.published = v
	crowded := time.Now().Before(f.recent)
	f.recent = time.Now().Add(testWindow)
	return state.MWIClaim{Won: true, Crowded: crowded}, nil
}

func (f *fakeMWIState) NoteMWIPublication(context.Context, state.MailboxID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "note")
	f.recent = time.Now().Add(testWindow)
	return nil
}

func (f *fakeMWIState) set(n int) {
	f.mu.Lock()
	f.cur = state.MWI{New: n, Version: f.cur.Version + 1}
	f.mu.Unlock()
}

// mwiRun is a publisher on st running until the test ends, and what it
// published.
type mwiRun struct {
	p    *mwiPublisher
	mu   sync.Mutex
	sent []state.MWI
	// fail, while above 0, fails that many publications.
	fail int
}

func startMWI(t *testing.T, st mwiState) *mwiRun {
	t.Helper()
	r := newMWIRun(st)
	r.run(t)
	return r
}

// newMWIRun is startMWI without the start.
func newMWIRun(st mwiState) *mwiRun {
	r := &mwiRun{p: newMWIPublisher(st, nil, "voicemail-mwi", zap.NewNop())}
	r.p.settleAfter = testWindow
	r.p.publish = func(_ context.Context, _ originator, _ state.MailboxID, m state.MWI) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail > 0 {
			r.fail--
			return errors.New("originate: 500")
		}
		r.sent = append(r.sent, m)
		return nil
	}
	return r
}

// run runs the publisher until the test ends.
func (r *mwiRun) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (r *mwiRun) published() []state.MWI {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// waitFor waits, bounded, until the publications satisfy ok.
func (r *mwiRun) waitFor(t *testing.T, what string, ok func([]state.MWI) bool) []state.MWI {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sent := r.published()
		if ok(sent) {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("published %+v; want %s", sent, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publishedOnce waits for a publication, then past the window, a settle
// and two of the publisher's ticks, and checks that it stayed the only one
// and had New newCount.
func (r *mwiRun) publishedOnce(t *testing.T, newCount int) {
	t.Helper()
	r.waitFor(t, "one publication", func(s []state.MWI) bool { return len(s) >= 1 })
	time.Sleep(testWindow + 600*time.Millisecond)
	if sent := r.published(); len(sent) != 1 || sent[0].New != newCount {
		t.Errorf("published %+v; want New %d once", sent, newCount)
	}
}

var mwiBox = state.MailboxID{Number: "1001", Context: "default"}

func TestMWIPublisherSettlesOnLatestCounts(t *testing.T) {
	st := &fakeMWIState{}
	r := startMWI(t, st)
	// Changes a few milliseconds apart: publications within the window
	// of each other, so the last is settled.
	for n := 1; n <= 20; n++ {
		st.set(n)
		r.p.Changed(mwiBox)
		time.Sleep(2 * time.Millisecond)
	}
	sent := r.waitFor(t, "the final 20 last, settled", func(s []state.MWI) bool {
		return len(s) >= 3 && s[len(s)-1].New == 20 && s[len(s)-2].New == 20
	})
	if len(sent) > 21 {
		t.Errorf("20 changes made %d publications", len(sent))
	}
}

// Changes made before the publisher looks again coalesce into one
// publication of the latest counts, which nothing crowds.
func TestMWIPublisherCoalescesABurst(t *testing.T) {
	st := &fakeMWIState{}
	r := newMWIRun(st)
	for n := 1; n <= 20; n++ {
		st.set(n)
		r.p.Changed(mwiBox)
	}
	r.run(t)
	r.publishedOnce(t, 20)
}

// A change alone in its window cannot be overtaken: one publication, no
// settle (each is a Local channel pair in Asterisk).
func TestMWIPublisherPublishesALoneChangeOnce(t *testing.T) {
	st := &fakeMWIState{}
	r := startMWI(t, st)
	st.set(1)
	r.p.Changed(mwiBox)
	r.publishedOnce(t, 1)
}

// A publication by another instance within the window (the store's mark)
// crowds this one's claim: the latest counts go out once more after it.
func TestMWIPublisherSettlesAfterAnotherInstancesPublication(t *testing.T) {
	st := &fakeMWIState{}
	r := startMWI(t, st)
	st.set(1)
	_ = st.NoteMWIPublication(context.Background(), mwiBox) // the other instance
	r.p.Changed(mwiBox)
	sent := r.waitFor(t, "the change, then the settle", func(s []state.MWI) bool { return len(s) == 2 })
	if sent[1] != sent[0] {
		t.Errorf("settle published %+v after %+v; want the latest counts again", sent[1], sent[0])
	}
}

// A publication that failed is retried by the settle.
func TestMWIPublisherRetriesAFailedPublication(t *testing.T) {
	st := &fakeMWIState{}
	r := startMWI(t, st)
	r.mu.Lock()
	r.fail = 1
	r.mu.Unlock()
	st.set(3)
	r.p.Changed(mwiBox)
	sent := r.waitFor(t, "the counts, on the retry", func(s []state.MWI) bool { return len(s) == 1 })
	if sent[0].New != 3 {
		t.Errorf("retry published %+v", sent[0])
	}
}

// A publication whatever the version (after Asterisk reconnects) is noted
// before the counts are read, so that a claim right after it is crowded
// and settles: the two may reach the phones in either order.
func TestMWIPublishAllIsNotedBeforeItReadsTheCounts(t *testing.T) {
	st := &fakeMWIState{}
	r := startMWI(t, st)
	st.set(1)
	r.p.PublishAll(context.Background(), []state.MailboxID{mwiBox}, nil)
	st.mu.Lock()
	calls := slices.Clone(st.calls)
	st.mu.Unlock()
	if !slices.Equal(calls, []string{"note", "state"}) {
		t.Fatalf("PublishAll asked the store %v; want note, then state", calls)
	}
	st.set(2)
	r.p.Changed(mwiBox)
	sent := r.waitFor(t, "PublishAll's, the change's, then the settle", func(s []state.MWI) bool { return len(s) == 3 })
	if sent[2].New != 2 {
		t.Errorf("settle published %+v; want the latest counts", sent[2])
	}
}
