package call

import (
	"time"

	"github.com/clusterpbx/voicemail/menus"
)

// Outcomes of leaving a message, as Metrics.Deposit is told them.
const (
	DepositSaved    = "saved"     // the message is stored
	DepositTooShort = "too_short" // shorter than the minimum: discarded
	DepositFull     = "full"      // the mailbox could not take it
	DepositFailed   = "failed"    // measuring or storing it failed
)

// Metrics is told what calls do (the app's Prometheus metrics).
type Metrics interface {
	// CallStarted counts a call taken in mode.
	CallStarted(mode menus.Mode)
	// Deposit counts the outcome of leaving a message (DepositSaved, …).
	Deposit(result string)
	// ObserveDTMF records the times from a key's event coming in to the
	// next prompt's play command going out to Asterisk (sent: the app's
	// own share) and to Asterisk accepting it (accepted: with Asterisk's
	// handling of the request).
	ObserveDTMF(sent, accepted time.Duration)
}

// metrics is what a call counts into: its Metrics, or nothing when that is
// nil (the tests of a call alone).
type metrics struct{ m Metrics }

func (m metrics) callStarted(mode menus.Mode) {
	if m.m != nil {
		m.m.CallStarted(mode)
	}
}

func (m metrics) deposit(result string) {
	if m.m != nil {
		m.m.Deposit(result)
	}
}

func (m metrics) observeDTMF(sent, accepted time.Duration) {
	if m.m != nil {
		m.m.ObserveDTMF(sent, accepted)
	}
}

// callMetrics is what a call remembers between events for its metrics.
type callMetrics struct {
	// digitAt is when the last key's event came in; zero once its prompt
	// was played, or when a timeout or hang-up came first.
	digitAt time.Time
	// eventAt is when the event being stepped came in (zero for one the
	// call made itself).
	eventAt time.Time
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
		c.obs.digitAt = c.obs.eventAt
		if c.obs.digitAt.IsZero() {
			c.obs.digitAt = time.Now()
		}
	case menus.EvTimeout, menus.EvHangupRequest, menus.EvHangup, menus.EvFinish:
		// A prompt after a timeout answers the silence, not the last key.
		c.obs.digitAt = time.Time{}
	case menus.EvStart:
		if ev.Start != nil {
			m.callStarted(ev.Start.Mode)
			if ev.Start.Deposit != nil && ev.Start.Deposit.Full {
				m.deposit(DepositFull)
			}
		}
	case menus.EvMailbox:
		// Leaving a message in another mailbox from the advanced options
		// (a forward looks its recipients up the same way: no deposit).
		if ev.Target != nil && ev.Target.Full && c.s.Forward == nil {
			m.deposit(DepositFull)
		}
	}
}

// observeCmd is called as each command is carried out: the first prompt
// after a key stops the DTMF-to-prompt clock, and discarding the recording
// of the message being left means it was too short (menus: recorded).
func (c *call) observeCmd(cmd menus.Cmd) {
	switch cmd.Kind {
	case menus.CmdDiscard:
		if cmd.Name != "" && cmd.Name == c.obs.depositRec {
			c.deps.metrics.deposit(DepositTooShort)
		}
	}
}

// observePlayed is called when Asterisk accepted a prompt whose play
// command was written out at sentAt (Unix nanoseconds; 0 if unknown): the
// first one after a key stops the DTMF-to-prompt clock.
func (c *call) observePlayed(sentAt int64) {
	if c.obs.digitAt.IsZero() {
		return
	}
	accepted := time.Since(c.obs.digitAt)
	sent := accepted
	if sentAt > 0 {
		// Wall clock: the write time comes from the ARI client's trace.
		sent = min(max(time.Unix(0, sentAt).Sub(c.obs.digitAt.Round(0)), 0), accepted)
	}
	c.deps.metrics.observeDTMF(sent, accepted)
	c.obs.digitAt = time.Time{}
}
