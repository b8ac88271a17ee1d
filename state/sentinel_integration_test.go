package state

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/state/redistest"
)

// depositUntilAcknowledged deposits m, retrying every error (as the app
// does: a deposit is idempotent) until one returns nil or giveUp passes. It
// returns the last error and how many ErrNotReplicated it saw.
func depositUntilAcknowledged(ctx context.Context, s *Store, m Message, giveUp time.Duration) (notReplicated int, err error) {
	deadline := time.Now().Add(giveUp)
	for {
		_, err = s.Deposit(ctx, m)
		if err == nil {
			return notReplicated, nil
		}
		if errors.Is(err, ErrNotReplicated) {
			notReplicated++
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return notReplicated, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// missingOn returns the ids of msgs that the master at addr does not hold
// in their mailbox's New folder.
func missingOn(tb testing.TB, addr string, msgs []Message) []string {
	tb.Helper()
	ctx := testCtx(tb)
	rc := redis.NewClient(&redis.Options{Addr: addr})
	defer rc.Close()
	var missing []string
	for _, m := range msgs {
		_, err := rc.ZScore(ctx, folderKey(m.Mailbox, FolderNew), m.ID).Result()
		n, err2 := rc.Exists(ctx, messageKey(m.Mailbox, m.ID)).Result()
		if err != nil || err2 != nil || n != 1 {
			missing = append(missing, m.ID)
		}
	}
	return missing
}

// With the replica paused, a write returns ErrNotReplicated after
// ReplicaWait, though the master has it. Another instance that retries it
// on a connection whose last write the replica did get (the script finds
// the message and writes nothing) is not confirmed by that old write
// either. Once the replica is back, the retry is confirmed.
func TestSentinelNotReplicatedWhileReplicaPaused(t *testing.T) {
	sentinelOnly(t)
	const replicaWait = 300 * time.Millisecond
	sn := redistest.StartSentinel(t, 1)
	ctx := testCtx(t)
	cfg := Config{MinReplicas: 1, ReplicaWait: replicaWait}
	oneConn := func(o *redis.FailoverOptions) { o.PoolSize = 1 }
	rdb, otherRdb := sn.Client(oneConn), sn.Client(oneConn)
	defer rdb.Close()
	defer otherRdb.Close()
	s, other := newStoreOn(t, cfg, rdb), newStoreOn(t, cfg, otherRdb)
	mb := mustID(t, "1001")

	start := time.Now()
	if _, err := s.Deposit(ctx, testMessage(mb, "m1", 0)); err != nil {
		t.Fatalf("deposit with the replica up: %v", err)
	}
	t.Logf("a deposit the replica confirmed took %v", time.Since(start))
	if _, err := other.Deposit(ctx, testMessage(mb, "m0", 0)); err != nil {
		t.Fatalf("the other instance's deposit: %v", err)
	}
	if err := sn.WaitReplicas(ctx, sn.Nodes()[0], 1); err != nil {
		t.Fatal(err)
	}

	replica := sn.Nodes()[1]
	if err := sn.Pause(replica); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sn.Resume(replica) }()
	start = time.Now()
	_, err := s.Deposit(ctx, testMessage(mb, "m2", 1))
	took := time.Since(start)
	if !errors.Is(err, ErrNotReplicated) {
		t.Fatalf("deposit with the replica paused: %v, want ErrNotReplicated", err)
	}
	if took < replicaWait || took > replicaWait+2*time.Second {
		t.Errorf("deposit with the replica paused took %v, want ReplicaWait %v and little more", took, replicaWait)
	}
	t.Logf("with the replica paused: %v after %v", err, took)
	if _, err := s.Message(ctx, mb, "m2"); err != nil {
		t.Errorf("the master does not have the unconfirmed deposit: %v", err)
	}
	if _, err := other.Deposit(ctx, testMessage(mb, "m2", 1)); !errors.Is(err, ErrNotReplicated) {
		t.Errorf("the other instance's retry, replica paused: %v, want ErrNotReplicated", err)
	}

	if err := sn.Resume(replica); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the retry to be confirmed once the replica is back", func() bool {
		_, err := other.Deposit(ctx, testMessage(mb, "m2", 1))
		return err == nil
	})
}

