package ari

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/clusterpbx/voicemail/ari/aritest"
)

// streamHarness runs a Stream against a fake server.
type streamHarness struct {
	srv    *aritest.Server
	s      *Stream
	logs   *observer.ObservedLogs
	cancel context.CancelFunc
	done   chan error
}

// startStream starts Run on a Stream for srv; the test's cleanup stops it.
// Fast backoff keeps reconnect tests short.
func startStream(t *testing.T, srv *aritest.Server, password string, cfg StreamConfig, opts ...StreamOption) *streamHarness {
	t.Helper()
	h := newStream(t, srv, password, cfg, opts...)
	h.start(t)
	return h
}

func newStream(t *testing.T, srv *aritest.Server, password string, cfg StreamConfig, opts ...StreamOption) *streamHarness {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: password}, WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Apps == nil {
		cfg.Apps = []string{"voicemail"}
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	}
	s, err := c.Stream(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &streamHarness{srv: srv, s: s, logs: logs}
}

func (h *streamHarness) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

// next returns the next event, bounded by ctx.
func next(ctx context.Context, t *testing.T, s *Stream) Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			t.Fatal("Events closed")
		}
		return e
	case <-ctx.Done():
		t.Fatal("no event before the deadline")
	}
	return nil
}

// waitFor polls cond until it holds or ctx is done.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestStreamDeliversTypedEvents(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	h := startStream(t, srv, aritest.DefaultPassword, StreamConfig{Apps: []string{"voicemail", "vm b"}})
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r, err := srv.WaitRequest(ctx, "GET", "/ari/events")
	if err != nil {
		t.Fatal(err)
	}
	if r.RawQuery != "app=voicemail,vm+b&subscribeAll=false" {
		t.Errorf("ws query %q", r.RawQuery)
	}
	if err := srv.Send([]byte(evStasisStart)); err != nil {
		t.Fatal(err)
	}
	ev, ok := next(ctx, t, h.s).(*StasisStart)
	if !ok || ev.Channel.ID != "1764170712.42" || ev.Args[1] != "1001" {
		t.Fatalf("got %#v, want the StasisStart", ev)
	}
	if !h.s.Connected() {
		t.Error("Connected() = false while connected")
	}
	// A typed value sent through aritest round-trips too.
	if err := srv.Send(&PlaybackFinished{Meta: Meta{Type: "PlaybackFinished", Application: "voicemail"},
		Playback: Playback{ID: "pb1", TargetURI: "channel:c1", State: "done"}}); err != nil {
		t.Fatal(err)
	}
	if pf, ok := next(ctx, t, h.s).(*PlaybackFinished); !ok || pf.Playback.ID != "pb1" || ChannelID(pf) != "c1" {
		t.Fatalf("got %#v, want the PlaybackFinished", pf)
	}
}

