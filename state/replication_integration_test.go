package state

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitCalls returns how many WAIT commands each master has run, by
// address (INFO commandstats).
func waitCalls(tb testing.TB, rdb redis.UniversalClient) map[string]int64 {
	tb.Helper()
	ctx := testCtx(tb)
	out := map[string]int64{}
	count := func(c *redis.Client) error {
		info, err := c.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		n := int64(0)
		for _, line := range strings.Split(info, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_wait:calls="); ok {
				n, _ = strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			}
		}
		out[c.Options().Addr] = n
		return nil
	}
	var err error
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		// ForEachMaster runs the callbacks at once; count one at a time.
		var (
			mu    sync.Mutex
			nodes []*redis.Client
		)
		err = c.ForEachMaster(ctx, func(_ context.Context, n *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			nodes = append(nodes, n)
			return nil
		})
		for _, n := range nodes {
			if err == nil {
				err = count(n)
			}
		}
	case *redis.Client:
		err = count(c)
	default:
		tb.Fatalf("waitCalls: client %T", rdb)
	}
	if err != nil {
		tb.Fatalf("INFO commandstats: %v", err)
	}
	return out
}

// nodeOf returns the address of the master that holds key.
func nodeOf(tb testing.TB, rdb redis.UniversalClient, key string) string {
	tb.Helper()
	if c, ok := rdb.(*redis.ClusterClient); ok {
		n, err := c.MasterForKey(testCtx(tb), key)
		if err != nil {
			tb.Fatal(err)
		}
		return n.Options().Addr
	}
	return rdb.(*redis.Client).Options().Addr
}

