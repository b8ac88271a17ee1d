package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// Bounds of the operations HTTP server.
const (
	// readyTimeout bounds the Redis PING of one /readyz.
	readyTimeout = 500 * time.Millisecond
	// registryTimeout bounds /readyz's probe of an Asterisk's application
	// registry (GET /applications/{app}), which answers in about a
	// millisecond on loopback; one that does not answer within it is
	// taken as hung: Asterisk 22.10 can deadlock the registry, after which
	// every application request hangs while the event WebSocket stays up
	// (asterisk/asterisk#2170).
	registryTimeout = time.Second
	// registryTTL is how long one probe's result answers /readyz, so that
	// it can be polled often at the cost of at most one ARI request per
	// Asterisk per registryTTL.
	registryTTL = time.Second
	// opsShutdownTimeout bounds the graceful stop of the server when Run
	// ends; requests still running after it are cut.
	opsShutdownTimeout = 5 * time.Second
)

// readiness is what /readyz checks.
type readiness interface {
	// ARIReady returns nil when some Asterisk can hand this instance
	// calls, else why none can.
	ARIReady(ctx context.Context) error
	// PingRedis returns nil when Redis answers PING.
	PingRedis(ctx context.Context) error
}

// appGetter is how /readyz probes an Asterisk's application registry;
// *ari.Client implements it.
type appGetter interface {
	Application(ctx context.Context, name string) (ari.Application, error)
}

// errNoStream is ARIReady's answer when no ARI event stream is connected.
var errNoStream = errors.New("ARI event stream not connected")

// errReplaced is ARIReady's answer when every connected stream had its app
// taken by another connection (ari.Stream.Replaced).
var errReplaced = errors.New("ARI application taken over by another connection with the same ari.app: this instance gets no calls (give each instance its own app name)")

// ariTarget is one Asterisk as /readyz sees it: its event stream and a
// cached probe of its application registry.
type ariTarget struct {
	// name is the Asterisk's host:port, for the reason.
	name   string
	stream interface {
		Connected() bool
		Replaced() bool
	}
	apps appGetter

	mu sync.Mutex // held through a probe: callers meanwhile share its result
	at time.Time  // when the last probe ended
	// err is the last probe's result.
	err error
}

// probe returns whether app's registry answered GET /applications/{app}
// within registryTimeout, probing at most once per registryTTL.
func (t *ariTarget) probe(ctx context.Context, app string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.at.IsZero() && time.Since(t.at) < registryTTL {
		return t.err
	}
	// A probe outlives the request that started it: its result serves the
	// next ones.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), registryTimeout)
	defer cancel()
	_, err := t.apps.Application(ctx, app)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("ARI application registry of %s did not answer GET /applications/%s within %s (hung: asterisk/asterisk#2170?)", t.name, app, registryTimeout)
	case err != nil:
		err = fmt.Errorf("ARI application %s on %s: %w", app, t.name, err)
	}
	t.err, t.at = err, time.Now()
	return err
}

// opsServer is an instance's operations HTTP server: /healthz, /readyz and
// /metrics on ops.listen. It runs while Run runs.
type opsServer struct {
	listen  string
	metrics *metrics
	rdb     redis.UniversalClient
	log     *zap.Logger
	// app is the ARI application name /readyz probes.
	app string
	// targets are the Asterisk servers, once Run has made their event
	// streams.
	targets atomic.Pointer[[]*ariTarget]
	// addr is the address the server listens on, once started.
	addr string
}

// newOpsServer makes the server of cfg; nothing listens before start.
// liveCalls is read by voicemail_live_calls at each scrape.
func newOpsServer(cfg OpsConfig, rdb redis.UniversalClient, liveCalls func() int, log *zap.Logger) *opsServer {
	return &opsServer{listen: cfg.Listen, metrics: newMetrics(liveCalls), rdb: rdb, log: log}
}

// watch makes /readyz follow the nodes' event streams and probe their
// application registries for app. Each node's stream must be set.
func (o *opsServer) watch(app string, nodes ...*node) {
	targets := make([]*ariTarget, len(nodes))
	for i, n := range nodes {
		targets[i] = &ariTarget{name: n.name, stream: n.stream, apps: n.client}
	}
	o.app = app
	o.targets.Store(&targets)
}

