package redistest_test

import (
	"context"
	"testing"
	"time"

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