// A master that took a deposit no replica got, and then crashed, is
// replaced by a replica without it: that deposit must not have been
// acknowledged. The replicas are paused and their links cut, so the
// master cannot send them the deposit; then the master is killed and the
// Sentinels promote a replica. The deposit is retried only if it was not
// acknowledged, as the app does. Without WAIT it is acknowledged at once,
// and lost.
func TestSentinelKilledMasterLosesNoAcknowledgedDeposit(t *testing.T) {
	sentinelOnly(t)
	sn := redistest.StartSentinel(t, 2)
	ctx := testCtx(t)
	rdb := sn.Client()
	defer rdb.Close()
	s := newStoreOn(t, Config{MinReplicas: 1, ReplicaWait: 300 * time.Millisecond}, rdb)
	mb := mustID(t, "1001")
	before := testMessage(mb, "m-before", 0)
	if _, err := s.Deposit(ctx, before); err != nil {
		t.Fatal(err)
	}

	master, replicas := sn.Nodes()[0], sn.Nodes()[1:]
	for _, r := range replicas {
		if err := sn.Pause(r); err != nil {
			t.Fatal(err)
		}
	}
	direct := redis.NewClient(&redis.Options{Addr: master})
	defer direct.Close()
	if err := direct.ClientKillByFilter(ctx, "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
	m := testMessage(mb, "m-at-risk", 1)
	_, err := s.Deposit(ctx, m)
	acknowledged := err == nil
	t.Logf("deposit while no replica could get it: %v", err)
	if err := sn.Kill(master); err != nil {
		t.Fatal(err)
	}
	for _, r := range replicas {
		if err := sn.Resume(r); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	newMaster, err := sn.WaitMaster(ctx, master)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the Sentinels promoted %s %v after the kill", newMaster, time.Since(start))
	if !acknowledged {
		start = time.Now()
		n, err := depositUntilAcknowledged(ctx, s, m, 30*time.Second)
		if err != nil {
			t.Fatalf("deposit never acknowledged after the failover: %v", err)
		}
		t.Logf("retried deposit acknowledged %v after the promotion (%d more not replicated)", time.Since(start), n)
	}
	if missing := missingOn(t, newMaster, []Message{before, m}); len(missing) > 0 {
		t.Errorf("acknowledged deposits missing on the new master: %v", missing)
	}
}

// TestSentinelFailoverDuringDeposits fails the master over (SENTINEL
// FAILOVER) while four callers deposit messages in a loop, each retrying
// until acknowledged, and then checks that the new master holds every
// acknowledged message.
//
// The master has one replica and MinReplicas is 1: every replica must
// confirm. With two replicas and MinReplicas 1 this test loses thousands
// of acknowledged deposits (5705 of 7236 in one run): during a manual
// failover the old master goes on taking writes for about a second after
// the Sentinels promoted one replica, and the other replica, not yet moved
// to the new master, confirms them; moved, it drops them.
func TestSentinelFailoverDuringDeposits(t *testing.T) {
	sentinelOnly(t)
	sn := redistest.StartSentinel(t, 1)
	ctx := testCtx(t)
	rdb := sn.Client()
	defer rdb.Close()
	s := newStoreOn(t, Config{MinReplicas: 1, ReplicaWait: 500 * time.Millisecond, MaxMessages: maxMaxMessages}, rdb)

	const workers, perPhase = 4, 40
	var (
		mu            sync.Mutex
		acked         []Message
		ackedAfter    int
		notReplicated int
		gaveUp        []string
		slowest       time.Duration
		failedOver    bool
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		mb := mustID(t, fmt.Sprintf("10%02d", w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				m := testMessage(mb, fmt.Sprintf("w%d-%d", w, n), int64(n))
				start := time.Now()
				nr, err := depositUntilAcknowledged(ctx, s, m, 30*time.Second)
				took := time.Since(start)
				mu.Lock()
				notReplicated += nr
				slowest = max(slowest, took)
				if err != nil {
					gaveUp = append(gaveUp, m.ID+": "+err.Error())
				} else {
					acked = append(acked, m)
					if failedOver {
						ackedAfter++
					}
				}
				mu.Unlock()
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), ackedAfter
	}
	eventually(t, 30*time.Second, "deposits before the failover", func() bool { n, _ := count(); return n >= perPhase })
	old, _ := sn.MasterAddr(ctx)
	start := time.Now()
	newMaster, err := sn.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failoverTook := time.Since(start)
	mu.Lock()
	failedOver = true
	mu.Unlock()
	eventually(t, 45*time.Second, "deposits after the failover", func() bool { _, n := count(); return n >= perPhase })
	close(stop)
	wg.Wait()
	stop = make(chan struct{}) // for the deferred close

	mu.Lock()
	defer mu.Unlock()
	missing := missingOn(t, newMaster, acked)
	t.Logf("failover %s -> %s took %v; %d deposits acknowledged (%d after the failover), %d answers ErrNotReplicated, %d given up, slowest acknowledgement %v, %d acknowledged missing on the new master",
		old, newMaster, failoverTook, len(acked), ackedAfter, notReplicated, len(gaveUp), slowest, len(missing))
	if len(missing) > 0 {
		t.Errorf("%d acknowledged deposits lost in the failover, first %v", len(missing), missing[:min(len(missing), 10)])
	}
	if len(gaveUp) > 0 {
		t.Errorf("%d deposits never acknowledged within 30 s, first %v", len(gaveUp), gaveUp[:min(len(gaveUp), 10)])
	}
}
