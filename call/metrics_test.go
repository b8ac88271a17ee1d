package call

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakeMetrics records what a call counts.
type fakeMetrics struct {
	mu       sync.Mutex
	calls    map[menus.Mode]int
	deposits map[string]int
	dtmf     []time.Duration
	sent     []time.Duration
}

func (f *fakeMetrics) CallStarted(mode menus.Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[menus.Mode]int{}
	}
	f.calls[mode]++
}

func (f *fakeMetrics) Deposit(result string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deposits == nil {
		f.deposits = map[string]int{}
	}
	f.deposits[result]++
}

func (f *fakeMetrics) ObserveDTMF(sent, accepted time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dtmf = append(f.dtmf, accepted)
	f.sent = append(f.sent, sent)
}

// dtmfCount is how many key-to-prompt latencies were observed.
func (f *fakeMetrics) dtmfCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.dtmf)
}

var _ Metrics = (*fakeMetrics)(nil)

func TestCallMetricsDeposits(t *testing.T) {
	mailboxFull := testDeposit()
	mailboxFull.Full = true
	for _, tt := range []struct {
		name    string
		start   *menus.Deposit
		seconds int   // measured length, on hang-up while recording
		depErr  error // from the store
		events  []menus.Event
		want    string
	}{
		{name: "saved", start: testDeposit(), events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: DepositSaved},
		{name: "too short", start: testDeposit(), events: []menus.Event{menus.Digit('#'), recordedEv(1)}, want: DepositTooShort},
		{name: "hung up, measured too short", start: testDeposit(), seconds: 1,
			events: []menus.Event{menus.Digit('#'), {Kind: menus.EvHangup}}, want: DepositTooShort},
		{name: "hung up, measured", start: testDeposit(), seconds: 8,
			events: []menus.Event{menus.Digit('#'), {Kind: menus.EvHangup}}, want: DepositSaved},
		{name: "full at the greeting", start: mailboxFull, want: DepositFull},
		{name: "full at save", start: testDeposit(), depErr: state.ErrMailboxFull,
			events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: DepositFull},
		{name: "store failed", start: testDeposit(), depErr: fmt.Errorf("%w: refused", state.ErrInvalidMessage),
			events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: DepositFailed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, fs, _ := newTestCall(t)
			m := &fakeMetrics{}
			c.deps.metrics = metrics{m}
			fs.seconds, fs.depErr = tt.seconds, tt.depErr
			ctx := context.Background()
			c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: tt.start}})
			for _, ev := range tt.events {
				c.step(ctx, ev)
			}
			drain(t, c)
			m.mu.Lock()
			defer m.mu.Unlock()
			if got := m.calls[menus.ModeDeposit]; got != 1 {
				t.Errorf("calls started in deposit mode: %d, want 1", got)
			}
			for _, r := range []string{DepositSaved, DepositTooShort, DepositFull, DepositFailed} {
				want := 0
				if r == tt.want {
					want = 1
				}
				if got := m.deposits[r]; got != want {
					t.Errorf("deposits %s: %d, want %d", r, got, want)
				}
			}
		})
	}
}

func recordedEv(secs int) menus.Event {
	return menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: testDeposit().Recording, Duration: secs}}
}

// TestCallMetricsDTMFToPrompt: the password's digits and # lead, through
// the password check, to the next prompt: one observation. A prompt
// repeated after a timeout is none.
func TestCallMetricsDTMFToPrompt(t *testing.T) {
	c, fa, _, _ := newTestCall(t)
	m := &fakeMetrics{}
	c.deps.metrics = metrics{m}
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: mailbox.MustParseID("1001@default")}})
	c.step(ctx, menus.Timeout(c.s.TimerGen))
	drain(t, c)
	if got := m.dtmfCount(); got != 0 {
		t.Fatalf("observed %d before any key", got)
	}
	plays := len(fa.calls)
	for _, d := range []byte("1234#") {
		c.step(ctx, menus.Digit(d))
	}
	drain(t, c)
	if len(fa.calls) == plays {
		t.Fatalf("no prompt after the password: %q", fa.calls)
	}
	if got := m.dtmfCount(); got != 1 {
		t.Errorf("observed %d latencies, want 1 (ARI calls %q)", got, fa.calls)
	}
	if got := m.calls[menus.ModeMain]; got != 1 {
		t.Errorf("calls started in main mode: %d, want 1", got)
	}
}

// The app's own share of a key (to the play written out) is told apart
// from the whole (to Asterisk's acceptance); a write time that is unknown
// or out of order never makes the share larger than the whole.
func TestCallMetricsDTMFSentAndAccepted(t *testing.T) {
	c, _, _, _ := newTestCall(t)
	m := &fakeMetrics{}
	c.deps.metrics = metrics{m}
	for _, tc := range []struct {
		name   string
		sentAt func(digit time.Time) int64
		check  func(sent, accepted time.Duration) bool
	}{
		{"written 2 ms after the key", func(d time.Time) int64 { return d.Add(2 * time.Millisecond).UnixNano() },
			func(s, a time.Duration) bool {
				return s >= 2*time.Millisecond && s < 3*time.Millisecond && a >= 10*time.Millisecond
			}},
		{"unknown", func(time.Time) int64 { return 0 }, func(s, a time.Duration) bool { return s == a }},
		{"after the answer (a clock step)", func(d time.Time) int64 { return d.Add(time.Hour).UnixNano() },
			func(s, a time.Duration) bool { return s == a }},
		{"before the key (a clock step)", func(d time.Time) int64 { return d.Add(-time.Hour).UnixNano() },
			func(s, a time.Duration) bool { return s == 0 }},
	} {
		m.dtmf, m.sent = nil, nil
		c.obs.digitAt = time.Now().Add(-10 * time.Millisecond)
		c.observePlayed(tc.sentAt(c.obs.digitAt))
		if len(m.sent) != 1 || !tc.check(m.sent[0], m.dtmf[0]) {
			t.Errorf("%s: sent %v, accepted %v", tc.name, m.sent, m.dtmf)
		}
		if !c.obs.digitAt.IsZero() {
			t.Errorf("%s: the clock was not stopped", tc.name)
		}
	}
}

// A forward looks up each recipient as a deposit would; a full recipient
// is refused there, and no message was being left: no deposit counted.
func TestCallMetricsFullForwardRecipientIsNoDeposit(t *testing.T) {
	c, _, _, _ := newTestCall(t)
	m := &fakeMetrics{}
	c.deps.metrics = metrics{m}
	c.s = menus.State{Channel: c.s.Channel, Menu: menus.MenuForwardTo, Phase: menus.PhaseBusy, Mailbox: "1001@default",
		Authenticated: true, Forward: &menus.Forward{MsgID: "m1", To: []string{"1002"}}}
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvMailbox, Target: &menus.Deposit{Mailbox: mailbox.MustParseID("1002@default"), Full: true}})
	drain(t, c)
	m.mu.Lock()
	defer m.mu.Unlock()
	if got := m.deposits[DepositFull]; got != 0 {
		t.Fatalf("deposits full: %d for a forward's recipient, want 0", got)
	}
	if c.s.Forward == nil || c.s.Forward.Tries != 1 {
		t.Fatalf("forward %+v, want the recipient refused", c.s.Forward)
	}
}
