package app

import (
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
)

// The plan of the chaos run (chaos_integration_test.go): which calls, when,
// and which faults on which instance, drawn from a seed alone.

// chaosPlanned is one call of the plan.
type chaosPlanned struct {
	n       int
	kind    string
	mailbox string
	at      time.Duration // after the start of the run
	talk    time.Duration // how long a depositing caller speaks
	folder  state.Folder  // where callFile saves the message
}

// chaosPlannedFault is one fault of the plan.
type chaosPlannedFault struct {
	kind   string
	at     time.Duration
	target int           // instance index for kill and stop
	after  time.Duration // restart delay of a kill
}

// chaosPlan is the whole seeded plan of a run.
type chaosPlan struct {
	calls  []chaosPlanned
	faults []chaosPlannedFault
}

// chaosSeed returns VOICEMAIL_CHAOS_SEED, or a new seed.
func chaosSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("VOICEMAIL_CHAOS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("VOICEMAIL_CHAOS_SEED=%q: %v", s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// chaosShape is what a plan is drawn from: how many calls of each kind
// follow the six deposits that open every run, and the faults, each
// repeated each times.
type chaosShape struct {
	calls  map[string]int
	faults []string
	each   int
}

// chaosMain is the main run's shape, on one Redis: 60 calls (36 deposits
// of which a third hang up while recording, 24 owner calls) and
// chaosFaultsEach faults of each kind; the Sentinel faults are skipped
// there (a plan of a seed stays the one it was before they existed).
var chaosMain = chaosShape{
	calls:  map[string]int{callDeposit: 20, callDepositHangup: 10, callListen: 6, callDelete: 7, callFile: 6, callGreeting: 5},
	faults: []string{faultKill, faultStop, faultRedis, faultARICut, faultSentinel},
	each:   chaosFaultsEach,
}

// chaosSentinelShape is the shorter run behind Sentinel
// (VOICEMAIL_TEST_REDIS_MODE=sentinel): 24 calls, three failovers of the
// master, and one of each fault of the instances.
var chaosSentinelShape = chaosShape{
	calls:  map[string]int{callDeposit: 6, callDepositHangup: 3, callListen: 3, callDelete: 3, callFile: 2, callGreeting: 1},
	faults: []string{faultKill, faultStop, faultARICut, faultSentinel, faultSentinel, faultSentinel},
	each:   1,
}

// newChaosPlan draws the main run's plan from seed (chaosMain).
func newChaosPlan(seed uint64) chaosPlan { return newChaosPlanOf(seed, chaosMain) }

// newChaosPlanOf draws a plan of shape from seed: the calls of the shape
// in a seeded order after six deposits, and its faults in a seeded order,
// the kills restarting after 2 s (systemd's RestartSec in deploy/systemd)
// or after 5 s.
func newChaosPlanOf(seed uint64, shape chaosShape) chaosPlan {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var kinds []string
	for kind, n := range shape.calls {
		for range n {
			kinds = append(kinds, kind)
		}
	}
	// Map order is random: sort, then shuffle with the seed.
	slices.Sort(kinds)
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	// The first calls leave messages, so that owners find some.
	kinds = append([]string{callDeposit, callDeposit, callDepositHangup, callDeposit, callDeposit, callDepositHangup}, kinds...)

	var p chaosPlan
	for n, kind := range kinds {
		c := chaosPlanned{
			n:       n + 1,
			kind:    kind,
			mailbox: chaosBoxes[rng.IntN(len(chaosBoxes))].number,
			at:      time.Duration(n)*chaosCallEvery + time.Duration(rng.IntN(1000))*time.Millisecond,
			talk:    3*time.Second + time.Duration(rng.IntN(3000))*time.Millisecond,
			folder:  state.FolderWork,
		}
		if rng.IntN(2) == 1 {
			c.folder = state.FolderFamily
		}
		p.calls = append(p.calls, c)
	}

	var faults []string
	for range shape.each {
		faults = append(faults, shape.faults...)
	}
	rng.Shuffle(len(faults), func(i, j int) { faults[i], faults[j] = faults[j], faults[i] })
	restarts := []time.Duration{2 * time.Second, 5 * time.Second, 2 * time.Second}
	rng.Shuffle(len(restarts), func(i, j int) { restarts[i], restarts[j] = restarts[j], restarts[i] })
	// Kills and stops go round the instances, from a seeded start.
	kills, next := 0, rng.IntN(chaosInstances)
	for i, kind := range faults {
		f := chaosPlannedFault{kind: kind, at: chaosFaultStart + time.Duration(i)*chaosFaultEvery}
		if kind == faultKill || kind == faultStop {
			f.target, next = next, (next+1)%chaosInstances
		}
		if kind == faultKill {
			f.after = restarts[kills%len(restarts)]
			kills++
		}
		p.faults = append(p.faults, f)
	}
	return p
}

// The chaos run's plan (chaos_integration_test.go) is drawn from its seed
// alone, so that a seed printed by a failed run replays the same calls and
// faults.
func TestChaosPlanIsSeeded(t *testing.T) {
	a, b := newChaosPlan(42), newChaosPlan(42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two plans of seed 42 differ")
	}
	if reflect.DeepEqual(a, newChaosPlan(43)) {
		t.Fatal("seeds 42 and 43 gave the same plan")
	}
	kinds := map[string]int{}
	for i, c := range a.calls {
		kinds[c.kind]++
		if i > 0 && c.at <= a.calls[i-1].at {
			t.Errorf("call %d at %v, not after call %d at %v", c.n, c.at, a.calls[i-1].n, a.calls[i-1].at)
		}
		if c.talk < chaosMinMessage+chaosOwedMargin {
			t.Errorf("call %d talks %v: shorter than a message owed", c.n, c.talk)
		}
	}
	if len(a.calls) != chaosCalls {
		t.Errorf("%d calls, want %d", len(a.calls), chaosCalls)
	}
	for _, kind := range []string{callDeposit, callDepositHangup, callListen, callDelete, callFile, callGreeting} {
		if kinds[kind] == 0 {
			t.Errorf("no %s call in the plan", kind)
		}
	}
	faults := map[string]int{}
	restarts := map[time.Duration]bool{}
	for _, f := range a.faults {
		faults[f.kind]++
		if f.kind == faultKill {
			restarts[f.after] = true
		}
		if f.target < 0 || f.target >= chaosInstances {
			t.Errorf("fault %s on instance %d of %d", f.kind, f.target, chaosInstances)
		}
	}
	for _, kind := range []string{faultKill, faultStop, faultRedis, faultARICut, faultSentinel} {
		if faults[kind] != chaosFaultsEach {
			t.Errorf("%d %s faults, want %d", faults[kind], kind, chaosFaultsEach)
		}
	}
	if !restarts[2*time.Second] || !restarts[5*time.Second] {
		t.Errorf("kills restart after %v, want once after 2s and once after 5s", restarts)
	}
	if last := a.faults[len(a.faults)-1].at; last > a.calls[len(a.calls)-1].at {
		t.Errorf("last fault at %v, after the last call was placed (%v)", last, a.calls[len(a.calls)-1].at)
	}
}

// The shorter plan behind Sentinel is seeded too: its calls are placed
// before its last fault ends, and it fails the master over three times.
func TestChaosSentinelPlanIsSeeded(t *testing.T) {
	a, b := newChaosPlanOf(42, chaosSentinelShape), newChaosPlanOf(42, chaosSentinelShape)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two Sentinel plans of seed 42 differ")
	}
	if len(a.calls) != 24 {
		t.Errorf("%d calls, want 24", len(a.calls))
	}
	faults := map[string]int{}
	for _, f := range a.faults {
		faults[f.kind]++
	}
	if want := map[string]int{faultKill: 1, faultStop: 1, faultARICut: 1, faultSentinel: 3}; !reflect.DeepEqual(faults, want) {
		t.Errorf("faults %v, want %v", faults, want)
	}
	if last := a.faults[len(a.faults)-1].at; last > a.calls[len(a.calls)-1].at {
		t.Errorf("last fault at %v, after the last call was placed (%v)", last, a.calls[len(a.calls)-1].at)
	}
}
