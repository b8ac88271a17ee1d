package ari

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/zap"
)

// Stream defaults and limits.
const (
	// DefaultMinBackoff is the first reconnect delay.
	DefaultMinBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the reconnect delay.
	DefaultMaxBackoff = 5 * time.Second
	// DefaultBuffer is the size of the Events channel.
	DefaultBuffer = 1024

	// readLimit raises coder/websocket's 32 KiB default, which a channel
	// with many channelvars can exceed (StatusMessageTooBig).
	readLimit = 1 << 20
	// pingInterval is how often the server is pinged; Asterisk answers
	// client PINGs with PONGs.
	pingInterval = 10 * time.Second
	// pingTimeout bounds the wait for a PONG.
	pingTimeout = 5 * time.Second
	// stableAfter is how long a connection must live for the backoff to
	// start over at MinBackoff.
	stableAfter = 10 * time.Second
)

// errRunning is returned by a second call of Stream.Run.
var errRunning = errors.New("ari: Stream.Run called twice")

// StreamConfig configures the event WebSocket.
type StreamConfig struct {
	// Apps are the Stasis applications to register and receive events
	// for. Required; a name must not contain ",". Each app is served by
	// one WebSocket at a time: the newest connection wins and the old one
	// gets ApplicationReplaced.
	Apps []string
	// MinBackoff is the first reconnect delay; it doubles per failed
	// attempt up to MaxBackoff, with jitter. Defaults: 100 ms and 5 s.
	MinBackoff time.Duration
	// MaxBackoff caps the reconnect delay.
	MaxBackoff time.Duration
	// Buffer is the capacity of the Events channel; default 1024.
	Buffer int
	// SubscribeAll sends the apps the events of every channel, bridge,
	// endpoint and device state (subscribeAll=true). The default sends
	// only those of what the apps own or subscribed to
	// (Client.Subscribe). Avoid it: Asterisk 22.10 can deadlock its
	// application registry when such an app goes away, after which every
	// ARI application request hangs (asterisk/asterisk#2170,
	// unsubscribe_device_state); subscribe to what the app follows instead.
	SubscribeAll bool
	// AllowedEvents, when not empty, are the only event types Asterisk is
	// to send: after every connect, before OnConnect runs, the stream sets
	// each app's event filter to them (Client.SetEventFilter), so Asterisk
	// neither writes nor sends the rest. Events that arrive before the
	// filter is set are delivered as usual. A failure is logged and the
	// stream carries on unfiltered. Names are case sensitive and not
	// checked by Asterisk. The default sends every type.
	AllowedEvents []string
}

// StreamOption customises a Stream.
type StreamOption func(*Stream)

// WithOnConnect sets a function run after every successful (re)connect, with
// reconnect false the first time. It runs in its own goroutine while events
// flow; its ctx is cancelled when that connection ends or Run's context is
// done, and it must return then. ARI replays no StasisStart after a
// reconnect, so this is where the app reconciles its calls (Application's
// ChannelIDs).
func WithOnConnect(fn func(ctx context.Context, reconnect bool)) StreamOption {
	return func(s *Stream) { s.onConnect = fn }
}

// Stream is the ARI event WebSocket (GET /events). Run connects and keeps it
// connected; decoded events arrive on Events.
type Stream struct {
	url        string
	header     http.Header
	httpClient *http.Client
	dialTO     time.Duration
	apps       []string
	minBackoff time.Duration
	maxBackoff time.Duration
	onConnect  func(ctx context.Context, reconnect bool)
	client     *Client  // sets the event filter
	allowed    []string // StreamConfig.AllowedEvents
	events     chan Event
	log        *zap.Logger

	// Timings, variables so that tests can shorten them.
	pingInterval time.Duration
	pingTimeout  time.Duration
	stableAfter  time.Duration

	frames    atomic.Uint64 // frames read, decodable or not
	started   atomic.Bool
	connected atomic.Bool
	// replaced is set when Asterisk said another connection took one of
	// the apps over (ApplicationReplaced), until the next connection.
	replaced atomic.Bool
	blocked  atomic.Bool // the reader waits for room in events
	stalled  bool        // a stall was logged; only the reader uses it
}

