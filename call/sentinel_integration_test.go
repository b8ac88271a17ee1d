package call

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// TestSentinelFailoverDuringAppDeposits leaves messages the way a call
// does at the end of a recording (saveMessage: the store as the app builds
// it, its retries, its answer to the caller) from four callers at once,
// while the Sentinels fail the master over. Every
// message whose caller was told "saved" must be on the new master. It
// runs in testenv/test's Sentinel step (VOICEMAIL_TEST_REDIS_MODE=sentinel)
// on a Sentinel setup of its own; ARI and the audio are fakes.
func TestSentinelFailoverDuringAppDeposits(t *testing.T) {
	if os.Getenv("VOICEMAIL_TEST_REDIS_MODE") != "sentinel" {
		t.Skip("runs in the Sentinel step: VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test sets it)")
	}
	sn := redistest.StartSentinel(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The store as the app builds it with redis.min_replicas 1: a
	// failover client whose read timeout covers a write's WAIT for a
	// replica (app newRedis).
	stCfg := state.Config{MinReplicas: 1, MaxMessages: 9999}.WithDefaults()
	rdb := sn.Client(func(o *redis.FailoverOptions) { o.ReadTimeout = 3*time.Second + stCfg.ReplicaWait })
	defer rdb.Close()
	store, err := state.New(stCfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := menus.New(menus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	messages := &notReplicatedCounter{MessageStore: store}

	const workers, perPhase = 4, 25
	type left struct {
		mailbox state.MailboxID
		id      string
	}
	var (
		mu         sync.Mutex
		saved      []left
		notSaved   []string
		savedAfter int
		failedOver bool
		slowest    time.Duration
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			number := fmt.Sprintf("20%02d", w)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				fa, fs := &fakeARI{}, &fakeStore{}
				deps := &callDeps{engine: engine, player: fa, recorder: fa, channel: fa, auth: store, sessions: store,
					messages: messages, audio: fs, mwi: &fakeMWI{}, cfg: testConfig,
					instance: "it", app: "voicemail"}
				c := newCall(fmt.Sprintf("ch-%d-%d", w, n), deps, zap.NewNop())
				id := state.NewMessageID(time.Now())
				start := time.Now()
				got := c.saveMessage(ctx, menus.Cmd{Duration: 5, Deposit: &menus.Deposit{
					Mailbox: mailbox.MustParseID(number + "@default"), Number: number, MinSeconds: 2, MaxSeconds: 60, MessageID: id,
					Recording: "voicemail/default/" + number + "/msg/" + id, CallerNum: "2001"}})
				took := time.Since(start)
				mu.Lock()
				slowest = max(slowest, took)
				switch {
				case got.OK:
					saved = append(saved, left{state.MailboxID{Number: number, Context: "default"}, id})
					if failedOver {
						savedAfter++
					}
				default:
					notSaved = append(notSaved, id)
				}
				if len(fs.deleted) > 0 {
					t.Errorf("message %s: its audio was deleted: %q", id, fs.deleted)
				}
				mu.Unlock()
			}
		}()
	}
	stopped := false
	halt := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer halt()
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(saved), savedAfter
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("messages saved before the failover", func() bool { n, _ := count(); return n >= perPhase })
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
	waitFor("messages saved after the failover", func() bool { _, n := count(); return n >= perPhase })
	halt()

	direct := redis.NewClient(&redis.Options{Addr: newMaster})
	defer direct.Close()
	var missing []string
	for _, m := range saved {
		n, err := direct.Exists(ctx, "vm:{"+m.mailbox.String()+"}:msg:"+m.id).Result()
		if err != nil || n != 1 {
			missing = append(missing, m.id)
		}
	}
	t.Logf("failover %s -> %s took %v; %d messages told saved (%d after the failover), %d told not saved, slowest save %v, %d deposits not confirmed by a replica on the way, %d saved messages missing on the new master",
		old, newMaster, failoverTook, len(saved), savedAfter, len(notSaved), slowest,
		messages.n.Load(), len(missing))
	if len(missing) > 0 {
		t.Errorf("%d messages told saved are not on the new master, first %v", len(missing), missing[:min(len(missing), 10)])
	}
	if len(notSaved) > 0 {
		t.Errorf("%d callers told their message was not saved, first %v", len(notSaved), notSaved[:min(len(notSaved), 10)])
	}
}

// notReplicatedCounter counts the deposits that the master applied but
// too few replicas confirmed (state.ErrNotReplicated).
type notReplicatedCounter struct {
	MessageStore
	n atomic.Int64
}

func (c *notReplicatedCounter) Deposit(ctx context.Context, m state.Message) (state.MWI, error) {
	v, err := c.MessageStore.Deposit(ctx, m)
	if errors.Is(err, state.ErrNotReplicated) {
		c.n.Add(1)
	}
	return v, err
}
