package redistest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/state/redistest"
)

func TestStart(t *testing.T) {
	start := time.Now()
	rdb := redistest.Start(t)
	took := time.Since(start)
	t.Logf("redis-server up in %v", took)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := rdb.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("GET k = %q, want v", got)
	}
	// A restart keeps the data (the append-only file).
	redistest.Restart(t, rdb, 100*time.Millisecond)
	if got := rdb.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("after a restart GET k = %q, want v", got)
	}
	// A second server is independent of the first.
	other := redistest.Start(t)
	if n := other.Exists(ctx, "k").Val(); n != 0 {
		t.Fatalf("second server sees key of the first")
	}
}

func TestStartCluster(t *testing.T) {
	rdb := redistest.StartCluster(t, 3)
	ctx := context.Background()
	// Keys spread over the three masters; a hash tag keeps keys together.
	for _, k := range []string{"a", "b", "c", "{x}1", "{x}2"} {
		if err := rdb.Set(ctx, k, "v", 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	if err := rdb.MGet(ctx, "{x}1", "{x}2").Err(); err != nil {
		t.Errorf("MGET of one slot: %v", err)
	}
	var masters atomic.Int32 // the callback runs on every master at once
	if err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		masters.Add(1)
		return nil
	}); err != nil || masters.Load() != 3 {
		t.Errorf("masters: %d, %v", masters.Load(), err)
	}
}