// Stream returns an event stream for cfg. It does not connect: call Run.
// Configuration errors wrap ErrInvalidConfig.
func (c *Client) Stream(cfg StreamConfig, opts ...StreamOption) (*Stream, error) {
	if len(cfg.Apps) == 0 {
		return nil, fmt.Errorf("%w: StreamConfig.Apps is required", ErrInvalidConfig)
	}
	apps := make([]string, len(cfg.Apps))
	for i, a := range cfg.Apps {
		if a == "" || strings.Contains(a, ",") {
			return nil, fmt.Errorf("%w: app name %q", ErrInvalidConfig, a)
		}
		apps[i] = url.QueryEscape(a)
	}
	if cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Buffer < 0 {
		return nil, fmt.Errorf("%w: negative StreamConfig field", ErrInvalidConfig)
	}
	s := &Stream{
		httpClient:   c.http,
		dialTO:       c.timeout,
		apps:         cfg.Apps,
		minBackoff:   cfg.MinBackoff,
		maxBackoff:   cfg.MaxBackoff,
		log:          c.log,
		pingInterval: pingInterval,
		pingTimeout:  pingTimeout,
		stableAfter:  stableAfter,
		client:       c,
		allowed:      append([]string(nil), cfg.AllowedEvents...),
	}
	if s.minBackoff == 0 {
		s.minBackoff = DefaultMinBackoff
	}
	if s.maxBackoff == 0 {
		s.maxBackoff = max(DefaultMaxBackoff, s.minBackoff)
	}
	if s.minBackoff > s.maxBackoff {
		return nil, fmt.Errorf("%w: MinBackoff %v > MaxBackoff %v", ErrInvalidConfig, s.minBackoff, s.maxBackoff)
	}
	buf := cfg.Buffer
	if buf == 0 {
		buf = DefaultBuffer
	}
	s.events = make(chan Event, buf)

	u := *c.base
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	u.Path += "/events"
	if u.RawPath != "" {
		u.RawPath += "/events"
	}
	// One comma-separated app list, as Asterisk documents it.
	u.RawQuery = "app=" + strings.Join(apps, ",") + "&subscribeAll=" + strconv.FormatBool(cfg.SubscribeAll)
	s.url = u.String()

	cred := base64.StdEncoding.EncodeToString([]byte(c.user + ":" + c.password))
	s.header = http.Header{"Authorization": {"Basic " + cred}}

	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Events returns the channel of decoded events. It is closed when Run
// returns. Types this package does not model are logged and skipped.
func (s *Stream) Events() <-chan Event { return s.events }

// Connected reports whether the WebSocket is connected now.
func (s *Stream) Connected() bool { return s.connected.Load() }

// Replaced reports whether, on the current connection, Asterisk said that
// another connection registered one of the stream's apps
// (ApplicationReplaced): the stream gets no more of that app's events, so
// no new calls. The stream does not take the app back: two instances
// configured with one app name would take it from each other for ever.
// A new connection (after a drop) registers the apps again and clears it.
func (s *Stream) Replaced() bool { return s.replaced.Load() }

// Frames returns how many frames the stream has read since it was made,
// across reconnects, including those it skipped (bad frames, unknown
// types).
func (s *Stream) Frames() uint64 { return s.frames.Load() }

// Run connects, delivers events, and reconnects with jittered exponential
// backoff until ctx is done; then it returns ctx.Err() after every goroutine
// it started has ended, and closes Events. It may be called once.
//
// A dedicated goroutine reads the socket, because Asterisk drops a client
// that does not read within websocket_write_timeout. When Events is full the
// reader waits (events are never dropped) and logs a warning once per stall.
// Events sent by Asterisk while disconnected are lost.
func (s *Stream) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errRunning
	}
	defer close(s.events)

	attempt := 0
	connectedBefore := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		lived, err := s.session(ctx, connectedBefore)
		if lived >= 0 {
			connectedBefore = true
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if lived >= s.stableAfter {
			attempt = 0
		}
		delay := backoff(s.minBackoff, s.maxBackoff, attempt)
		attempt++
		if lived >= 0 {
			s.log.Warn("ari event stream lost; reconnecting",
				zap.Strings("apps", s.apps), zap.Duration("lived", lived),
				zap.Duration("delay", delay), zap.Error(err))
		} else if !errors.Is(err, ErrUnauthorized) {
			s.log.Warn("ari event stream dial failed; retrying",
				zap.Strings("apps", s.apps), zap.Int("attempt", attempt),
				zap.Duration("delay", delay), zap.Error(err))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// session dials once and serves the connection until it fails or ctx is
// done. It returns how long the connection lived, or -1 if it never
// connected. Every goroutine it starts has ended when it returns.
func (s *Stream) session(ctx context.Context, reconnect bool) (time.Duration, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return -1, err
	}
	start := time.Now()
	conn.SetReadLimit(readLimit)
	s.replaced.Store(false)
	s.connected.Store(true)
	s.log.Info("ari event stream connected", zap.Strings("apps", s.apps), zap.Bool("reconnect", reconnect))

	connCtx, cancelConn := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		s.connected.Store(false)
		_ = conn.CloseNow() // Unblocks Read; prompt on shutdown.
		cancelConn()        // Ends OnConnect's context.
		wg.Wait()
	}()

	readErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- s.read(ctx, connCtx, conn)
	}()
	if s.onConnect != nil || len(s.allowed) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.setFilters(connCtx)
			if s.onConnect != nil {
				s.onConnect(connCtx, reconnect)
			}
		}()
	}

	ticker := time.NewTicker(s.pingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case err := <-readErr:
			return time.Since(start), err
		case <-ticker.C:
			// A PONG is only seen by a reading reader: skip the ping
			// while it waits for room in Events.
			if s.blocked.Load() {
				continue
			}
			pctx, cancel := context.WithTimeout(connCtx, s.pingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return time.Since(start), fmt.Errorf("ari: event stream ping: %w", err)
			}
		}
	}
}

