package state

import (
	"context"
	"fmt"
	"os"
	"sync"
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
// it uses the package's 3-master Redis Cluster instead, emptied first; with
// VOICEMAIL_TEST_REDIS_MODE=sentinel the package's master and replica behind
// three Sentinels, emptied first, through a failover client, and every
// write whose loss matters waits for the replica (MinReplicas 1, unless cfg
// sets it).
func newTestStore(tb testing.TB, cfg Config) (*Store, redis.UniversalClient) {
	tb.Helper()
	if testSentinel != nil {
		rdb := testSentinel.Client()
		tb.Cleanup(func() { _ = rdb.Close() })
		if err := rdb.FlushAll(testCtx(tb)).Err(); err != nil {
			tb.Fatalf("flush the master: %v", err)
		}
		if cfg.MinReplicas == 0 {
			cfg.MinReplicas, cfg.ReplicaWait = 1, 5*time.Second
		}
		return newStoreOn(tb, cfg, rdb), rdb
	}
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

// testSentinel is the master, replica and Sentinels the package's tests use
// when VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test runs them that way
// too).
var testSentinel *redistest.Sentinel

// redisMode is VOICEMAIL_TEST_REDIS_MODE: "" (a private server per test),
// cluster or sentinel.
var redisMode = os.Getenv("VOICEMAIL_TEST_REDIS_MODE")

func TestMain(m *testing.M) {
	if redisMode == "sentinel" {
		dir, err := os.MkdirTemp("", "redis-sentinel-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		testSentinel, err = redistest.NewSentinel(1, 3, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		code := m.Run()
		testSentinel.Close()
		_ = os.RemoveAll(dir)
		os.Exit(code)
	}
	if redisMode == "cluster" {
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
func newStoreOn(tb testing.TB, cfg Config, rdb redis.UniversalClient, opts ...Option) *Store {
	tb.Helper()
	if cfg.PINHashCost == 0 {
		cfg.PINHashCost = bcrypt.MinCost
	}
	s, err := New(cfg, rdb, opts...)
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

// allKeys returns every key in rdb: on a Redis Cluster, those of every
// master (KEYS on a cluster client asks one node only).
func allKeys(tb testing.TB, rdb redis.UniversalClient) []string {
	tb.Helper()
	ctx := testCtx(tb)
	c, ok := rdb.(*redis.ClusterClient)
	if !ok {
		keys, err := rdb.Keys(ctx, "*").Result()
		if err != nil {
			tb.Fatal(err)
		}
		return keys
	}
	var mu sync.Mutex
	var keys []string
	if err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		k, err := n.Keys(ctx, "*").Result()
		mu.Lock()
		keys = append(keys, k...)
		mu.Unlock()
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return keys
}
