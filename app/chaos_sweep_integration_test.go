package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/recordings"
)

// The janitor's sweep that ends the chaos run (chaos_integration_test.go):
// audio that a write of unknown outcome left without metadata is the
// janitor's to delete (docs/ha.md, Audio). The run sweeps at a short
// grace, then the ledger check finds no orphan of the run.

// chaosGrace is the janitor's grace in the final sweep: the run is over,
// so nothing is being recorded any more.
const chaosGrace = time.Second

// runLister lists only the stored recordings of the run: those not stored
// before it (the recordings directory is shared with other tests).
type runLister struct {
	list   storedLister
	before map[string]bool
}

func (l runLister) ListStored(ctx context.Context) ([]ari.StoredRecording, error) {
	all, err := l.list.ListStored(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r ari.StoredRecording) bool { return l.before[r.Name] }), nil
}

// sweep runs the janitor's sweep on the run's Redis and Asterisk, at
// chaosGrace, until a sweep finds no orphan past grace (at most three):
// the first notes the orphans, the next, a grace later, deletes them. It
// returns what was deleted, each with what the ledger knows of it.
func (r *chaosRun) sweep(ctx context.Context, storedBefore map[string]bool) []string {
	t := r.t
	client := r.h.caller.Client
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	sw := &sweeper{index: r.h.store(), book: r.h.store(), grace: chaosGrace, prefix: sweepPrefix,
		sources: []audioSource{{name: "testenv", list: runLister{client, storedBefore},
			delete: recordings.New(client, log.Named("recordings"))}},
		log: log.Named("janitor")}
	var removed []string
	for range 3 {
		rep, err := sw.Sweep(ctx, nil, false)
		if err != nil {
			t.Errorf("janitor sweep after the chaos run: %v (%+v)", err, rep)
			return removed
		}
		removed = append(removed, rep.Removed...)
		if len(rep.Orphans) == 0 {
			break
		}
		sleepCtx(ctx, chaosGrace+500*time.Millisecond)
	}
	described := make([]string, len(removed))
	for i, name := range removed {
		described[i] = name + r.whose(name)
	}
	if len(removed) > 0 {
		t.Logf("janitor sweep at grace %v deleted %d orphans: %s", chaosGrace, len(removed), strings.Join(described, "; "))
	} else {
		t.Logf("janitor sweep at grace %v: no orphan", chaosGrace)
	}
	return described
}

// whose says which calls of the ledger a recording belongs to.
func (r *chaosRun) whose(name string) string {
	var parts []string
	for _, d := range r.deposits {
		if d.recording == name {
			parts = append(parts, fmt.Sprintf("the message of call %d (%s, %s)", d.n, d.kind, d.outcome))
		}
	}
	for _, o := range r.owners {
		if o.message == name || slices.Contains(o.takes, name) {
			parts = append(parts, fmt.Sprintf("call %d (%s, %s)", o.n, o.kind, o.outcome))
		}
	}
	if len(parts) == 0 {
		return " (no call of the ledger)"
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
