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
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
)

// fakeReadiness is what /readyz sees. ping blocks until ctx ends when slow.
type fakeReadiness struct {
	connected bool
	pingErr   error
	slow      bool
}

func (f fakeReadiness) ARIReady(context.Context) error {
	if !f.connected {
		return errNoStream
	}
	return nil
}
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
	a.calls["ch-1"] = &liveCall{}
	a.calls["ch-2"] = &liveCall{}
	a.ops.metrics.ObserveDTMF(3*time.Millisecond, 30*time.Millisecond)
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
		`voicemail_dtmf_to_play_sent_seconds_bucket{le="0.0025"} 0`,
		`voicemail_dtmf_to_play_sent_seconds_bucket{le="0.005"} 1`,
		"voicemail_mwi_publications_total 0",
		`voicemail_login_refusals_total{reason="wrong_pin"} 0`,
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
	o.watch("voicemail", &node{name: "127.0.0.1:1", client: client, stream: s})
	if o.StreamConnected() {
		t.Error("connected before Run")
	}
	if err := o.ARIReady(context.Background()); !errors.Is(err, errNoStream) {
		t.Errorf("ARIReady before Run = %v, want errNoStream", err)
	}
}

// redisUp is the ops server with a Redis that answers.
type redisUp struct{ *opsServer }

func (redisUp) PingRedis(context.Context) error { return nil }

// TestOpsReadyzHungRegistry is issue 12's "/readyz notices a hung ARI
// application registry": Asterisk 22.10 can deadlock it
// (asterisk/asterisk#2170) while the event WebSocket stays up, and the
// instance then cannot take a call. /readyz probes GET /applications/{app}
// with a bound, says why it is not ready, reuses the probe's result for
// registryTTL, and is ready again once the registry answers.
func TestOpsReadyzHungRegistry(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, time.Minute)
	srv := aritest.NewServer(t)
	var hung atomic.Bool
	hung.Store(true)
	srv.Handle(http.MethodGet, "/applications/{name}", func(w http.ResponseWriter, r *http.Request) {
		if hung.Load() {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"voicemail","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[]}`))
	})
	client, err := ari.New(ari.Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	must(t, err)
	stream, err := client.Stream(ari.StreamConfig{Apps: []string{"voicemail"}})
	must(t, err)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); _ = stream.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-ran })
	go func() {
		for range stream.Events() {
		}
	}()
	testkit.Eventually(t, 10*time.Second, 10*time.Millisecond, testkit.Cond("stream connected", stream.Connected))

	o := newOpsServer(OpsConfig{}, nil, func() int { return 0 }, zap.NewNop())
	name := strings.TrimPrefix(strings.TrimSuffix(srv.URL(), "/ari"), "http://")
	o.watch("voicemail", &node{name: name, client: client, stream: stream})
	h := opsHandler(redisUp{o}, o.metrics.reg, zap.NewNop())
	probes := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == http.MethodGet && r.Path == "/ari/applications/voicemail" {
				n++
			}
		}
		return n
	}

	start := time.Now()
	code, body := get(t, h, "/readyz")
	took := time.Since(start)
	want := "not ready: ARI application registry of " + name + " did not answer GET /applications/voicemail within 1s"
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, want) {
		t.Errorf("GET /readyz = %d %q, want 503 %q…", code, body, want)
	}
	if took < registryTimeout || took > registryTimeout+time.Second {
		t.Errorf("readyz took %v, want the probe's bound, %v", took, registryTimeout)
	}
	// Polled again at once, it answers from the last probe.
	start = time.Now()
	if code, _ := get(t, h, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("second GET /readyz = %d, want 503", code)
	}
	if took := time.Since(start); took > registryTimeout/2 {
		t.Errorf("second readyz took %v: not cached", took)
	}
	if n := probes(); n != 1 {
		t.Errorf("%d probes of the registry, want 1 within %v", n, registryTTL)
	}

	hung.Store(false)
	testkit.Eventually(t, 5*time.Second, 50*time.Millisecond, func() error {
		if code, body := get(t, h, "/readyz"); code != http.StatusOK {
			return fmt.Errorf("GET /readyz = %d %q", code, body)
		}
		return nil
	})
}