// setFilters sets the event filter of every app to s.allowed, if any. The
// WebSocket is open, so Asterisk has the apps. A failure without an
// answer, or a 5xx, is tried again a few times (a busy Asterisk); then,
// or when refused, it is logged: the app then receives every
// event type, which costs frames but loses nothing.
func (s *Stream) setFilters(ctx context.Context) {
	if len(s.allowed) == 0 {
		return
	}
	for _, app := range s.apps {
		var err error
		for try := range 4 {
			_, err = s.client.SetEventFilter(ctx, app, EventFilter{Allowed: s.allowed})
			var status *StatusError
			if err == nil || errors.As(err, &status) && status.Status < 500 {
				break // done, or refused: asking again gets the same answer
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(try+1) * 250 * time.Millisecond):
			}
		}
		if err != nil {
			s.log.Warn("ari event stream: cannot set the event filter; receiving every event type",
				zap.String("app", app), zap.Error(err))
		}
	}
}

// dial opens the WebSocket. A refused handshake gives a *StatusError.
func (s *Stream) dial(ctx context.Context) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, s.dialTO)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{
		HTTPClient:   s.httpClient,
		HTTPHeader:   s.header,
		Subprotocols: []string{"ari"}, // The only one Asterisk registers.
	})
	if err == nil {
		return conn, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		se := &StatusError{Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: errorMessage(resp)}
		if resp.StatusCode == http.StatusUnauthorized {
			// Retried all the same: an admin may fix ari.conf.
			s.log.Error("ari event stream: unauthorized; check the ARI username and password",
				zap.Strings("apps", s.apps), zap.Error(se))
		}
		return nil, se
	}
	return nil, fmt.Errorf("ari: GET /events: %w", err)
}

// read decodes frames into s.events until the connection fails or ctx is
// done. Bad frames and unknown event types are logged and skipped.
func (s *Stream) read(ctx, connCtx context.Context, conn *websocket.Conn) error {
	for {
		_, data, err := conn.Read(connCtx)
		if err != nil {
			return fmt.Errorf("ari: event stream read: %w", err)
		}
		s.frames.Add(1)
		ev, err := DecodeEvent(data)
		if err != nil {
			s.log.Warn("ari event stream: skipping bad frame", zap.Int("bytes", len(data)), zap.Error(err))
			continue
		}
		switch e := ev.(type) {
		case *Unknown:
			s.log.Debug("ari event stream: skipping unknown event", zap.String("type", e.Type))
			continue
		case *ApplicationReplaced:
			s.replaced.Store(true)
			s.log.Warn("ari event stream: application replaced by another connection",
				zap.String("app", e.Application))
		}
		if !s.push(ctx, ev) {
			return ctx.Err()
		}
	}
}

// push delivers ev, waiting while Events is full. It returns false if ctx
// ended first.
func (s *Stream) push(ctx context.Context, ev Event) bool {
	select {
	case s.events <- ev:
		s.stalled = false
		return true
	default:
	}
	if !s.stalled {
		s.stalled = true
		s.log.Warn("ari event stream: Events buffer full; reader waits for the consumer",
			zap.Int("buffer", cap(s.events)), zap.String("type", ev.EventType()))
	}
	s.blocked.Store(true)
	defer s.blocked.Store(false)
	select {
	case s.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff returns the delay before reconnect attempt n (from 0): min doubled
// n times, capped at max, then jittered uniformly into [d/2, d].
func backoff(minD, maxD time.Duration, n int) time.Duration {
	d := minD
	for i := 0; i < n && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	half := d / 2
	return half + rand.N(d-half+1)
}
