package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakeReadiness is what /readyz sees. ping blocks until ctx ends when slow.
type fakeReadiness struct {
	connected bool
	pingErr   error
	slow      bool
}

func (f fakeReadiness) StreamConnected() bool { return f.connected }
func (f fakeReadiness) PingRedis(ctx context.Context) error {
	if f.slow {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.pingErr
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestOpsHealthz(t *testing.T) {
	// Liveness does not depend on Asterisk or Redis.
	h := opsHandler(fakeReadiness{pingErr: errors.New("down")}, newMetrics(func() int { return 0 }).reg, zap.NewNop())
	code, body := get(t, h, "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Fatalf("GET /healthz = %d %q, want 200 \"ok\\n\"", code, body)
	}
}

func TestOpsReadyz(t *testing.T) {
	for _, tt := range []struct {
		name     string
		r        fakeReadiness
		wantCode int
		wantIn   []string
	}{
		{"ready", fakeReadiness{connected: true}, http.StatusOK, []string{"ok"}},
		{"stream down", fakeReadiness{}, http.StatusServiceUnavailable, []string{"ARI event stream not connected"}},
		{"redis down", fakeReadiness{connected: true, pingErr: errors.New("connection refused")}, http.StatusServiceUnavailable,
			[]string{"redis: connection refused"}},
		{"both down", fakeReadiness{pingErr: errors.New("connection\nrefused")}, http.StatusServiceUnavailable,
			[]string{"ARI event stream not connected", "redis: connection refused"}},
		{"redis slow", fakeReadiness{connected: true, slow: true}, http.StatusServiceUnavailable,
			[]string{"redis: no answer to PING within 500ms"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := opsHandler(tt.r, newMetrics(func() int { return 0 }).reg, zap.NewNop())
			start := time.Now()
			code, body := get(t, h, "/readyz")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("readyz took %s; the Redis check is bounded by %s", took, readyTimeout)
			}
			if code != tt.wantCode {
				t.Errorf("code %d, want %d (body %q)", code, tt.wantCode, body)
			}
			if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Errorf("body %q is not one line", body)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(body, w) {
					t.Errorf("body %q lacks %q", body, w)
				}
			}
		})
	}
}

func TestOpsOnlyGET(t *testing.T) {
	h := opsHandler(fakeReadiness{connected: true}, newMetrics(func() int { return 0 }).reg, zap.NewNop())
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
}

func testAppConfig() Config {
	cfg := DefaultConfig()
	cfg.Ops.Listen = ""
	return cfg
}