func TestStreamSkipsUnknownAndBadFrames(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	h := startStream(t, srv, aritest.DefaultPassword, StreamConfig{})
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{evUnknown, "garbage", `{"type":""}`, evStasisEnd} {
		if err := srv.Send([]byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := next(ctx, t, h.s).(*StasisEnd); !ok {
		t.Fatal("the event after the skipped ones is not the StasisEnd")
	}
	if n := h.logs.FilterMessageSnippet("skipping bad frame").FilterLevelExact(zapcore.WarnLevel).Len(); n != 2 {
		t.Errorf("%d bad-frame warnings, want 2", n)
	}
	unknown := h.logs.FilterMessageSnippet("unknown event").FilterLevelExact(zapcore.DebugLevel).All()
	if len(unknown) != 1 || unknown[0].ContextMap()["type"] != "ChannelDialplan" {
		t.Errorf("unknown-event logs %+v", unknown)
	}
	if !h.s.Connected() {
		t.Error("bad frames closed the connection")
	}
}

func TestStreamReconnectsAfterDrop(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	connects := make(chan bool, 10)
	h := startStream(t, srv, aritest.DefaultPassword, StreamConfig{},
		WithOnConnect(func(_ context.Context, reconnect bool) { connects <- reconnect }))

	wantConnect := func(want bool) {
		t.Helper()
		select {
		case got := <-connects:
			if got != want {
				t.Fatalf("OnConnect reconnect=%v, want %v", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("OnConnect(reconnect=%v) never ran", want)
		}
	}
	wantConnect(false)
	// The client can see the handshake done before the server has
	// registered the socket.
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	wantConnect(true)
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := srv.Send([]byte(evDTMF)); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(ctx, t, h.s).(*ChannelDtmfReceived); !ok {
		t.Fatal("no event after the reconnect")
	}
	if h.logs.FilterMessageSnippet("reconnecting").Len() == 0 {
		t.Error("the lost connection was not logged")
	}
}

// ApplicationReplaced marks the stream replaced (no more calls come to
// it) until a new connection registers the app again.
func TestStreamReplacedUntilReconnect(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	h := startStream(t, srv, aritest.DefaultPassword, StreamConfig{})
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if h.s.Replaced() {
		t.Fatal("replaced before any ApplicationReplaced")
	}
	if err := srv.Send([]byte(evReplaced)); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(ctx, t, h.s).(*ApplicationReplaced); !ok {
		t.Fatal("ApplicationReplaced not delivered")
	}
	if !h.s.Replaced() || !h.s.Connected() {
		t.Fatalf("after ApplicationReplaced: replaced %v, connected %v; want both", h.s.Replaced(), h.s.Connected())
	}
	srv.DropConnections()
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := srv.Send([]byte(evDTMF)); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(ctx, t, h.s).(*ChannelDtmfReceived); !ok {
		t.Fatal("no event after the reconnect")
	}
	if h.s.Replaced() {
		t.Error("still replaced after a new connection registered the app")
	}
}

func TestStreamPings(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	connects := make(chan bool, 100)
	h := newStream(t, srv, aritest.DefaultPassword, StreamConfig{},
		WithOnConnect(func(_ context.Context, reconnect bool) { connects <- reconnect }))
	h.s.pingInterval = 10 * time.Millisecond
	h.s.pingTimeout = time.Second // Generous: a slow pong must not fail phase one.
	h.start(t)

	select {
	case <-connects:
	case <-ctx.Done():
		t.Fatal("never connected")
	}
	waitFor(ctx, t, "three pings", func() bool { return srv.Pings() >= 3 })
	if len(connects) != 0 {
		t.Fatalf("%d reconnects while pings were answered, want 0", len(connects))
	}

	// A server that stops answering pings is given up on.
	srv.IgnorePings(true)
	waitFor(ctx, t, "a reconnect", func() bool { return len(connects) >= 1 })
	srv.IgnorePings(false)
	found := false
	for _, e := range h.logs.FilterMessageSnippet("reconnecting").All() {
		if err, ok := e.ContextMap()["error"].(string); ok && strings.Contains(err, "ping") {
			found = true
		}
	}
	if !found {
		t.Error("no reconnect log mentions the failed ping")
	}
}

func TestStreamStopsWithoutLeaks(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	before := runtime.NumGoroutine()

	onConnectDone := make(chan struct{})
	h := newStream(t, srv, aritest.DefaultPassword, StreamConfig{},
		WithOnConnect(func(ctx context.Context, _ bool) {
			<-ctx.Done() // A reconcile that runs until cancelled.
			close(onConnectDone)
		}))
	h.s.pingInterval = 10 * time.Millisecond
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.s.Run(runCtx) }()

	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := srv.Send([]byte(evStasisStart)); err != nil {
		t.Fatal(err)
	}
	next(ctx, t, h.s)
	cancel()

	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return after cancel")
	}
	select {
	case <-onConnectDone:
	default:
		t.Error("Run returned before OnConnect")
	}
	if _, ok := <-h.s.Events(); ok {
		t.Error("Events not closed after Run returned")
	}
	if h.s.Connected() {
		t.Error("Connected() = true after Run returned")
	}
	// Run's goroutines are gone; the server's end of the socket winds down
	// once it sees the close.
	for runtime.NumGoroutine() > before {
		select {
		case <-ctx.Done():
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before Run, %d after:\n%s", before, runtime.NumGoroutine(),
				buf[:runtime.Stack(buf, true)])
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := h.s.Run(context.Background()); err == nil {
		t.Error("a second Run succeeded")
	}
}

func TestStreamRetriesUnauthorized(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	h := startStream(t, srv, "wrong", StreamConfig{})
	waitFor(ctx, t, "two dial attempts", func() bool {
		n := 0
		for _, r := range srv.Requests() {
			if r.Path == "/ari/events" {
				n++
			}
		}
		return n >= 2
	})
	if h.s.Connected() {
		t.Error("Connected() = true with a wrong password")
	}
	errs := h.logs.FilterMessageSnippet("unauthorized").FilterLevelExact(zapcore.ErrorLevel)
	if errs.Len() == 0 {
		t.Fatal("401 not logged as an error")
	}
	if err, _ := errs.All()[0].ContextMap()["error"].(string); !strings.Contains(err, "401") {
		t.Errorf("logged error %q lacks the status", err)
	}
}

func TestStreamBlocksWhenFull(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	h := startStream(t, srv, aritest.DefaultPassword, StreamConfig{Buffer: 1})
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"1", "2", "3"} {
		f := strings.Replace(evDTMF, `"digit":"#"`, fmt.Sprintf(`"digit":%q`, d), 1)
		if err := srv.Send([]byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	// ObservedLogs filters are snapshots: filter afresh on every poll.
	waitFor(ctx, t, "the buffer-full warning", func() bool {
		return h.logs.FilterMessageSnippet("buffer full").Len() > 0
	})
	for _, want := range []string{"1", "2", "3"} {
		ev, ok := next(ctx, t, h.s).(*ChannelDtmfReceived)
		if !ok || ev.Digit != want {
			t.Fatalf("got %#v, want digit %s", ev, want)
		}
	}
	if n := h.logs.FilterMessageSnippet("buffer full").Len(); n != 1 {
		t.Errorf("%d buffer-full warnings for one stall, want 1", n)
	}
}

func TestStreamConfig(t *testing.T) {
	c, err := New(Config{URL: "https://pbx.example:8089/ari", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []StreamConfig{
		{},
		{Apps: []string{""}},
		{Apps: []string{"a,b"}},
		{Apps: []string{"a"}, MinBackoff: time.Second, MaxBackoff: time.Millisecond},
		{Apps: []string{"a"}, MinBackoff: -1},
		{Apps: []string{"a"}, Buffer: -1},
	} {
		if _, err := c.Stream(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Stream(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	s, err := c.Stream(StreamConfig{Apps: []string{"voicemail"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.url != "wss://pbx.example:8089/ari/events?app=voicemail&subscribeAll=false" {
		t.Errorf("url %q", s.url)
	}
	s2, err := c.Stream(StreamConfig{Apps: []string{"vmtest", "b"}, SubscribeAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if s2.url != "wss://pbx.example:8089/ari/events?app=vmtest,b&subscribeAll=true" {
		t.Errorf("url %q", s2.url)
	}
	if s.header.Get("Authorization") != "Basic dTpw" {
		t.Errorf("Authorization %q", s.header.Get("Authorization"))
	}
	if s.minBackoff != DefaultMinBackoff || s.maxBackoff != DefaultMaxBackoff || cap(s.events) != DefaultBuffer {
		t.Errorf("defaults: %v %v %d", s.minBackoff, s.maxBackoff, cap(s.events))
	}

	// Run on a done context returns at once and closes Events.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if _, ok := <-s.Events(); ok {
		t.Error("Events open after Run")
	}
}

func TestBackoff(t *testing.T) {
	const minD, maxD = 100 * time.Millisecond, 5 * time.Second
	for n := 0; n < 20; n++ {
		d := minD << min(n, 10)
		d = min(d, maxD)
		for range 50 {
			got := backoff(minD, maxD, n)
			if got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, got, d/2, d)
			}
		}
	}
}

// TestStreamSetsEventFilterOnEveryConnect checks that AllowedEvents becomes
// the app's event filter before OnConnect runs, again after a reconnect
// (Asterisk forgets it with the app), and that a refused filter is logged
// without stopping the stream.
func TestStreamSetsEventFilterOnEveryConnect(t *testing.T) {
	ctx := testCtx(t)
	srv := aritest.NewServer(t)
	var puts atomic.Int32
	srv.Handle(http.MethodPut, "/applications/{name}/eventFilter", func(w http.ResponseWriter, r *http.Request) {
		if puts.Add(1) == 1 {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"name":"voicemail","channel_ids":[],"events_allowed":[{"type":"StasisStart"},{"type":"StasisEnd"}]}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Resource not found"}`))
	})
	connects := make(chan int32, 10)
	h := startStream(t, srv, aritest.DefaultPassword,
		StreamConfig{Apps: []string{"vm/1"}, AllowedEvents: []string{"StasisStart", "StasisEnd"}},
		WithOnConnect(func(_ context.Context, _ bool) { connects <- puts.Load() }))

	wantConnectAfter := func(n int32) {
		t.Helper()
		select {
		case got := <-connects:
			if got != n {
				t.Fatalf("OnConnect ran after %d filter requests, want %d", got, n)
			}
		case <-ctx.Done():
			t.Fatal("OnConnect never ran")
		}
	}
	wantConnectAfter(1)
	req, err := srv.WaitRequest(ctx, http.MethodPut, "/applications/")
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/ari/applications/vm%2F1/eventFilter" {
		t.Errorf("path %s", req.Path)
	}
	const wantBody = `{"allowed":[{"type":"StasisStart"},{"type":"StasisEnd"}],"disallowed":[]}`
	if string(req.Body) != wantBody {
		t.Errorf("body %s, want %s", req.Body, wantBody)
	}
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	wantConnectAfter(2)
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if h.logs.FilterMessageSnippet("cannot set the event filter").Len() != 1 {
		t.Error("the refused filter was not logged once")
	}
	if err := srv.Send([]byte(evDTMF)); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(ctx, t, h.s).(*ChannelDtmfReceived); !ok {
		t.Fatal("no event after the refused filter")
	}
	if h.s.Frames() != 1 {
		t.Errorf("Frames() = %d, want 1", h.s.Frames())
	}
}
