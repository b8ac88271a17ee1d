package call

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// roundTrips counts the Redis round trips a client makes: one per command
// sent alone (a script's EVALSHA, and its EVAL after NOSCRIPT), one per
// pipeline or transaction.
type roundTrips struct {
	n   atomic.Int64
	log func(string)
}

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		if r.log != nil {
			r.log(cmd.Name())
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		if r.log != nil {
			r.log("pipeline " + cmds[0].Name())
		}
		return next(ctx, cmds)
	}
}

var _ redis.Hook = (*roundTrips)(nil)

// Budgets of Redis round trips per menu step, as the issue sets them
// (issue 6: at most 3 per menu step).
const maxRoundTripsPerStep = 3

// TestRedisRoundTripsPerStep walks a login, listen, save-to-folder, exit
// call through a call whose store is a real Redis, and fails when a menu
// step takes more round trips than its budget. A menu step is one Step of
// the engine with its session save and the commands it emits; the result
// of a command (a login checked, a folder read, a message moved) is the
// next step. The walk runs twice, on two mailboxes, and only the second
// counts: the first loads the Lua scripts. In testenv/test's Sentinel step
// (VOICEMAIL_TEST_REDIS_MODE=sentinel) it runs again through a failover
// client with redis.min_replicas 1: each write's WAIT goes in the write's
// own round trip.
func TestRedisRoundTripsPerStep(t *testing.T) {
	t.Run("one server", func(t *testing.T) {
		roundTripsPerStep(t, redistest.Start(t), state.Config{PINHashCost: 4})
	})
	t.Run("Sentinel, min_replicas 1", func(t *testing.T) {
		if os.Getenv("VOICEMAIL_TEST_REDIS_MODE") != "sentinel" {
			t.Skip("runs in the Sentinel step: VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test sets it)")
		}
		rdb := redistest.StartSentinel(t, 1).Client()
		defer rdb.Close()
		roundTripsPerStep(t, rdb, state.Config{PINHashCost: 4, MinReplicas: 1, ReplicaWait: 2 * time.Second})
	})
}

func roundTripsPerStep(t *testing.T, rdb *redis.Client, cfg state.Config) {
	rt := &roundTrips{}
	rdb.AddHook(rt)
	st, err := state.New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	walk := func(number string) (steps []string, counts []int64) {
		t.Helper()
		id := state.MailboxID{Number: number, Context: "default"}
		if _, err := st.Provision(ctx, []state.MailboxConfig{{ID: id, Name: "Alice", PIN: "2580"}}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			msgID := state.NewMessageID(time.Now())
			if _, err := st.Deposit(ctx, state.Message{ID: msgID, Mailbox: id, Folder: state.FolderNew,
				Recording: "voicemail/default/" + number + "/msg/" + msgID, CallerNum: "2001", Received: time.Now(),
				Duration: 5 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}
		engine, err := menus.New(menus.Config{})
		if err != nil {
			t.Fatal(err)
		}
		fa, fm := &fakeARI{}, &fakeMWI{}
		deps := &callDeps{engine: engine, player: fa, recorder: fa, channel: fa, auth: st, sessions: st,
			messages: st, audio: &fakeStore{}, mwi: fm, cfg: testConfig, instance: "it", app: "voicemail"}
		c := newCall("ch-"+number, deps, zap.NewNop())
		c.epoch = 1
		// step applies ev, then the results its commands queued, one
		// engine step each, as the call's goroutine would.
		step := func(name string, ev menus.Event) {
			t.Helper()
			for {
				before := rt.n.Load()
				c.step(ctx, ev)
				steps, counts = append(steps, name), append(counts, rt.n.Load()-before)
				c.in.mu.Lock()
				n := len(c.in.items)
				c.in.mu.Unlock()
				if n == 0 {
					return
				}
				it, _ := c.in.pop(ctx)
				if it.fn != nil {
					t.Fatalf("%s: queued work %v, want an event", name, it)
				}
				ev, name = it.ev, "  then "+string(it.ev.Kind)
			}
		}
		promptDone := func(name string) {
			t.Helper()
			if c.s.Playback == "" {
				t.Fatalf("%s: nothing plays (menu %s, phase %s)", name, c.s.Menu, c.s.Phase)
			}
			step(name, menus.PromptDone(c.s.Playback))
		}
		step("start", menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: id, Lang: "en"}})
		promptDone("vm-password ends")
		for _, d := range "2580" {
			step("PIN digit", menus.Digit(byte(d)))
		}
		step("# (PIN checked, with counts and greetings)", menus.Digit('#'))
		promptDone("intro ends")
		step("1 (first message)", menus.Digit('1'))
		promptDone("envelope ends")
		promptDone("message ends")
		step("6 (next message)", menus.Digit('6'))
		step("9 (save to folder)", menus.Digit('9'))
		step("2 (Work: message moved)", menus.Digit('2'))
		step("# (exit: folder closed)", menus.Digit('#'))
		if c.s.Phase != menus.PhaseClosing {
			t.Fatalf("after #: menu %s, phase %s, want the goodbye; ARI calls %q", c.s.Menu, c.s.Phase, fa.calls)
		}
		return steps, counts
	}
	walk("1002")
	steps, counts := walk("1001")
	// The walk did what it says: one message saved to Work, one heard.
	if got, err := st.Counts(ctx, state.MailboxID{Number: "1001", Context: "default"}); err != nil ||
		got != (state.Counts{New: 1, Old: 1, Work: 1}) {
		t.Errorf("counts after the walk %+v (%v), want 1 New, 1 Old, 1 Work", got, err)
	}
	var report []string
	for i, name := range steps {
		report = append(report, name+": "+strconv.FormatInt(counts[i], 10))
	}
	t.Logf("Redis round trips per step:\n\t%s", strings.Join(report, "\n\t"))
	for i, name := range steps {
		if counts[i] > maxRoundTripsPerStep {
			t.Errorf("step %q took %d Redis round trips, budget %d", name, counts[i], maxRoundTripsPerStep)
		}
	}
}
