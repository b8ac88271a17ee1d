package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// JanitorConfig is the janitor: it deletes audio that nothing points at
// (a crash between writing audio and its metadata, a write whose outcome
// was unknown, a caller gone mid-take), one instance at a time.
type JanitorConfig struct {
	// Enabled runs the janitor on this instance; the instances of a
	// cluster take turns through a lock in Redis. Default true.
	Enabled bool `koanf:"enabled"`
	// Interval is about how often the cluster sweeps (each instance tries
	// every half interval to a whole one; a sweep makes the others wait an
	// interval). 1m to 24h. Default 10m.
	Interval time.Duration `koanf:"interval"`
	// Grace is how long a recording must stay unreferenced, at every
	// sweep, before it is deleted. It must exceed the longest time audio
	// lives before anything in Redis points at it: a greeting take or a
	// forward's introduction being recorded (voicemail.max_greeting), a
	// message being recorded (voicemail.max_message), plus the store
	// retries after it; a live call's session counts as a reference, so
	// session_ttl does not bound it. At least the longer of max_message and
	// max_greeting plus 10m; at most 30 days. Default 1h.
	Grace time.Duration `koanf:"grace"`
	// TrashKeep is how long a message deleted from the web page or the
	// admin API stays in its mailbox's trash, restorable, before a sweep
	// purges it and its audio. 1h to 365 days; the same on every instance.
	// Default 168h (a week).
	TrashKeep time.Duration `koanf:"trash_keep"`
}

// Bounds of the janitor settings.
const (
	janitorMinInterval = time.Minute
	janitorMaxInterval = 24 * time.Hour
	// janitorGraceMargin is added to the longest recording for the
	// shortest grace accepted.
	janitorGraceMargin = 10 * time.Minute
	janitorMaxGrace    = 30 * 24 * time.Hour
	trashMinKeep       = time.Hour
	trashMaxKeep       = 365 * 24 * time.Hour
)

// defaultJanitorConfig is the janitor's part of DefaultConfig.
func defaultJanitorConfig() JanitorConfig {
	return JanitorConfig{Enabled: true, Interval: 10 * time.Minute, Grace: time.Hour, TrashKeep: 7 * 24 * time.Hour}
}

// validate checks j against the voicemail settings v, whose recordings
// the grace period must outlast.
func (j JanitorConfig) validate(v VoicemailConfig) error {
	if j.Interval < janitorMinInterval || j.Interval > janitorMaxInterval {
		return fmt.Errorf("%w: janitor.interval %s not in %s..%s", ErrInvalidConfig, j.Interval, janitorMinInterval, janitorMaxInterval)
	}
	floor := max(v.MaxMessage, v.MaxGreeting) + janitorGraceMargin
	if j.Grace < floor || j.Grace > janitorMaxGrace {
		return fmt.Errorf("%w: janitor.grace %s not in %s..%s (the longest recording, max_message or max_greeting, plus %s)",
			ErrInvalidConfig, j.Grace, floor, janitorMaxGrace, janitorGraceMargin)
	}
	if j.TrashKeep < trashMinKeep || j.TrashKeep > trashMaxKeep {
		return fmt.Errorf("%w: janitor.trash_keep %s not in %s..%s", ErrInvalidConfig, j.TrashKeep, trashMinKeep, trashMaxKeep)
	}
	return nil
}

// sweepTimeout bounds one sweep; the lock outlives it by lockMargin, so
// that a sweep never runs without the lock unless its host is paused.
const (
	sweepTimeout = 5 * time.Minute
	lockMargin   = 30 * time.Second
)

// janitorLock is the cluster-wide lock of the janitor: *state.Store.
type janitorLock interface {
	AcquireJanitor(ctx context.Context, token string, ttl time.Duration, evenResting bool) (bool, error)
	ExtendJanitor(ctx context.Context, token string, ttl time.Duration) (bool, error)
	RestJanitor(ctx context.Context, token string, ttl time.Duration) (bool, error)
	ReleaseJanitor(ctx context.Context, token string) (bool, error)
}