// TestOpsMetricsExposesNames builds two Apps in one process (each has its
// own registry) and reads one's /metrics.
func TestOpsMetricsExposesNames(t *testing.T) {
	a, err := New(testAppConfig(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.rdb.Close() })
	b, err := New(testAppConfig(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("second App in the same process: %v", err)
	}
	t.Cleanup(func() { _ = b.rdb.Close() })
	a.calls["ch-1"] = &call{}
	a.calls["ch-2"] = &call{}
	a.ops.metrics.observeDTMF(30 * time.Millisecond)
	code, body := get(t, opsHandler(fakeReadiness{}, a.ops.metrics.reg, zap.NewNop()), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		"voicemail_live_calls 2",
		`voicemail_calls_total{mode="main"} 0`,
		`voicemail_calls_total{mode="deposit"} 0`,
		`voicemail_claims_total{result="won"} 0`,
		`voicemail_claims_total{result="lost"} 0`,
		"voicemail_takeovers_total 0",
		`voicemail_deposits_total{result="saved"} 0`,
		`voicemail_deposits_total{result="too_short"} 0`,
		`voicemail_deposits_total{result="full"} 0`,
		`voicemail_deposits_total{result="failed"} 0`,
		`voicemail_errors_total{op="ari_playback"} 0`,
		`voicemail_errors_total{op="redis_session"} 0`,
		`voicemail_dtmf_to_prompt_seconds_bucket{le="0.001"} 0`,
		`voicemail_dtmf_to_prompt_seconds_bucket{le="0.05"} 1`,
		`voicemail_dtmf_to_prompt_seconds_bucket{le="2"} 1`,
		"voicemail_dtmf_to_prompt_seconds_count 1",
		"voicemail_mwi_publications_total 0",
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestOpsServerStartStop runs the real server on a free port, then stops
// it; a port already taken leaves the app running without it.
func TestOpsServerStartStop(t *testing.T) {
	o := newOpsServer(OpsConfig{Listen: "127.0.0.1:0"}, nil, func() int { return 0 }, zaptest.NewLogger(t))
	stop := o.start(context.Background())
	resp, err := http.Get("http://" + o.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz %d", resp.StatusCode)
	}

	busy := newOpsServer(OpsConfig{Listen: o.addr}, nil, func() int { return 0 }, zap.NewNop())
	busy.start(context.Background())() // logs, returns a no-op

	stop()
	if c, err := net.DialTimeout("tcp", o.addr, time.Second); err == nil {
		c.Close()
		t.Errorf("still listening on %s after stop", o.addr)
	}
	newOpsServer(OpsConfig{}, nil, func() int { return 0 }, zap.NewNop()).start(context.Background())()
}

func TestOpsStreamConnected(t *testing.T) {
	o := newOpsServer(OpsConfig{}, nil, func() int { return 0 }, zap.NewNop())
	if o.StreamConnected() {
		t.Error("connected before any stream")
	}
	client, err := ari.New(ari.Config{URL: "http://127.0.0.1:1/ari", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Stream(ari.StreamConfig{Apps: []string{"voicemail"}})
	if err != nil {
		t.Fatal(err)
	}
	o.watch(s)
	if o.StreamConnected() {
		t.Error("connected before Run")
	}
}

func TestValidListen(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "127.0.0.1:9090": true, ":9090": true, "[::1]:0": true,
		"9090": false, "localhost": false, "127.0.0.1:http": false, "127.0.0.1:70000": false,
	} {
		if got := validListen(in); got != want {
			t.Errorf("validListen(%q) = %v, want %v", in, got, want)
		}
	}
	if _, err := LoadConfig([]string{"--ops.listen", "nope"}, envOf(nil)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("--ops.listen nope: %v, want ErrInvalidConfig", err)
	}
	cfg, err := LoadConfig([]string{"--ops.listen", ""}, envOf(nil))
	if err != nil || cfg.Ops.Listen != "" {
		t.Errorf("--ops.listen \"\": %q, %v; want it off", cfg.Ops.Listen, err)
	}
}

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
		{name: "saved", start: testDeposit(), events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: depositSaved},
		{name: "too short", start: testDeposit(), events: []menus.Event{menus.Digit('#'), recordedEv(1)}, want: depositTooShort},
		{name: "hung up, measured too short", start: testDeposit(), seconds: 1,
			events: []menus.Event{menus.Digit('#'), {Kind: menus.EvHangup}}, want: depositTooShort},
		{name: "hung up, measured", start: testDeposit(), seconds: 8,
			events: []menus.Event{menus.Digit('#'), {Kind: menus.EvHangup}}, want: depositSaved},
		{name: "full at the greeting", start: mailboxFull, want: depositFull},
		{name: "full at save", start: testDeposit(), depErr: state.ErrMailboxFull,
			events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: depositFull},
		{name: "store failed", start: testDeposit(), depErr: fmt.Errorf("%w: refused", state.ErrInvalidMessage),
			events: []menus.Event{menus.Digit('#'), recordedEv(6)}, want: depositFailed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, fs, _ := newTestCall(t)
			m := newMetrics(func() int { return 0 })
			c.deps.metrics = m
			fs.seconds, fs.depErr = tt.seconds, tt.depErr
			ctx := context.Background()
			c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: tt.start}})
			for _, ev := range tt.events {
				c.step(ctx, ev)
			}
			drain(t, c)
			if got := testutil.ToFloat64(m.calls.WithLabelValues("deposit")); got != 1 {
				t.Errorf("calls_total{mode=deposit} = %v, want 1", got)
			}
			for _, r := range []string{depositSaved, depositTooShort, depositFull, depositFailed} {
				want := 0.0
				if r == tt.want {
					want = 1
				}
				if got := testutil.ToFloat64(m.deposits.WithLabelValues(r)); got != want {
					t.Errorf("deposits_total{result=%s} = %v, want %v", r, got, want)
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
	m := newMetrics(func() int { return 0 })
	c.deps.metrics = m
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: "1001@default"}})
	c.step(ctx, menus.Timeout(c.s.TimerGen))
	drain(t, c)
	if n := testutil.CollectAndCount(m.dtmfToPrompt); n != 1 {
		t.Fatalf("histogram series %d", n)
	}
	if got := histCount(t, m); got != 0 {
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
	if got := histCount(t, m); got != 1 {
		t.Errorf("observed %d latencies, want 1 (ARI calls %q)", got, fa.calls)
	}
	if got := testutil.ToFloat64(m.calls.WithLabelValues("main")); got != 1 {
		t.Errorf("calls_total{mode=main} = %v, want 1", got)
	}
}

func histCount(t *testing.T, m *metrics) uint64 {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "voicemail_dtmf_to_prompt_seconds" {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("no voicemail_dtmf_to_prompt_seconds")
	return 0
}

// errPlayer fails every call with err.
type errPlayer struct{ err error }

func (p errPlayer) Play(context.Context, string, string, []string, string) (ari.Playback, error) {
	return ari.Playback{}, p.err
}
func (p errPlayer) StopPlayback(context.Context, string) error { return p.err }
func (p errPlayer) ControlPlayback(context.Context, string, ari.PlaybackOperation) error {
	return p.err
}

func TestInstrumentCountsFailuresOnly(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want float64
	}{
		{nil, 0},
		{ari.ErrNotFound, 0}, // the caller hung up
		{ari.ErrNotInStasis, 0},
		{context.Canceled, 0}, // the call ended
		{ari.ErrServer, 3},
		{context.DeadlineExceeded, 3},
		{errors.New("connection reset"), 3},
	} {
		m := newMetrics(func() int { return 0 })
		deps := &callDeps{player: errPlayer{tt.err}}
		mwi := newMWIPublisher(&fakeMWIState{}, nil, "voicemail-mwi", zap.NewNop())
		m.instrument(deps)
		m.instrumentMWI(mwi)
		ctx := context.Background()
		_, _ = deps.player.Play(ctx, "ch", "pb", []string{"sound:x"}, "en")
		_ = deps.player.StopPlayback(ctx, "pb")
		_ = deps.player.ControlPlayback(ctx, "pb", "pause")
		if got := testutil.ToFloat64(m.errors.WithLabelValues(opARIPlayback)); got != tt.want {
			t.Errorf("%v: errors_total{op=ari_playback} = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestInstrumentCountsMWIPublications(t *testing.T) {
	m := newMetrics(func() int { return 0 })
	mwi := newMWIPublisher(&fakeMWIState{}, nil, "voicemail-mwi", zap.NewNop())
	fail := false
	mwi.publish = func(context.Context, originator, state.MailboxID, state.MWI) error {
		if fail {
			return errors.New("originate: 500")
		}
		return nil
	}
	m.instrumentMWI(mwi)
	id := state.MailboxID{Number: "1001", Context: "default"}
	mwi.PublishAll(context.Background(), []state.MailboxID{id, id}, nil)
	fail = true
	mwi.PublishAll(context.Background(), []state.MailboxID{id}, nil)
	if got := testutil.ToFloat64(m.mwiPublished); got != 2 {
		t.Errorf("mwi_publications_total = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.errors.WithLabelValues(opARIMWI)); got != 1 {
		t.Errorf("errors_total{op=ari_mwi} = %v, want 1", got)
	}
}
