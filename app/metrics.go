package app

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Operations whose failures voicemail_errors_total counts (its op label).
// The set is fixed, so the label's cardinality is bounded; instrument.go and
// the app count into it.
const (
	opARIPlayback   = "ari_playback"         // play, stop, control a prompt
	opARIRecord     = "ari_record"           // start a recording
	opARIRecFailed  = "ari_recording_failed" // Asterisk reported RecordingFailed
	opARIChannel    = "ari_channel"          // answer, hang up, set a variable, continue
	opARIRecordings = "ari_recordings"       // delete, copy, measure stored recordings
	opARIMWI        = "ari_mwi"              // originate a message-waiting publication
	opRedisSession  = "redis_session"        // save or delete a call's session
	opRedisLease    = "redis_lease"          // renew this instance's lease, list instances
	opRedisMessages = "redis_messages"       // deposit, list, move, close a folder
	opRedisMailbox  = "redis_mailbox"        // log in, counts, greetings, owner changes, deposit lookups
	opRedisMWI      = "redis_mwi"            // read counts and claim a publication
	opRedisProvis   = "redis_provision"      // provision mailboxes at start-up
)

var errorOps = []string{
	opARIPlayback, opARIRecord, opARIRecFailed, opARIChannel, opARIRecordings, opARIMWI,
	opRedisSession, opRedisLease, opRedisMessages, opRedisMailbox, opRedisMWI, opRedisProvis,
}

// dtmfBuckets span 1 ms to 2 s: a prompt that follows a key within tens of
// milliseconds feels instant; one after a second feels broken.
var dtmfBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2}

// metrics are one instance's Prometheus metrics, in a registry of its own
// rather than the global one, so that several Apps can run in one process
// (tests). Every method is safe on a nil *metrics, which counts nothing.
// The calls count into it through call.Metrics.
type metrics struct {
	reg          *prometheus.Registry
	calls        *prometheus.CounterVec
	claims       *prometheus.CounterVec
	takeovers    prometheus.Counter
	deposits     *prometheus.CounterVec
	errors       *prometheus.CounterVec
	dtmfToPrompt prometheus.Histogram
	dtmfToSent   prometheus.Histogram
	mwiPublished prometheus.Counter
	// notReplicated counts writes that fewer replicas than
	// redis.min_replicas confirmed in time (state.ErrNotReplicated).
	notReplicated *prometheus.CounterVec
	// loginRefusals counts refused logins by reason (loginReasons).
	loginRefusals *prometheus.CounterVec
}

// Reasons of voicemail_login_refusals_total (its reason label), a fixed set.
const (
	loginWrongPIN = "wrong_pin"       // a PIN that does not match
	loginUnknown  = "unknown_mailbox" // no such mailbox
	loginLocked   = "locked"          // the mailbox or the calling number is locked out
)

var loginReasons = []string{loginWrongPIN, loginUnknown, loginLocked}

