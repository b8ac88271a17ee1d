package ari

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari/aritest"
)

// Moves held by Asterisk (a takeover or a handover of many calls at once)
// must not starve every other call's prompts: however many Moves wait for
// an answer, a Play still goes through at once, and the Moves beyond
// their own pool wait for it rather than for the other requests' one.
func TestMovesDoNotStarveOtherRequests(t *testing.T) {
	srv := aritest.NewServer(t)
	release := make(chan struct{})
	var held atomic.Int32
	srv.Handle(http.MethodPost, "/ari/channels/{id}/move", func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	const moves = 3 * DefaultConnections
	var wg sync.WaitGroup
	defer wg.Wait()
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	for i := range moves {
		wg.Go(func() {
			if err := c.Move(ctx, fmt.Sprintf("ch-%d", i), "voicemail-b", []string{"resume"}); err != nil {
				t.Errorf("move %d: %v", i, err)
			}
		})
	}
	// Every connection the Moves may use is taken and more Moves wait.
	for held.Load() < int32(min(DefaultConnections, DefaultMoveConnections)) {
		select {
		case <-ctx.Done():
			t.Fatalf("only %d moves reached the server", held.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := c.Play(pctx, "ch-x", "pb-1", []string{"sound:vm-intro"}, "en"); err != nil {
		t.Fatalf("play while %d moves are held: %v", held.Load(), err)
	}
	t.Logf("play answered in %v with %d moves held", time.Since(start).Round(time.Millisecond), held.Load())
	if n := held.Load(); n > int32(DefaultMoveConnections) {
		t.Errorf("%d moves held at once, want at most %d (their own pool)", n, DefaultMoveConnections)
	}
	unblock()
}

// A request that times out waiting for a connection never reached
// Asterisk, and says so (ErrNotSent); one that reached it and got no answer
// in time may have been acted on, and does not; nor does one answered with
// an error status.
func TestErrNotSent(t *testing.T) {
	srv := aritest.NewServer(t)
	arrived := make(chan struct{}, 1)
	srv.Handle(http.MethodPost, "/ari/channels/{id}/move", func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	srv.Handle(http.MethodPost, "/ari/channels/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword,
		MoveConnections: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	first := make(chan error, 1)
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { first <- c.Move(fctx, "ch-1", "voicemail-b", nil) }()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("the first move never arrived")
	}
	// The only Move connection is held: the second Move waits for it and
	// times out without being sent.
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	err = c.Move(sctx, "ch-2", "voicemail-b", nil)
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("move stuck behind another = %v, want ErrNotSent and DeadlineExceeded", err)
	}
	stop()
	if err := <-first; !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotSent) {
		t.Errorf("move sent and not answered = %v, want Canceled without ErrNotSent", err)
	}
	if err := c.Answer(ctx, "ch-1"); !errors.Is(err, ErrServer) || errors.Is(err, ErrNotSent) {
		t.Errorf("answer refused with 500 = %v, want ErrServer without ErrNotSent", err)
	}
	srv.Close()
	if err := c.Answer(ctx, "ch-1"); !errors.Is(err, ErrNotSent) {
		t.Errorf("answer to a closed server = %v, want ErrNotSent", err)
	}
}
