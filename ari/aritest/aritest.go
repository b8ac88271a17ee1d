// Package aritest provides a fake ARI server for unit tests, in the manner of
// net/http/httptest: it records every request, answers the routes a Stasis
// application uses with plausible JSON, lets a test override any route, and
// serves the event WebSocket so a test can push events and drop connections.
//
// It does not import package ari, so tests inside package ari can use it.
package aritest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Default credentials accepted by a Server made without WithCredentials.
const (
	// DefaultUsername is the ARI user the server accepts by default.
	DefaultUsername = "test"
	// DefaultPassword is that user's password.
	DefaultPassword = "test"
	// AsteriskID is the entity id the server reports in ping and info.
	AsteriskID = "02:42:ac:11:00:02"
)

// ErrNoConnections is returned by Send when no WebSocket client is connected.
var ErrNoConnections = errors.New("aritest: no WebSocket connections")

// Request is one request the server received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the escaped path, including /ari, e.g.
	// "/ari/recordings/stored/vm%2Fdefault%2F1001%2Fmsg1".
	Path string
	// RawQuery is the query string as sent, e.g. "terminateOn=%23".
	RawQuery string
	// Query is the parsed query string.
	Query url.Values
	// Body is the request body.
	Body []byte
}

// Option customises a Server.
type Option func(*Server)

// WithCredentials sets the Basic auth user and password the server accepts,
// instead of DefaultUsername and DefaultPassword.
func WithCredentials(user, password string) Option {
	return func(s *Server) {
		s.user, s.password = user, password
	}
}

// Server is a fake ARI server on a loopback port.
type Server struct {
	srv      *httptest.Server
	defaults *http.ServeMux
	user     string
	password string

	mu          sync.Mutex
	overrides   *http.ServeMux
	handlers    map[string]http.HandlerFunc // override pattern → handler
	requests    []Request
	conns       map[*websocket.Conn]struct{}
	connTotal   int
	pings       int
	ignorePings bool
	vars        map[string]string   // channel id + "\x00" + name → value
	subs        map[string][]string // app → event sources, in order
	nextID      int
	changed     chan struct{} // closed and replaced on every change
	closed      bool
	wsWG        sync.WaitGroup
}

// NewServer starts a Server; t.Cleanup closes it.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		defaults:  http.NewServeMux(),
		overrides: http.NewServeMux(),
		handlers:  map[string]http.HandlerFunc{},
		user:      DefaultUsername,
		password:  DefaultPassword,
		conns:     map[*websocket.Conn]struct{}{},
		vars:      map[string]string{},
		subs:      map[string][]string{},
		changed:   make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL returns the ARI base URL, including /ari, for ari.Config.URL.
func (s *Server) URL() string { return s.srv.URL + "/ari" }

// Close closes every WebSocket and shuts the server down. NewServer registers
// it with t.Cleanup; calling it again is harmless.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := s.snapshotConns()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
	s.srv.Close()
	s.wsWG.Wait()
}

// Handle overrides the route for method ("" for any) and pathPattern, a Go
// 1.22 ServeMux path pattern such as "/ari/channels/{id}/answer" (the "/ari"
// prefix is added when missing); h can read r.PathValue. Later calls for the
// same route replace the handler. Requests are recorded and authenticated
// before h runs. Like http.ServeMux, it panics on a pattern that conflicts
// with another override.
func (s *Server) Handle(method, pathPattern string, h http.HandlerFunc) {
	if !strings.HasPrefix(pathPattern, "/ari/") {
		pathPattern = "/ari" + pathPattern
	}
	pattern := pathPattern
	if method != "" {
		pattern = method + " " + pathPattern
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.handlers[pattern]; !ok {
		s.overrides.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			h := s.handlers[pattern]
			s.mu.Unlock()
			h(w, r)
		})
	}
	s.handlers[pattern] = h
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitRequest returns the earliest request whose method is method and whose
// path (with or without the "/ari" prefix) starts with pathPrefix, waiting
// for one until ctx is done.
func (s *Server) WaitRequest(ctx context.Context, method, pathPrefix string) (Request, error) {
	for {
		s.mu.Lock()
		for _, r := range s.requests {
			if r.Method == method && (strings.HasPrefix(r.Path, pathPrefix) ||
				strings.HasPrefix(strings.TrimPrefix(r.Path, "/ari"), pathPrefix)) {
				s.mu.Unlock()
				return r, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Request{}, fmt.Errorf("aritest: waiting for %s %s: %w", method, pathPrefix, ctx.Err())
		}
	}
}

// WaitConnected waits until at least n WebSocket connections have been
// accepted since the server started (closed ones included), or ctx is done.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		total, ch := s.connTotal, s.changed
		s.mu.Unlock()
		if total >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("aritest: waiting for %d connections (have %d): %w", n, total, ctx.Err())
		}
	}
}

