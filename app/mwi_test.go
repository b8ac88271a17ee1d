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
