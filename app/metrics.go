package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/clusterpbx/voicemail/menus"
)

// Outcomes of leaving a message (voicemail_deposits_total's result label).
const (
	depositSaved    = "saved"     // the message is stored
	depositTooShort = "too_short" // shorter than voicemail.min_message: discarded
	depositFull     = "full"      // the mailbox could not take it
	depositFailed   = "failed"    // measuring or storing it failed
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
// (tests). Every method is safe on a nil *metrics, which counts nothing: the
// unit tests of calls build their dependencies without metrics.
type metrics struct {
	reg          *prometheus.Registry
	calls        *prometheus.CounterVec
	claims       *prometheus.CounterVec
	takeovers    prometheus.Counter
	deposits     *prometheus.CounterVec
	errors       *prometheus.CounterVec
	dtmfToPrompt prometheus.Histogram
	mwiPublished prometheus.Counter
}

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
			Help:    "Time from a key press being handled to the next prompt's play command being issued, measured in the app.",
			Buckets: dtmfBuckets,
		}),
		mwiPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_mwi_publications_total",
			Help: "Message-waiting counts published to Asterisk (MinivmMWI through the mwi_context dialplan).",
		}),
	}
	live := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "voicemail_live_calls",
		Help: "Calls this instance holds now.",
	}, func() float64 { return float64(liveCalls()) })
	m.reg.MustRegister(live, m.calls, m.claims, m.takeovers, m.deposits, m.errors, m.dtmfToPrompt, m.mwiPublished,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every known label value starts at 0, so that a series exists (and
	// rate() works) before its first increment.
	for _, mode := range []menus.Mode{menus.ModeMain, menus.ModeDeposit} {
		m.calls.WithLabelValues(string(mode))
	}
	m.claims.WithLabelValues("won")
	m.claims.WithLabelValues("lost")
	for _, r := range []string{depositSaved, depositTooShort, depositFull, depositFailed} {
		m.deposits.WithLabelValues(r)
	}
	for _, op := range errorOps {
		m.errors.WithLabelValues(op)
	}
	return m
}

// callStarted counts a call taken in mode.
func (m *metrics) callStarted(mode menus.Mode) {
	if m != nil {
		m.calls.WithLabelValues(string(mode)).Inc()
	}
}

// deposit counts the outcome of leaving a message (depositSaved, …).
func (m *metrics) deposit(result string) {
	if m != nil {
		m.deposits.WithLabelValues(result).Inc()
	}
}

// failed counts a failure of op (one of errorOps).
func (m *metrics) failed(op string) {
	if m != nil {
		m.errors.WithLabelValues(op).Inc()
	}
}

// observeDTMF records one key-to-prompt latency.
func (m *metrics) observeDTMF(d time.Duration) {
	if m != nil {
		m.dtmfToPrompt.Observe(d.Seconds())
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

// callMetrics is what a call remembers between events for its metrics.
type callMetrics struct {
	// digitAt is when the last key was stepped; zero once its prompt was
	// issued, or when a timeout or hang-up came first.
	digitAt time.Time
	// depositRec is the recording of the message being left when the
	// current event was stepped.
	depositRec string
}

// observeEvent is called as each event is stepped, before the engine sees
// it: it starts the DTMF-to-prompt clock and counts calls and deposits
// refused because the mailbox is full.
func (c *call) observeEvent(ev menus.Event) {
	m := c.deps.metrics
	c.obs.depositRec = ""
	if d := c.s.Deposit; d != nil {
		c.obs.depositRec = d.Recording
	}
	switch ev.Kind {
	case menus.EvDigit:
		c.obs.digitAt = time.Now()
	case menus.EvTimeout, menus.EvHangupRequest, menus.EvHangup:
		// A prompt after a timeout answers the silence, not the last key.
		c.obs.digitAt = time.Time{}
	case menus.EvStart:
		if ev.Start != nil {
			m.callStarted(ev.Start.Mode)
			if ev.Start.Deposit != nil && ev.Start.Deposit.Full {
				m.deposit(depositFull)
			}
		}
	case menus.EvMailbox:
		// Leaving a message in another mailbox from the advanced options.
		if ev.Target != nil && ev.Target.Full {
			m.deposit(depositFull)
		}
	}
}

// observeCmd is called as each command is carried out: the first prompt
// after a key stops the DTMF-to-prompt clock, and discarding the recording
// of the message being left means it was too short (menus: recorded).
func (c *call) observeCmd(cmd menus.Cmd) {
	switch cmd.Kind {
	case menus.CmdPlay:
		if !c.obs.digitAt.IsZero() {
			c.deps.metrics.observeDTMF(time.Since(c.obs.digitAt))
			c.obs.digitAt = time.Time{}
		}
	case menus.CmdDiscard:
		if cmd.Name != "" && cmd.Name == c.obs.depositRec {
			c.deps.metrics.deposit(depositTooShort)
		}
	}
}