// slowApps is an application registry that answers err, or never.
type slowApps struct {
	hung bool
	err  error
}

func (s slowApps) Application(ctx context.Context, name string) (ari.Application, error) {
	if s.hung {
		<-ctx.Done()
		return ari.Application{}, ctx.Err()
	}
	return ari.Application{Name: name}, s.err
}

type fakeStream bool

func (f fakeStream) Connected() bool { return bool(f) }
func (f fakeStream) Replaced() bool  { return false }

// replacedStream is connected, its app taken by another connection.
type replacedStream struct{}

func (replacedStream) Connected() bool { return true }
func (replacedStream) Replaced() bool  { return true }

// With several Asterisk servers, the instance is ready while one of them
// is connected with a registry that answers.
func TestOpsARIReadyAcrossAsterisks(t *testing.T) {
	ok, hung := slowApps{}, slowApps{hung: true}
	missing := slowApps{err: ari.ErrNotFound}
	for _, tt := range []struct {
		name    string
		targets []*ariTarget
		want    string // "" for ready
	}{
		{"none connected", []*ariTarget{{name: "a", stream: fakeStream(false), apps: ok}}, "ARI event stream not connected"},
		{"one answering", []*ariTarget{{name: "a", stream: fakeStream(true), apps: ok}}, ""},
		{"app taken by another connection", []*ariTarget{{name: "a", stream: replacedStream{}, apps: ok}}, "taken over by another connection"},
		{"one taken, one answering", []*ariTarget{{name: "a", stream: replacedStream{}, apps: ok},
			{name: "b", stream: fakeStream(true), apps: ok}}, ""},
		{"one hung, one answering", []*ariTarget{{name: "a", stream: fakeStream(true), apps: hung},
			{name: "b", stream: fakeStream(true), apps: ok}}, ""},
		{"answering one not connected", []*ariTarget{{name: "a", stream: fakeStream(true), apps: hung},
			{name: "b", stream: fakeStream(false), apps: ok}}, "ARI application registry of a did not answer"},
		{"app unknown", []*ariTarget{{name: "a", stream: fakeStream(true), apps: missing}}, "ARI application voicemail on a: ari: not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := newOpsServer(OpsConfig{}, nil, func() int { return 0 }, zap.NewNop())
			o.app = "voicemail"
			o.targets.Store(&tt.targets)
			err := o.ARIReady(context.Background())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ARIReady = %v, want ready", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ARIReady = %v, want %q", err, tt.want)
			}
		})
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
		deps := &call.Deps{Player: errPlayer{tt.err}}
		mwi := newMWIPublisher(&fakeMWIState{}, nil, "voicemail-mwi", zap.NewNop())
		m.instrument(deps)
		m.instrumentMWI(mwi)
		ctx := context.Background()
		_, _ = deps.Player.Play(ctx, "ch", "pb", []string{"sound:x"}, "en")
		_ = deps.Player.StopPlayback(ctx, "pb")
		_ = deps.Player.ControlPlayback(ctx, "pb", "pause")
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

// A write too few replicas confirmed is counted apart from failures.
func TestMetricsCountNotReplicatedApart(t *testing.T) {
	m := newMetrics(func() int { return 0 })
	m.count(opRedisMessages, fmt.Errorf("state: deposit: %w", state.ErrNotReplicated))
	if got := testutil.ToFloat64(m.notReplicated.WithLabelValues(opRedisMessages)); got != 1 {
		t.Errorf("voicemail_redis_not_replicated_total{op=%s} = %v, want 1", opRedisMessages, got)
	}
	if got := testutil.ToFloat64(m.errors.WithLabelValues(opRedisMessages)); got != 0 {
		t.Errorf("voicemail_errors_total{op=%s} = %v, want 0", opRedisMessages, got)
	}
}