// newMetrics registers the voicemail_* metrics and the Go and process
// collectors in a new registry. liveCalls reports the size of the call
// registry at each scrape.
func newMetrics(liveCalls func() int) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_calls_total",
			Help: "Calls taken by this instance, by mode (main: VoiceMailMain, deposit: leave a message).",
		}, []string{"mode"}),
		// Incremented by the multi-instance work (an instance resuming a
		// call whose instance died); defined now so dashboards and alerts
		// can be written against them.
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_claims_total",
			Help: "Claims of calls by result (won, lost): StasisBroadcast offers, and sessions of dead instances.",
		}, []string{"result"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_takeovers_total",
			Help: "Calls this instance resumed after their instance died or handed them over at shutdown.",
		}),
		deposits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_deposits_total",
			Help: "Messages left, by result (saved, too_short, full, failed).",
		}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_errors_total",
			Help: "ARI and Redis failures seen by the app, by operation. A caller hanging up and refusals such as a wrong PIN are not failures.",
		}, []string{"op"}),
		dtmfToPrompt: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "voicemail_dtmf_to_prompt_seconds",
			Help:    "Time from a key's ARI event coming in to Asterisk accepting the next prompt's play command, measured in the app.",
			Buckets: dtmfBuckets,
		}),
		dtmfToSent: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "voicemail_dtmf_to_play_sent_seconds",
			Help:    "Time from a key's ARI event coming in to the next prompt's play command being written out to Asterisk (a wait for one of the app's REST connections included): the app's own share of voicemail_dtmf_to_prompt_seconds.",
			Buckets: dtmfBuckets,
		}),
		mwiPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_mwi_publications_total",
			Help: "Message-waiting counts published to Asterisk (MinivmMWI through the mwi_context dialplan).",
		}),
		notReplicated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_redis_not_replicated_total",
			Help: "Writes the Redis master applied but fewer than redis.min_replicas replicas confirmed within redis.replica_wait, by operation: each is lost if the master fails before a replica gets it.",
		}, []string{"op"}),
		loginRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_login_refusals_total",
			Help: "Logins refused, by reason (wrong_pin, unknown_mailbox, locked): a rise is someone guessing PINs; each is also a security_event log line.",
		}, []string{"reason"}),
	}
	live := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "voicemail_live_calls",
		Help: "Calls this instance holds now.",
	}, func() float64 { return float64(liveCalls()) })
	m.reg.MustRegister(live, m.calls, m.claims, m.takeovers, m.deposits, m.errors, m.dtmfToPrompt, m.dtmfToSent, m.mwiPublished,
		m.notReplicated, m.loginRefusals,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every known label value starts at 0, so that a series exists (and
	// rate() works) before its first increment.
	for _, mode := range []menus.Mode{menus.ModeMain, menus.ModeDeposit, menus.ModeDirectory} {
		m.calls.WithLabelValues(string(mode))
	}
	m.claims.WithLabelValues("won")
	m.claims.WithLabelValues("lost")
	for _, r := range []string{call.DepositSaved, call.DepositTooShort, call.DepositFull, call.DepositFailed} {
		m.deposits.WithLabelValues(r)
	}
	for _, op := range errorOps {
		m.errors.WithLabelValues(op)
	}
	for _, op := range []string{opRedisMessages, opRedisMailbox} {
		m.notReplicated.WithLabelValues(op)
	}
	for _, r := range loginReasons {
		m.loginRefusals.WithLabelValues(r)
	}
	return m
}

// CallStarted counts a call taken in mode.
func (m *metrics) CallStarted(mode menus.Mode) {
	if m != nil {
		m.calls.WithLabelValues(string(mode)).Inc()
	}
}

// Deposit counts the outcome of leaving a message (call.DepositSaved, …).
func (m *metrics) Deposit(result string) {
	if m != nil {
		m.deposits.WithLabelValues(result).Inc()
	}
}

// replicationMissed counts a write of op (one of errorOps) that the master
// applied but too few replicas confirmed (state.ErrNotReplicated).
func (m *metrics) replicationMissed(op string) {
	if m != nil {
		m.notReplicated.WithLabelValues(op).Inc()
	}
}

// loginRefused counts a login Authenticate refused with err, by reason;
// other errors are not refusals and count nothing here.
func (m *metrics) loginRefused(err error) {
	if m == nil {
		return
	}
	switch {
	case errors.Is(err, state.ErrWrongPIN):
		m.loginRefusals.WithLabelValues(loginWrongPIN).Inc()
	case errors.Is(err, state.ErrMailboxNotFound):
		m.loginRefusals.WithLabelValues(loginUnknown).Inc()
	case errors.Is(err, state.ErrLocked):
		m.loginRefusals.WithLabelValues(loginLocked).Inc()
	}
}

// failed counts a failure of op (one of errorOps).
func (m *metrics) failed(op string) {
	if m != nil {
		m.errors.WithLabelValues(op).Inc()
	}
}

// ObserveDTMF records one key-to-prompt latency: to the play command sent
// and to its acceptance by Asterisk.
func (m *metrics) ObserveDTMF(sent, accepted time.Duration) {
	if m != nil {
		m.dtmfToSent.Observe(sent.Seconds())
		m.dtmfToPrompt.Observe(accepted.Seconds())
	}
}

// mwiPublication counts one message-waiting publication.
func (m *metrics) mwiPublication() {
	if m != nil {
		m.mwiPublished.Inc()
	}
}

// claim counts an attempt to claim another instance's call session; for the
// multi-instance work.
func (m *metrics) claim(won bool) {
	if m == nil {
		return
	}
	if won {
		m.claims.WithLabelValues("won").Inc()
	} else {
		m.claims.WithLabelValues("lost").Inc()
	}
}

// takeover counts a call resumed from a dead instance; for the
// multi-instance work.
func (m *metrics) takeover() {
	if m != nil {
		m.takeovers.Inc()
	}
}

var _ call.Metrics = (*metrics)(nil)
