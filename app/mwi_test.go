package app

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// fakeMWIState holds one mailbox's counts and the claim rule of the real
// store (a version is published once, and never after a newer one).
type fakeMWIState struct {
	mu        sync.Mutex
	cur       state.MWI
	published int64
}

func (f *fakeMWIState) MWIState(context.Context, state.MailboxID) (state.MWI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur, nil
}

func (f *fakeMWIState) ClaimMWI(_ context.Context, _ state.MailboxID, v int64) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v <= f.published {
		return false, nil
	}
	f.published = v
	return true, nil
}

func (f *fakeMWIState) set(n int) {
	f.mu.Lock()
	f.cur = state.MWI{New: n, Version: f.cur.Version + 1}
	f.mu.Unlock()
}

func TestMWIPublisherSettlesOnLatestCounts(t *testing.T) {
	st := &fakeMWIState{}
	p := newMWIPublisher(st, nil, "voicemail-mwi", zap.NewNop())
	var mu sync.Mutex
	var sent []state.MWI
	p.publish = func(_ context.Context, _ originator, _ state.MailboxID, m state.MWI) error {
		mu.Lock()
		sent = append(sent, m)
		mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	id := state.MailboxID{Number: "1001", Context: "default"}
	for n := 1; n <= 20; n++ {
		st.set(n)
		p.Changed(id)
	}
	// Bounded wait for the settling publication of the final counts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		last := state.MWI{}
		if len(sent) > 0 {
			last = sent[len(sent)-1]
		}
		n := len(sent)
		mu.Unlock()
		if last.New == 20 && n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("published %d times, last %+v; want the final 20 last, settled", n, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) > 10 {
		t.Errorf("20 changes made %d publications; bursts should coalesce", len(sent))
	}
}

// TestMWIPublisherDefersAChange: a change is published mwiDefer after it,
// not before, whether a kick or a tick wakes the publisher first; changes
// made meanwhile go out in that one publication; and a stop during the
// wait returns at once.
func TestMWIPublisherDefersAChange(t *testing.T) {
	st := &fakeMWIState{}
	p := newMWIPublisher(st, nil, "voicemail-mwi", zap.NewNop())
	type publication struct {
		at time.Time
		m  state.MWI
	}
	published := make(chan publication, 10)
	p.publish = func(_ context.Context, _ originator, _ state.MailboxID, m state.MWI) error {
		published <- publication{time.Now(), m}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()

	id := state.MailboxID{Number: "1001", Context: "default"}
	st.set(1)
	changed := time.Now()
	p.Changed(id)
	time.Sleep(mwiDefer / 2)
	st.set(2)
	p.Changed(id) // within the wait: goes out with the first
	var first publication
	select {
	case first = <-published:
	case <-time.After(5 * time.Second):
		t.Fatal("the change was never published")
	}
	if early := first.at.Sub(changed); early < mwiDefer {
		t.Fatalf("published %v after the change, want at least %v", early, mwiDefer)
	}
	if first.m.New != 2 {
		t.Fatalf("published %+v, want the counts of both changes (New 2)", first.m)
	}

	// A change, then a stop before it is due: Run returns at once.
	st.set(3)
	p.Changed(id)
	stopped := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Run did not return when stopped")
	}
	if d := time.Since(stopped); d > mwiDefer {
		t.Fatalf("Run took %v to stop", d)
	}
}
