package state

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestCounts(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "1001")

	got, err := s.Counts(ctx, id)
	if err != nil || got != (Counts{}) {
		t.Fatalf("Counts(empty) = %+v, %v", got, err)
	}

	add := func(key string, n int) {
		t.Helper()
		for i := range n {
			if err := rdb.ZAdd(ctx, key, zMember(i)).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("vm:{1001@default}:f:0", 3)
	add("vm:{1001@default}:f:1", 2)
	add("vm:{1001@default}:f:2", 1)
	add("vm:{1001@default}:f:4", 5)
	add("vm:{1001@sales}:f:0", 7) // another mailbox, same number
	got, err = s.Counts(ctx, id)
	want := Counts{New: 3, Old: 2, Work: 1, Family: 0, Friends: 5}
	if err != nil || got != want {
		t.Fatalf("Counts = %+v, %v; want %+v", got, err, want)
	}
	got, err = s.Counts(ctx, mustID(t, "1001@sales"))
	if err != nil || got != (Counts{New: 7}) {
		t.Fatalf("Counts(1001@sales) = %+v, %v", got, err)
	}
	for _, f := range AllFolders {
		if k := folderKey(id, f); k != fmt.Sprintf("vm:{1001@default}:f:%d", f) {
			t.Errorf("folderKey(%v) = %s", f, k)
		}
	}
	if _, err := s.Counts(ctx, MailboxID{Number: "*", Context: "default"}); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("Counts(invalid) = %v, want ErrInvalidMailbox", err)
	}
}

// Counts makes one round trip: its ZCARDs go in one pipeline. (A new
// connection's handshake also passes through the hooks, so only ZCARD is
// counted.)
func TestCountsOneRoundTrip(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	hook := &countingHook{}
	rdb.AddHook(hook)
	if _, err := s.Counts(ctx, mustID(t, "1001")); err != nil {
		t.Fatal(err)
	}
	if c, p := hook.cmds.Load(), hook.pipelines.Load(); c != 0 || p != 1 {
		t.Errorf("%d commands and %d pipelines, want one pipeline", c, p)
	}
}

// countingHook counts the lone ZCARD commands and the pipelines holding a
// ZCARD that a client sends.
type countingHook struct {
	cmds, pipelines atomic.Int64
}

// DialHook passes dials through.
func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts lone ZCARDs.
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "zcard" {
			h.cmds.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts pipelines holding a ZCARD.
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "zcard" {
				h.pipelines.Add(1)
				break
			}
		}
		return next(ctx, cmds)
	}
}

// zMember is a folder entry for message i.
func zMember(i int) redis.Z {
	return redis.Z{Score: float64(1700000000000 + i), Member: fmt.Sprint("msg", i)}
}
