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

func TestStartSentinel(t *testing.T) {
	start := time.Now()
	s := redistest.StartSentinel(t, 1)
	t.Logf("master, replica and 3 sentinels up in %v", time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rdb := s.Client()
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	old, err := s.MasterAddr(ctx)
	if err != nil || old != s.Nodes()[0] {
		t.Fatalf("master %q, %v; want the first node %s", old, err, s.Nodes()[0])
	}
	if n, err := rdb.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v; want the replica's confirmation", n, err)
	}
	start = time.Now()
	master, err := s.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover to %s in %v", master, time.Since(start))
	if master == old {
		t.Fatalf("master still %s after a failover", master)
	}
	// The failover client follows: the key is there, and writes work.
	if err := rdb.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Fatalf("write after the failover: %v", err)
	}
	direct := redis.NewClient(&redis.Options{Addr: master})
	defer direct.Close()
	if got := direct.MGet(ctx, "k", "k2").Val(); len(got) != 2 || got[0] != "v" || got[1] != "v2" {
		t.Fatalf("new master holds %v, want v and v2", got)
	}
}
