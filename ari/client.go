package ari

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// DefaultConnections is the number of connections to the ARI host that
// REST calls other than Move share, when Config.Connections is zero.
const DefaultConnections = 32

// DefaultMoveConnections is the number of connections to the ARI host kept
// for Move, when Config.MoveConnections is zero. With DefaultConnections
// and the event WebSocket, two instances stay below Asterisk's default
// http.conf sessionlimit (100).
const DefaultMoveConnections = 16

// maxConnections bounds Config.Connections and Config.MoveConnections:
// Asterisk closes connections beyond its sessionlimit at once.
const maxConnections = 1000

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// Config is what a Client needs to reach ARI.
type Config struct {
	// URL is the ARI base URL including the /ari prefix, e.g.
	// "http://127.0.0.1:8088/ari". Required; the scheme must be http or
	// https.
	URL string
	// Username is the ari.conf user. Required.
	Username string
	// Password is that user's password.
	Password string
	// Timeout bounds each REST request (on top of the caller's context).
	// Zero means DefaultTimeout (5 s); negative is invalid.
	Timeout time.Duration
	// Connections bounds the connections to the ARI host that every REST
	// call but Move shares; more requests wait for one. Asterisk closes
	// connections beyond its http.conf sessionlimit (100 by default) as
	// soon as it accepts them, so Connections plus MoveConnections plus
	// one (the event WebSocket), summed over the instances, must stay
	// below it. Zero means DefaultConnections (32); at most 1000.
	Connections int
	// MoveConnections bounds the connections kept for Move, apart from the
	// others: a takeover or a handover moves many channels at once, and
	// Moves waiting for Asterisk must not hold every other call's prompts
	// up. Zero means DefaultMoveConnections (16); at most 1000.
	MoveConnections int
}

// Option customises a Client.
type Option func(*Client)

// WithLogger sets the logger; the default is zap.NewNop().
func WithLogger(l *zap.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithHTTPClient replaces the HTTP client used for REST calls (Move
// included) and the event WebSocket. The default keeps two pools of
// connections to the ARI host: Config.Connections for most calls,
// Config.MoveConnections for Move.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithTLSConfig sets the TLS settings of the default HTTP client, for an
// https URL (REST calls, and the wss events WebSocket): a private CA, a
// client certificate, a server name. Ignored with WithHTTPClient.
func WithTLSConfig(t *tls.Config) Option {
	return func(c *Client) {
		c.tls = t
	}
}

// Client is a typed ARI REST client. It is safe for concurrent use.
type Client struct {
	base     *url.URL // parsed Config.URL without a trailing slash
	baseStr  string   // base.String()
	user     string
	password string
	timeout  time.Duration
	http     *http.Client
	// moves carries Move requests: by default a transport of its own, so
	// that Moves held by Asterisk cannot take every connection.
	moves *http.Client
	tls   *tls.Config // for the default transports; nil: Go's defaults
	log   *zap.Logger
}

// WithDefaults returns cfg with its zero Timeout, Connections and
// MoveConnections set to their defaults: the one place those defaults are
// applied.
func (cfg Config) WithDefaults() Config {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Connections == 0 {
		cfg.Connections = DefaultConnections
	}
	if cfg.MoveConnections == 0 {
		cfg.MoveConnections = DefaultMoveConnections
	}
	return cfg
}

// ConfigError is the error of [Config.Validate]: the field that is wrong,
// and why. It wraps ErrInvalidConfig.
type ConfigError struct {
	// Field is the name of the Config field, such as "Connections".
	Field string
	// Reason says what is wrong with its value.
	Reason string
}

func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + " " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Validate checks every field of cfg as it is, zero included (apply
// [Config.WithDefaults] first for the defaults): the one place the ranges of
// a Client's settings are checked. The error is a *[ConfigError].
func (cfg Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if cfg.URL == "" {
		return bad("URL", "is required")
	}
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return bad("URL", "%q: %v", cfg.URL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("URL", "%q: scheme must be http or https", cfg.URL)
	case u.Host == "":
		return bad("URL", "%q: no host", cfg.URL)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return bad("URL", "%q: must not carry credentials, a query or a fragment", cfg.URL)
	case cfg.Username == "":
		return bad("Username", "is required")
	case cfg.Timeout <= 0:
		return bad("Timeout", "%v: need more than 0", cfg.Timeout)
	case cfg.Connections < 1 || cfg.Connections > maxConnections:
		return bad("Connections", "%d not in 1..%d", cfg.Connections, maxConnections)
	case cfg.MoveConnections < 1 || cfg.MoveConnections > maxConnections:
		return bad("MoveConnections", "%d not in 1..%d", cfg.MoveConnections, maxConnections)
	}
	return nil
}

// New validates cfg and returns a Client; zero Timeout, Connections and
// MoveConnections take their defaults. Configuration errors wrap
// ErrInvalidConfig.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: URL: %v", ErrInvalidConfig, err)
	}
	conns, moveConns := cfg.Connections, cfg.MoveConnections
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")

	c := &Client{
		base:     u,
		baseStr:  u.String(),
		user:     cfg.Username,
		password: cfg.Password,
		timeout:  cfg.Timeout,
		log:      zap.NewNop(),
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Transport: newTransport(conns, c.tls)}
		c.moves = &http.Client{Transport: newTransport(moveConns, c.tls)}
	} else {
		c.moves = c.http
	}
	return c, nil
}