var _ janitorLock = (*state.Store)(nil)

// trashPurger purges the trashes of every mailbox: *state.Store.
type trashPurger interface {
	PurgeTrashBefore(ctx context.Context, cutoff time.Time) (int, []string, error)
}

var _ trashPurger = (*state.Store)(nil)

// janitor sweeps orphan audio now and then, one instance of the cluster at
// a time, after purging the messages kept in the trashes past trashKeep.
type janitor struct {
	sweeper   *sweeper
	trash     trashPurger
	trashKeep time.Duration
	lock      janitorLock
	instance  string
	interval  time.Duration
	metrics   *janitorMetrics
	log       *zap.Logger
}

// Run sweeps until ctx ends: every half interval to a whole one (random,
// so that instances started together do not all try at once) it takes
// the lock if nobody holds it and sweeps.
func (j *janitor) Run(ctx context.Context) {
	for {
		wait := j.interval/2 + rand.N(j.interval/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		_, _, _ = j.once(ctx)
	}
}

// once takes the lock and sweeps; ran is false when another instance
// holds the lock. After a sweep the lock is kept, resting, for an
// interval, so that the cluster rests before the next one; a sweep that
// failed releases it for another instance to try.
func (j *janitor) once(ctx context.Context) (ran bool, rep SweepReport, err error) {
	token := state.NewJanitorToken(j.instance)
	ok, err := j.lock.AcquireJanitor(ctx, token, sweepTimeout+lockMargin, false)
	if err != nil {
		j.metrics.sweep("failed")
		j.log.Warn("janitor: take the lock", zap.Error(err))
		return false, rep, err
	}
	if !ok {
		j.metrics.sweep("skipped")
		return false, rep, nil
	}
	sctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	start := time.Now()
	j.purgeTrash(sctx)
	rep, err = j.sweeper.Sweep(sctx, func(ctx context.Context) bool {
		ok, err := j.lock.ExtendJanitor(ctx, token, sweepTimeout+lockMargin)
		return ok && err == nil
	}, false)
	j.metrics.observe(rep)
	rest := true
	switch {
	case errors.Is(err, ErrSweepHeld):
		j.metrics.sweep("held")
	case err != nil:
		j.metrics.sweep("failed")
		j.log.Warn("janitor: sweep", zap.Error(err))
		rest = false // let another instance try
	default:
		j.metrics.sweep("done")
		j.log.Info("janitor: sweep done", zap.Int("stored", rep.Stored), zap.Int("ours", rep.Ours),
			zap.Int("orphans", len(rep.Orphans)), zap.Int("new", rep.Added), zap.Int("due", len(rep.Due)),
			zap.Int("removed", len(rep.Removed)), zap.Int("errors", rep.Errors), zap.Duration("took", time.Since(start)))
	}
	lctx, lcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer lcancel()
	var lerr error
	if rest {
		_, lerr = j.lock.RestJanitor(lctx, token, j.interval)
	} else {
		_, lerr = j.lock.ReleaseJanitor(lctx, token)
	}
	if lerr != nil {
		j.log.Warn("janitor: rest or release the lock", zap.Error(lerr))
	}
	return true, rep, err
}

// purgeTrash purges the messages kept in the trashes longer than
// trashKeep, and deletes their audio now that nothing points at it (the
// audio of a purge not known to have survived is left to the sweep).
func (j *janitor) purgeTrash(ctx context.Context) {
	n, removed, err := j.trash.PurgeTrashBefore(ctx, time.Now().Add(-j.trashKeep))
	if err != nil {
		j.log.Warn("janitor: purge the trashes", zap.Int("purged", n), zap.Error(err))
	}
	if len(removed) > 0 {
		for _, src := range j.sweeper.sources {
			if derr := src.delete.Delete(ctx, removed...); derr != nil {
				j.log.Warn("janitor: delete the audio of purged messages (left to the sweep)",
					zap.String("asterisk", src.name), zap.Error(derr))
			}
		}
	}
	if n > 0 {
		j.log.Info("janitor: trashes purged", zap.Int("purged", n), zap.Int("recordings", len(removed)),
			zap.Duration("kept", j.trashKeep))
	}
}

// janitorMetrics are the janitor's Prometheus metrics. Every method is
// safe on a nil *janitorMetrics.
type janitorMetrics struct {
	sweeps   *prometheus.CounterVec
	orphans  prometheus.Gauge
	found    prometheus.Counter
	removed  prometheus.Counter
	failures prometheus.Counter
}

// sweepResults are the values of voicemail_janitor_sweeps_total's result.
var sweepResults = []string{"done", "skipped", "held", "failed"}

// newJanitorMetrics registers the voicemail_janitor_* metrics in reg.
func newJanitorMetrics(reg prometheus.Registerer) *janitorMetrics {
	m := &janitorMetrics{
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_janitor_sweeps_total",
			Help: "Janitor sweeps tried by this instance, by result: done, skipped (another instance held the lock), held (too many orphans past grace: nothing deleted, run voicemail fsck), failed.",
		}, []string{"result"}),
		orphans: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "voicemail_janitor_orphans",
			Help: "Recordings of ours that nothing in Redis pointed at, at this instance's last sweep.",
		}),
		found: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_janitor_orphans_seen_total",
			Help: "Orphan recordings seen for the first time by this instance's sweeps (each starts its grace period).",
		}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_janitor_orphans_removed_total",
			Help: "Orphan recordings deleted by this instance's sweeps, after their grace period.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_janitor_errors_total",
			Help: "Failures within this instance's sweeps: listing an Asterisk's recordings, deleting one.",
		}),
	}
	reg.MustRegister(m.sweeps, m.orphans, m.found, m.removed, m.failures)
	for _, r := range sweepResults {
		m.sweeps.WithLabelValues(r)
	}
	return m
}

