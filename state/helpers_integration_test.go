package state

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/clusterpbx/voicemail/state/redistest"
)

// testTimeout bounds every test's Redis work, so a hang fails the test
// instead of the whole run.
const testTimeout = 60 * time.Second

// newTestStore starts a private Redis and returns a Store on it, with the
// cheapest bcrypt cost unless cfg sets one. With VOICEMAIL_TEST_REDIS_MODE=cluster
// it uses the package's 3-master Redis Cluster instead, emptied first.
func newTestStore(tb testing.TB, cfg Config) (*Store, redis.UniversalClient) {
	tb.Helper()
	if testCluster != nil {
		ctx := testCtx(tb)
		if err := testCluster.Client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.FlushAll(ctx).Err()
		}); err != nil {
			tb.Fatalf("flush the cluster: %v", err)
		}
		return newStoreOn(tb, cfg, testCluster.Client), testCluster.Client
	}
	rdb := redistest.Start(tb)
	return newStoreOn(tb, cfg, rdb), rdb
}

// testCluster is the Redis Cluster the package's tests use when
// VOICEMAIL_TEST_REDIS_MODE=cluster (testenv/test runs them that way too).
var testCluster *redistest.Cluster

func TestMain(m *testing.M) {
	if os.Getenv("VOICEMAIL_TEST_REDIS_MODE") == "cluster" {
		dir, err := os.MkdirTemp("", "redis-cluster-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		testCluster, err = redistest.NewCluster(3, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		code := m.Run()
		testCluster.Close()
		_ = os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// newStoreOn returns a Store on an existing client: another "instance".
func newStoreOn(tb testing.TB, cfg Config, rdb redis.UniversalClient) *Store {
	tb.Helper()
	if cfg.PINHashCost == 0 {
		cfg.PINHashCost = bcrypt.MinCost
	}
	s, err := New(cfg, rdb)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// testCtx is the test's context with testTimeout.
func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), testTimeout)
	tb.Cleanup(cancel)
	return ctx
}

// mustID parses a mailbox id or fails the test.
func mustID(tb testing.TB, s string) MailboxID {
	tb.Helper()
	id, err := ParseMailbox(s)
	if err != nil {
		tb.Fatalf("ParseMailbox(%q): %v", s, err)
	}
	return id
}

// eventually polls cond every 20ms until it holds or timeout passes
// (nats-server's checkFor).
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