// Send JSON-encodes event and writes it as one text frame to every open
// WebSocket. A []byte is sent verbatim (for malformed frames). It returns
// ErrNoConnections when none is open.
func (s *Server) Send(event any) error {
	var data []byte
	if b, ok := event.([]byte); ok {
		data = b
	} else {
		var err error
		if data, err = json.Marshal(event); err != nil {
			return fmt.Errorf("aritest: encode event: %w", err)
		}
	}
	s.mu.Lock()
	conns := s.snapshotConns()
	s.mu.Unlock()
	if len(conns) == 0 {
		return ErrNoConnections
	}
	var errs []error
	for _, c := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.Write(ctx, websocket.MessageText, data); err != nil {
			errs = append(errs, fmt.Errorf("aritest: send: %w", err))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// DropConnections abruptly closes every open WebSocket, as a network failure
// or an Asterisk restart would. Dropped connections leave OpenConnections and
// Send at once.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.snapshotConns()
	clear(s.conns)
	s.notify()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

// Restart drops every WebSocket, as DropConnections does, and forgets
// every application's subscriptions, as a restarted Asterisk has: its
// applications are made afresh by the WebSockets that connect to it.
func (s *Server) Restart() {
	s.mu.Lock()
	clear(s.subs)
	s.mu.Unlock()
	s.DropConnections()
}

// OpenConnections returns how many WebSockets are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Subscriptions returns the event sources app is subscribed to, in the
// order they were added ("channel:ID", "endpoint:PJSIP/sipp"): those of
// POST /applications/{name}/subscription and of the channels
// POST /channels/create placed into app.
func (s *Server) Subscriptions(app string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.subs[app]...)
}

// IgnorePings makes the server stop (true) or resume (false) answering the
// clients' WebSocket pings, to simulate a hung Asterisk.
func (s *Server) IgnorePings(ignore bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignorePings = ignore
}

// Pings returns how many WebSocket pings the server has received.
func (s *Server) Pings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings
}

// snapshotConns returns the open connections; s.mu must be held.
func (s *Server) snapshotConns() []*websocket.Conn {
	out := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// notify wakes the waiters; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// serve records, authenticates and routes every request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery,
		Query:    r.URL.Query(),
		Body:     body,
	})
	s.notify()
	s.mu.Unlock()

	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, msg("Authentication required"))
		return
	}

	// ServeHTTP (not the Handler it reports) sets r.PathValue.
	if _, pattern := s.overrides.Handler(r); pattern != "" {
		s.overrides.ServeHTTP(w, r)
		return
	}
	if _, pattern := s.defaults.Handler(r); pattern != "" {
		s.defaults.ServeHTTP(w, r)
		return
	}
	// Unknown route or method, answered as Asterisk does.
	writeJSON(w, http.StatusNotFound, msg("Resource not found"))
}

// authorized checks Basic auth, or ARI's api_key=user:pass.
func (s *Server) authorized(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return u == s.user && p == s.password
	}
	return r.URL.Query().Get("api_key") == s.user+":"+s.password
}

// msg is ARI's error body.
func msg(m string) map[string]string { return map[string]string{"message": m} }

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// now formats the current time as ARI does.
func now() string { return time.Now().Format("2006-01-02T15:04:05.000-0700") }