// newTransport returns a transport for the ARI host with a pool of up to
// conns connections. Every call of the Stasis app goes to one host, so the
// per-host pool is what matters. No proxy: ARI is reached directly, and
// nothing here reads the environment.
func newTransport(conns int, tlsCfg *tls.Config) *http.Transport {
	return &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:     tlsCfg,
		MaxIdleConns:        max(256, conns),
		MaxIdleConnsPerHost: conns,
		// Asterisk refuses HTTP sessions beyond its sessionlimit (100 by
		// default) by closing them at once: requests queue for one of a
		// bounded number of connections rather than open more.
		MaxConnsPerHost: conns,
		// Below Asterisk's http.conf session_keep_alive (15 s by default):
		// a connection it is closing must not be picked for a request.
		IdleConnTimeout:       10 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// request describes one REST call.
type request struct {
	method string
	path   []string   // unescaped path segments below the base URL
	query  url.Values // may be nil
	body   any        // JSON body, or nil for none
	out    any        // decodes a JSON answer into it, or nil
	raw    *[]byte    // receives the raw answer body, or nil
	// move sends the request on the Move pool (Client.moves).
	move bool
	// once marks a request that must not be sent twice (keys pressed, a
	// channel created). The others are retried once by the transport when
	// a reused keep-alive connection turns out closed before any answer:
	// Asterisk did not act on them.
	once bool
}

// escapedPath joins segments, escaping each with url.PathEscape so that a
// "/" inside an id travels as %2F (ARI splits the path before decoding).
func escapedPath(segs []string) (string, bool) {
	var b strings.Builder
	ok := true
	for _, s := range segs {
		// PathEscape leaves "." and "..", which would walk the path:
		// /channels/../play is not a channel.
		if s == "" || s == "." || s == ".." {
			ok = false
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), ok
}

// do performs r and maps a non-2xx answer to a *StatusError.
func (c *Client) do(ctx context.Context, r request) error {
	p, ok := escapedPath(r.path)
	if !ok {
		return fmt.Errorf("ari: %s %s: empty or dot id in path: %w", r.method, p, ErrBadRequest)
	}
	// Parsing the escaped string keeps %2F: url.Parse sets RawPath, and
	// the request line is written from EscapedPath.
	target := c.baseStr + p
	if len(r.query) > 0 {
		target += "?" + r.query.Encode() // Encode escapes '#' as %23.
	}

	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("ari: %s %s: encode body: %w", r.method, p, err)
		}
		body = bytes.NewReader(b)
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("ari: %s %s: %w", r.method, p, err)
	}
	// Whether the request was written out: an error before that means
	// Asterisk never saw it (ErrNotSent). The transport sends a request
	// again only when a reused connection closed before any answer (see
	// once), so what counts is the last attempt: each starts with GetConn.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { wrote.Store(false) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
				if at, ok := ctx.Value(wroteAtKey{}).(*atomic.Int64); ok {
					at.Store(time.Now().UnixNano())
				}
			}
		},
	}))
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Accept", "application/json")
	if !r.once {
		// Marks the request idempotent for net/http's retry on a dead
		// reused connection; an empty value is not sent.
		req.Header["Idempotency-Key"] = nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	h := c.http
	if r.move {
		h = c.moves
	}
	resp, err := h.Do(req)
	if err != nil {
		// Drop url.Error's copy of the URL; keep its cause for errors.Is.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		c.log.Debug("ari request failed", zap.String("method", r.method), zap.String("path", p), zap.Bool("sent", wrote.Load()), zap.Error(err))
		if !wrote.Load() {
			return fmt.Errorf("ari: %s %s: %w: %w", r.method, p, ErrNotSent, err)
		}
		return fmt.Errorf("ari: %s %s: %w", r.method, p, err)
	}
	defer func() {
		// Drain a little so the connection goes back to the pool.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
	}()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: r.method, Path: p, Status: resp.StatusCode, Message: errorMessage(resp)}
		c.log.Debug("ari request refused", zap.String("method", r.method), zap.String("path", p),
			zap.Int("status", se.Status), zap.String("message", se.Message))
		return se
	}

	switch {
	case r.raw != nil:
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return fmt.Errorf("ari: %s %s: read body: %w", r.method, p, err)
		}
		*r.raw = b
	case r.out != nil:
		if err := json.NewDecoder(resp.Body).Decode(r.out); err != nil {
			return fmt.Errorf("ari: %s %s: decode %d answer: %w", r.method, p, resp.StatusCode, err)
		}
	}
	return nil
}

// wroteAtKey is the context key of WithWroteAt.
type wroteAtKey struct{}

// WithWroteAt returns ctx such that a request made with it stores in at
// when it was written out to Asterisk (Unix nanoseconds; of its last
// attempt), so that a caller can tell its own time from Asterisk's: the
// app's clock of a key's prompt stops there (call/metrics.go).
func WithWroteAt(ctx context.Context, at *atomic.Int64) context.Context {
	return context.WithValue(ctx, wroteAtKey{}, at)
}

// errorMessage extracts {"message":…} or {"error":…} from an error answer,
// falling back to the raw text or the status text.
func errorMessage(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	if s := strings.TrimSpace(string(b)); s != "" && len(s) <= 200 && !strings.ContainsAny(s, "{}") {
		return s
	}
	return http.StatusText(resp.StatusCode)
}

// query is a small builder for url.Values that omits zero values.
type query url.Values

func (q query) str(k, v string) query {
	if v != "" {
		url.Values(q).Set(k, v)
	}
	return q
}

func (q query) int(k string, v int) query {
	if v != 0 {
		url.Values(q).Set(k, fmt.Sprint(v))
	}
	return q
}

func (q query) ms(k string, d time.Duration) query {
	if d != 0 {
		url.Values(q).Set(k, fmt.Sprint(d.Milliseconds()))
	}
	return q
}

func (q query) values() url.Values { return url.Values(q) }