// sweep counts a sweep tried, by result (one of sweepResults).
func (m *janitorMetrics) sweep(result string) {
	if m != nil {
		m.sweeps.WithLabelValues(result).Inc()
	}
}

// observe records what a sweep saw and did.
func (m *janitorMetrics) observe(rep SweepReport) {
	if m == nil {
		return
	}
	if rep.Stored > 0 {
		m.orphans.Set(float64(len(rep.Orphans)))
	}
	m.found.Add(float64(rep.Added))
	m.removed.Add(float64(len(rep.Removed)))
	m.failures.Add(float64(rep.Errors))
}

// newSweeper returns a sweeper of orphan audio on store and the Asterisk
// servers of nodes, with grace.
func newSweeper(store *state.Store, nodes []*node, grace time.Duration, log *zap.Logger) *sweeper {
	sources := make([]audioSource, len(nodes))
	for i, n := range nodes {
		sources[i] = audioSource{name: n.name, list: n.client, delete: recordings.New(n.client, log.Named("recordings"))}
	}
	return &sweeper{index: store, book: store, sources: sources, grace: grace, prefix: sweepPrefix, log: log}
}

// newJanitor returns the janitor of an instance, its metrics in reg; nil
// when janitor.enabled is off.
func newJanitor(cfg Config, store *state.Store, nodes []*node, reg prometheus.Registerer, log *zap.Logger) *janitor {
	if !cfg.Janitor.Enabled {
		return nil
	}
	log = log.Named("janitor")
	return &janitor{
		sweeper:   newSweeper(store, nodes, cfg.Janitor.Grace, log),
		trash:     store,
		trashKeep: cfg.Janitor.TrashKeep,
		lock:      store,
		instance:  cfg.Instance.ID,
		interval:  cfg.Janitor.Interval,
		metrics:   newJanitorMetrics(reg),
		log:       log,
	}
}
