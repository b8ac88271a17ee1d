package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
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
	// opsShutdownTimeout bounds the graceful stop of the server when Run
	// ends; requests still running after it are cut.
	opsShutdownTimeout = 5 * time.Second
)

// readiness is what /readyz checks.
type readiness interface {
	// StreamConnected reports whether the ARI event stream is connected.
	StreamConnected() bool
	// PingRedis returns nil when Redis answers PING.
	PingRedis(ctx context.Context) error
}

// opsServer is an instance's operations HTTP server: /healthz, /readyz and
// /metrics on ops.listen. It runs while Run runs.
type opsServer struct {
	listen  string
	metrics *metrics
	rdb     redis.UniversalClient
	log     *zap.Logger
	// streams are the ARI event streams, one per Asterisk, once Run has
	// made them.
	streams atomic.Pointer[[]*ari.Stream]
	// addr is the address the server listens on, once started.
	addr string
}

// newOpsServer makes the server of cfg; nothing listens before start.
// liveCalls is read by voicemail_live_calls at each scrape.
func newOpsServer(cfg OpsConfig, rdb redis.UniversalClient, liveCalls func() int, log *zap.Logger) *opsServer {
	return &opsServer{listen: cfg.Listen, metrics: newMetrics(liveCalls), rdb: rdb, log: log}
}

// watch makes /readyz follow streams.
func (o *opsServer) watch(streams ...*ari.Stream) { o.streams.Store(&streams) }

// StreamConnected implements readiness: some Asterisk can hand this
// instance calls. With several, one down (for maintenance, say) leaves the
// instance ready for the others' calls.
func (o *opsServer) StreamConnected() bool {
	p := o.streams.Load()
	if p == nil {
		return false
	}
	for _, s := range *p {
		if s.Connected() {
			return true
		}
	}
	return false
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

// notReady returns why the instance cannot take calls, "" when it can: the
// ARI event stream must be connected (else Asterisk cannot hand it calls)
// and Redis must answer PING within readyTimeout.
func notReady(ctx context.Context, r readiness) string {
	var reasons []string
	if !r.StreamConnected() {
		reasons = append(reasons, "ARI event stream not connected")
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
