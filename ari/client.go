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
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
)

// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

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

// WithHTTPClient replaces the HTTP client used for REST calls and the event
// WebSocket. The default keeps a pool of up to 64 idle connections to the
// ARI host.
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
	tls      *tls.Config // for the default transport; nil: Go's defaults
	log      *zap.Logger
}

// New validates cfg and returns a Client. Configuration errors wrap
// ErrInvalidConfig.
func New(cfg Config, opts ...Option) (*Client, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("%w: URL is required", ErrInvalidConfig)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: URL: %v", ErrInvalidConfig, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: URL %q: scheme must be http or https", ErrInvalidConfig, cfg.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: URL %q: no host", ErrInvalidConfig, cfg.URL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: URL %q: must not carry credentials, a query or a fragment", ErrInvalidConfig, cfg.URL)
	}
	if cfg.Username == "" {
		return nil, fmt.Errorf("%w: Username is required", ErrInvalidConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: Timeout %v is negative", ErrInvalidConfig, cfg.Timeout)
	}
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
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		t := newTransport()
		t.TLSClientConfig = c.tls
		c.http = &http.Client{Transport: t}
	}
	return c, nil
}

// newTransport returns the pooled transport for the ARI host. Every call of
// the Stasis app goes to one host, so the per-host idle pool is what matters.
// No proxy: ARI is reached directly, and nothing here reads the environment.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 32,
		// Asterisk refuses HTTP sessions beyond its sessionlimit (100 by
		// default) by closing them at once: requests queue for one of a
		// bounded number of connections rather than open more.
		MaxConnsPerHost: 32,
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

	resp, err := c.http.Do(req)
	if err != nil {
		// Drop url.Error's copy of the URL; keep its cause for errors.Is.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		c.log.Debug("ari request failed", zap.String("method", r.method), zap.String("path", p), zap.Error(err))
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