// StreamConnected reports whether some Asterisk's event stream is
// connected.
func (o *opsServer) StreamConnected() bool {
	p := o.targets.Load()
	if p == nil {
		return false
	}
	for _, t := range *p {
		if t.stream.Connected() {
			return true
		}
	}
	return false
}

// ARIReady implements readiness: some Asterisk can hand this instance
// calls, its event stream connected and its application registry
// answering. With several, one down (for maintenance, say) leaves the
// instance ready for the others' calls. The registries of the connected
// ones are probed at once, each at most once per registryTTL.
func (o *opsServer) ARIReady(ctx context.Context) error {
	p := o.targets.Load()
	if p == nil {
		return errNoStream
	}
	var connected []*ariTarget
	replaced := 0
	for _, t := range *p {
		switch {
		case !t.stream.Connected():
		case t.stream.Replaced():
			replaced++
		default:
			connected = append(connected, t)
		}
	}
	if len(connected) == 0 && replaced > 0 {
		return fmt.Errorf("%w on %d Asterisk(s)", errReplaced, replaced)
	}
	if len(connected) == 0 {
		return errNoStream
	}
	errs := make([]error, len(connected))
	var wg sync.WaitGroup
	for i, t := range connected {
		wg.Go(func() { errs[i] = t.probe(ctx, o.app) })
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return errors.Join(errs...)
}

// PingRedis implements readiness.
func (o *opsServer) PingRedis(ctx context.Context) error { return o.rdb.Ping(ctx).Err() }

// start serves until the returned function is called; that function stops
// the server gracefully (bounded by opsShutdownTimeout) and returns once it
// has stopped. With ops.listen empty it does nothing. A listen failure (the
// port is taken) is logged and the app runs on without the server: calls
// matter more than metrics, and a missing /readyz shows up to whatever
// probes it.
func (o *opsServer) start(ctx context.Context) (stop func()) {
	if o.listen == "" {
		return func() {}
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", o.listen)
	if err != nil {
		o.log.Error("ops server not started: health, readiness and metrics are unavailable",
			zap.String("listen", o.listen), zap.Error(err))
		return func() {}
	}
	o.addr = ln.Addr().String()
	srv := &http.Server{
		Handler:           opsHandler(o, o.metrics.reg, o.log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          zap.NewStdLog(o.log),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.log.Error("ops server", zap.Error(err))
		}
	}()
	o.log.Info("ops server listening", zap.String("addr", o.addr))
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), opsShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			o.log.Warn("ops server: graceful stop", zap.Error(err))
			_ = srv.Close()
		}
		<-done
	}
}

// opsHandler serves /healthz, /readyz (checking r) and /metrics (from g).
func opsHandler(r readiness, g prometheus.Gatherer, log *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		// Liveness: answering at all means the process runs.
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		if reason := notReady(req.Context(), r); reason != "" {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+reason)
			return
		}
		writeText(w, http.StatusOK, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog: zap.NewStdLog(log),
		Timeout:  10 * time.Second,
	}))
	return mux
}

// notReady returns why the instance cannot take calls, "" when it can:
// some Asterisk must have its event stream connected and its application
// registry answering (else no Asterisk can hand it calls), and Redis must
// answer PING within readyTimeout.
func notReady(ctx context.Context, r readiness) string {
	var reasons []string
	if err := r.ARIReady(ctx); err != nil {
		reasons = append(reasons, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	switch err := r.PingRedis(ctx); {
	case errors.Is(err, context.DeadlineExceeded):
		reasons = append(reasons, "redis: no answer to PING within "+readyTimeout.String())
	case err != nil:
		reasons = append(reasons, "redis: "+err.Error())
	}
	return strings.Join(reasons, "; ")
}

// writeText writes one line of plain text.
func writeText(w http.ResponseWriter, code int, line string) {
	line = strings.ReplaceAll(line, "\n", " ") + "\n"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(line)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, line)
}

// validListen accepts "" (off) and host:port with a numeric port.
func validListen(s string) bool {
	if s == "" {
		return true
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// liveCalls is the size of the call registry (voicemail_live_calls).
func (a *App) liveCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}