// TestWritesWaitForReplicas runs each write whose loss matters on a Redis
// without replicas with MinReplicas 1: each is applied, sends one WAIT to
// the master that holds its keys (on a Cluster, that node and no other),
// waits ReplicaWait, and reports ErrNotReplicated (a lockout only logs
// it: the caller hears "login incorrect" either way). With MinReplicas 0
// (the default) nothing waits.
func TestWritesWaitForReplicas(t *testing.T) {
	if redisMode == "sentinel" {
		t.Skip("the Sentinel setup has a replica, which confirms every write (see TestSentinelNotReplicatedWhileReplicaPaused)")
	}
	const replicaWait = 30 * time.Millisecond
	off, rdb := newTestStore(t, Config{})
	on := newStoreOn(t, Config{MinReplicas: 1, ReplicaWait: replicaWait}, rdb)
	lockout := newStoreOn(t, Config{MinReplicas: 1, ReplicaWait: replicaWait, MaxFailures: 1}, rdb)
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	if _, err := off.Provision(ctx, []MailboxConfig{{ID: mb, Name: "Alice", PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	msg := func(id string) Message { return testMessage(mb, id, 0) }
	greeting := "voicemail/default/1001/greeting/unavail-1"
	// Each write below sends one WAIT, once Redis has its script; the
	// last subtest shows a script Redis does not have costing two.
	for _, sc := range []*redis.Script{messageDepositScript, messageMoveScript, folderCloseScript,
		greetingSwapScript, pinSetScript, authFailScript, sessionClaimScript} {
		if err := sc.Load(ctx, rdb).Err(); err != nil {
			t.Fatal(err)
		}
	}

	for _, tt := range []struct {
		name    string
		setup   func(s *Store) error // with the store that does not wait
		write   func(s *Store) error
		key     string       // a key the write changes
		noError bool         // the write reports no error (it logs the verdict)
		check   func() error // that the write was applied
		waits   int64        // WAITs sent: 1 unless set
	}{
		{
			name:  "deposit",
			write: func(s *Store) error { _, err := s.Deposit(ctx, msg("d1")); return err },
			key:   messageKey(mb, "d1"),
			check: func() error { _, err := off.Message(ctx, mb, "d1"); return err },
		},
		{
			// A retried deposit writes nothing, yet must not be
			// confirmed by an earlier, unrelated write's replication.
			name:  "deposit retried",
			setup: func(s *Store) error { _, err := s.Deposit(ctx, msg("d2")); return err },
			write: func(s *Store) error { _, err := s.Deposit(ctx, msg("d2")); return err },
			key:   messageKey(mb, "d2"),
			check: func() error { _, err := off.Message(ctx, mb, "d2"); return err },
		},
		{
			name:  "move",
			setup: func(s *Store) error { _, err := s.Deposit(ctx, msg("d3")); return err },
			write: func(s *Store) error { _, err := s.Move(ctx, mb, "d3", FolderWork); return err },
			key:   messageKey(mb, "d3"),
			check: func() error {
				if m, err := off.Message(ctx, mb, "d3"); err != nil || m.Folder != FolderWork {
					return errors.New("not in Work")
				}
				return nil
			},
		},
		{
			name:  "close folder",
			setup: func(s *Store) error { _, err := s.Deposit(ctx, msg("d4")); return err },
			write: func(s *Store) error {
				removed, _, err := s.CloseFolder(ctx, mb, FolderNew, nil, []string{"d4"})
				if len(removed) != 1 {
					return errors.New("removed " + strings.Join(removed, ","))
				}
				return err
			},
			key: folderKey(mb, FolderNew),
			check: func() error {
				if _, err := off.Message(ctx, mb, "d4"); !errors.Is(err, ErrMessageNotFound) {
					return errors.New("d4 still there")
				}
				return nil
			},
		},
		{
			name:  "set greeting",
			write: func(s *Store) error { _, err := s.SetGreeting(ctx, mb, GreetingUnavail, greeting); return err },
			key:   greetingsKey(mb),
			check: func() error {
				if g, err := off.Greetings(ctx, mb); err != nil || g[GreetingUnavail] != greeting {
					return errors.New("greeting not set")
				}
				return nil
			},
		},
		{
			name: "clear greeting",
			write: func(s *Store) error {
				prev, err := s.ClearGreeting(ctx, mb, GreetingUnavail)
				if prev != greeting {
					return errors.New("previous " + prev)
				}
				return err
			},
			key: greetingsKey(mb),
			check: func() error {
				if g, err := off.Greetings(ctx, mb); err != nil || g[GreetingUnavail] != "" {
					return errors.New("greeting not cleared")
				}
				return nil
			},
		},
		{
			name:  "set PIN",
			write: func(s *Store) error { return s.SetPIN(ctx, mb, "97531") },
			key:   boxKey(mb),
			check: func() error { _, err := off.Authenticate(ctx, mb, "97531"); return err },
		},
		{
			name: "lockout",
			write: func(*Store) error {
				if _, err := lockout.Authenticate(ctx, mb, "0000"); !errors.Is(err, ErrWrongPIN) {
					return errors.New("not ErrWrongPIN")
				}
				return nil
			},
			key:     authLockKey(mb),
			noError: true,
			check: func() error {
				if l, err := off.Lockout(ctx, mb); err != nil || l.Remaining <= 0 {
					return errors.New("not locked out")
				}
				return nil
			},
		},
		{
			name: "claim session",
			write: func(s *Store) error {
				epoch, err := s.ClaimSession(ctx, "ch-1", "b", "voicemail-b", "")
				if epoch != 1 {
					return errors.New("epoch " + strconv.FormatInt(epoch, 10))
				}
				return err
			},
			key: sessionKey("ch-1"),
			check: func() error {
				if sess, err := off.LoadSession(ctx, "ch-1"); err != nil || sess.Instance != "b" {
					return errors.New("not claimed")
				}
				return nil
			},
		},
		{
			// EVALSHA fails with NOSCRIPT, and EVAL runs it: two
			// pipelines, each with its WAIT.
			name: "deposit of a script Redis does not have",
			setup: func(*Store) error {
				if c, ok := rdb.(*redis.ClusterClient); ok {
					return c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
						return n.ScriptFlush(ctx).Err()
					})
				}
				return rdb.ScriptFlush(ctx).Err()
			},
			write: func(s *Store) error { _, err := s.Deposit(ctx, msg("d0")); return err },
			key:   messageKey(mb, "d0"),
			check: func() error { _, err := off.Message(ctx, mb, "d0"); return err },
			waits: 2,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				before := waitCalls(t, rdb)
				if err := tt.setup(off); err != nil {
					t.Fatal(err)
				}
				if after := waitCalls(t, rdb); !mapsEqual(before, after) {
					t.Errorf("MinReplicas 0 sent WAIT: %v, then %v", before, after)
				}
			}
			before := waitCalls(t, rdb)
			start := time.Now()
			err := tt.write(on)
			took := time.Since(start)
			after := waitCalls(t, rdb)
			switch {
			case tt.noError && err != nil:
				t.Errorf("write: %v", err)
			case !tt.noError && !errors.Is(err, ErrNotReplicated):
				t.Errorf("write: %v, want ErrNotReplicated (no replica confirmed it)", err)
			}
			waits := max(tt.waits, 1)
			if took < time.Duration(waits)*replicaWait || took > time.Duration(waits)*replicaWait+2*time.Second {
				t.Errorf("write took %v, want %d times ReplicaWait %v and little more", took, waits, replicaWait)
			}
			node := nodeOf(t, rdb, tt.key)
			for addr, n := range after {
				want := before[addr]
				if addr == node {
					want += waits
				}
				if n != want {
					t.Errorf("master %s ran %d WAITs, want %d (the write's own node: %s)", addr, n-before[addr], want-before[addr], node)
				}
			}
			if err := tt.check(); err != nil {
				t.Errorf("the write was not applied: %v", err)
			}
		})
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// sentinelOnly skips tests that fail a Sentinel setup of their own over,
// unless VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test's Sentinel step).
func sentinelOnly(t *testing.T) {
	t.Helper()
	if redisMode != "sentinel" {
		t.Skip("runs in the Sentinel step: VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test sets it)")
	}
}
