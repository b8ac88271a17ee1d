package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// Caller places calls into the test Asterisk through an ARI app of its own.
// Each call is a Local channel: its ;1 half (Call.A) is in the Caller's app
// and plays the phone, its ;2 half (Call.B) runs the dialplan and reaches
// the voicemail app. The Caller's app subscribes to B before B's dialplan
// starts, so it sees what the voicemail app plays there.
//
// The app never subscribes to every event (subscribeAll): Asterisk 22.10
// can deadlock its application registry when such an app goes away, after
// which every ARI application request hangs (asterisk/asterisk#2170,
// unsubscribe_device_state). It subscribes to the channels it follows, and
// to an endpoint while it follows calls it did not place (Follow).
type Caller struct {
	// Client is the Caller's ARI client.
	Client *ari.Client
	app    string
	// vars are set on every call dialled (WithVariables).
	vars   map[string]string
	log    *zap.Logger
	stream *ari.Stream
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	calls map[string]*Call // by A and by B
	// follows are the calls of Follow not yet bound to a channel, by
	// endpoint and caller number.
	follows map[followKey]*Call
	// endpoints counts the unbound and bound followed calls per endpoint
	// the app is subscribed to.
	endpoints map[string]int
}

type followKey struct{ endpoint, number string }

// CallerOption customises a Caller.
type CallerOption func(*callerConfig)

type callerConfig struct {
	app    string
	buffer int
	client *ari.Client
	vars   map[string]string
}

// WithClient makes the Caller use client (its URL, credentials and
// timeouts) instead of a client for env's ARI URL.
func WithClient(client *ari.Client) CallerOption { return func(c *callerConfig) { c.client = client } }

// WithAppName names the Caller's ARI app; the default is "vmtest-" and a
// random suffix. Each Caller needs a name of its own.
func WithAppName(name string) CallerOption { return func(c *callerConfig) { c.app = name } }

// WithVariables sets channel variables on every call the Caller dials.
// Name them with the "__" prefix to reach the dialplan: the Local
// channel's dialplan half (;2) inherits them from the caller's half (;1).
func WithVariables(vars map[string]string) CallerOption {
	return func(c *callerConfig) { c.vars = maps.Clone(vars) }
}

// WithBuffer sets the capacity of the Caller's event channel
// (ari.StreamConfig.Buffer), for many calls at once; default 1024.
func WithBuffer(n int) CallerOption { return func(c *callerConfig) { c.buffer = n } }

// NewCaller connects a caller app to env's Asterisk. Close it when done.
func NewCaller(ctx context.Context, env Env, log *zap.Logger, opts ...CallerOption) (*Caller, error) {
	if log == nil {
		log = zap.NewNop()
	}
	cfg := callerConfig{app: "vmtest-" + randomID()}
	for _, o := range opts {
		o(&cfg)
	}
	client := cfg.client
	if client == nil {
		var err error
		client, err = ari.New(ari.Config{URL: env.ARIURL, Username: env.ARIUser, Password: env.ARIPass}, ari.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("testenv: caller: %w", err)
		}
	}
	c := &Caller{
		Client: client, app: cfg.app, vars: cfg.vars, log: log, done: make(chan struct{}),
		calls: map[string]*Call{}, follows: map[followKey]*Call{}, endpoints: map[string]int{},
	}
	connected := make(chan struct{})
	var once sync.Once
	stream, err := client.Stream(ari.StreamConfig{Apps: []string{cfg.app}, Buffer: cfg.buffer},
		ari.WithOnConnect(func(ctx context.Context, reconnect bool) {
			if reconnect {
				c.reconnected(ctx)
			}
			once.Do(func() { close(connected) })
		}))
	if err != nil {
		return nil, fmt.Errorf("testenv: caller stream: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c.stream, c.cancel = stream, cancel
	go func() {
		defer close(c.done)
		go func() { _ = stream.Run(runCtx) }()
		for ev := range stream.Events() {
			c.route(ev)
		}
	}()
	select {
	case <-connected:
		return c, nil
	case <-ctx.Done():
		c.Close()
		return nil, fmt.Errorf("testenv: caller app %s did not connect: %w", cfg.app, ctx.Err())
	}
}

// App returns the name of the Caller's ARI app.
func (c *Caller) App() string { return c.app }

// Close disconnects the caller app.
func (c *Caller) Close() {
	c.cancel()
	<-c.done
}

// DialOption customises one call of Dial or Follow.
type DialOption func(*Call)

// WithCallID names the call's channels ID-a (A) and ID-b (B) instead of
// vmt-RANDOM-a and -b.
func WithCallID(id string) DialOption {
	return func(call *Call) { call.A, call.B = id+"-a", id+"-b" }
}

// WithEvents makes f see every event of the call's channels, after the
// Call has taken it into account; onB tells the voicemail side's from the
// caller's. It runs on the Caller's only event goroutine: it must be quick
// and must not wait on the Call.
func WithEvents(f func(ev ari.Event, onB bool)) DialOption {
	return func(call *Call) { call.hook = f }
}

// Recordable places the call so that its caller's side (A) can be recorded
// through ARI: by originate, A entering the Caller's app once answered, in
// no bridge. Dial's own way leaves A in Asterisk's dial bridge, where ARI
// refuses to record it ("Cannot record channel while in bridge":
// res/stasis/control.c, add_to_dial_bridge). The voicemail side (B) is
// then not followed: no prompt, digit or recording of it is seen, and
// WaitDestroyed does not return.
func Recordable() DialOption { return func(call *Call) { call.recordable = true } }

// dialTimeout bounds the ringing of a call (ARI's originate default).
const dialTimeout = 30 * time.Second

// Dial calls extension@context with callerID ("Alice <1001>"). It creates
// the Local channel in the Caller's app without dialling it, subscribes to
// its ;2 half, then dials: every event of the voicemail side reaches the
// Caller, the first prompt included.
func (c *Caller) Dial(ctx context.Context, extension, dialplanContext, callerID string, opts ...DialOption) (*Call, error) {
	id := randomID()
	call := newCall(c)
	call.A, call.B = "vmt-"+id+"-a", "vmt-"+id+"-b"
	for _, o := range opts {
		o(call)
	}
	c.mu.Lock()
	c.calls[call.A] = call
	c.calls[call.B] = call
	c.mu.Unlock()
	if err := c.dial(ctx, call, extension, dialplanContext, callerID); err != nil {
		c.Forget(call)
		return nil, fmt.Errorf("testenv: dial %s@%s: %w", extension, dialplanContext, err)
	}
	return call, nil
}

func (c *Caller) dial(ctx context.Context, call *Call, extension, dialplanContext, callerID string) error {
	if call.recordable {
		_, err := c.Client.Originate(ctx, ari.OriginateRequest{
			Endpoint:       "Local/" + extension + "@" + dialplanContext,
			App:            c.app,
			CallerID:       callerID,
			ChannelID:      call.A,
			OtherChannelID: call.B,
			Timeout:        int(dialTimeout / time.Second),
			Variables:      c.vars,
		})
		return err
	}
	vars := maps.Clone(c.vars)
	if callerID != "" {
		// /channels/create has no callerId: set what Originate sets
		// (res/ari/resource_channels.c sets the caller and, without an
		// update, the connected line of the ;1 half). On the call, the ;2
		// half takes the ;1 half's connected line as its caller id
		// (main/core_local.c, local_call).
		if vars == nil {
			vars = map[string]string{}
		}
		vars["CALLERID(all)"], vars["CONNECTEDLINE(all,i)"] = callerID, callerID
	}
	_, err := c.Client.CreateChannel(ctx, ari.CreateRequest{
		Endpoint:       "Local/" + extension + "@" + dialplanContext,
		App:            c.app,
		ChannelID:      call.A,
		OtherChannelID: call.B,
		Variables:      vars,
	})
	if err != nil {
		return err
	}
	if _, err = c.Client.Subscribe(ctx, c.app, ari.ChannelSource(call.B)); err == nil {
		// /channels/create answers before the channel's thread has
		// entered Stasis, and a dial before then is refused ("Channel not
		// in Stasis application").
		if err = call.wait(ctx, "the caller's side in Stasis", func() bool { return call.inStasis || call.ended }); err == nil {
			err = c.Client.Dial(ctx, call.A, "", dialTimeout)
		}
	}
	if err != nil {
		// A sits in the app until hung up.
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if herr := c.Client.Hangup(hctx, call.A, "normal"); herr != nil && !ari.IsGone(herr) {
			err = errors.Join(err, herr)
		}
	}
	return err
}

// Follow returns a Call that follows a call it did not place: the next
// channel of endpoint ("PJSIP/sipp") whose caller id number is number, a
// SIP caller's From user. The Caller's app subscribes to the endpoint
// while it follows any of its calls; the Call's B is bound to the first
// event of such a channel that names it, and only events from then on are
// seen. A followed Call has no A: it can be waited on, not pressed or hung
// up. Forget it when done.
func (c *Caller) Follow(ctx context.Context, endpoint, number string, opts ...DialOption) (*Call, error) {
	call := newCall(c)
	call.endpoint = endpoint
	for _, o := range opts {
		o(call)
	}
	key := followKey{endpoint, number}
	c.mu.Lock()
	if c.follows[key] != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("testenv: follow %s %s: already followed", endpoint, number)
	}
	c.follows[key] = call
	first := c.endpoints[endpoint] == 0
	c.endpoints[endpoint]++
	c.mu.Unlock()
	if first {
		if _, err := c.Client.Subscribe(ctx, c.app, ari.EndpointSource(endpoint)); err != nil {
			c.Forget(call)
			return nil, fmt.Errorf("testenv: follow %s: %w", endpoint, err)
		}
	}
	return call, nil
}

// Forget stops routing events to call, and unsubscribes from the endpoint
// of the last call followed there.
func (c *Caller) Forget(call *Call) {
	c.mu.Lock()
	if c.calls[call.A] == call {
		delete(c.calls, call.A)
	}
	if c.calls[call.B] == call {
		delete(c.calls, call.B)
	}
	for k, f := range c.follows {
		if f == call {
			delete(c.follows, k)
		}
	}
	last := false
	if call.endpoint != "" && !call.forgotten {
		c.endpoints[call.endpoint]--
		last = c.endpoints[call.endpoint] == 0
	}
	call.forgotten = true
	c.mu.Unlock()
	if last {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// A failure only costs events nobody routes.
		if _, err := c.Client.Unsubscribe(ctx, c.app, ari.EndpointSource(call.endpoint)); err != nil {
			c.log.Debug("unsubscribe", zap.String("endpoint", call.endpoint), zap.Error(err))
		}
	}
}

func (c *Caller) route(ev ari.Event) {
	id := ari.ChannelID(ev)
	if id == "" {
		return
	}
	c.mu.Lock()
	call := c.calls[id]
	if call == nil && len(c.follows) > 0 {
		if ch := channelOf(ev); ch != nil {
			// Channel names are TECH/RESOURCE-SEQUENCE (PJSIP/sipp-0000001a).
			endpoint := ch.Name[:max(strings.LastIndexByte(ch.Name, '-'), 0)]
			key := followKey{endpoint, ch.Caller.Number}
			if call = c.follows[key]; call != nil {
				delete(c.follows, key)
				call.B = id // before any reader: see Call.B
				c.calls[id] = call
			}
		}
	}
	c.mu.Unlock()
	if call != nil {
		call.observe(ev, id)
	}
}

// channelOf returns the channel snapshot an event carries, or nil.
func channelOf(ev ari.Event) *ari.Channel {
	switch e := ev.(type) {
	case *ari.ChannelDtmfReceived:
		return &e.Channel
	case *ari.ChannelStateChange:
		return &e.Channel
	case *ari.ChannelHangupRequest:
		return &e.Channel
	case *ari.ChannelDestroyed:
		return &e.Channel
	case *ari.ChannelVarset:
		return e.Channel
	case *ari.StasisStart:
		return &e.Channel
	case *ari.StasisEnd:
		return &e.Channel
	}
	return nil
}

// Prompt is one sound the voicemail app played to the caller.
type Prompt struct {
	// Name is the sound without its "sound:" scheme (vm-password).
	Name string
	// At is when Asterisk started it (its event's timestamp).
	At time.Time
	// Lang is the language Asterisk played it in.
	Lang string
}

// Call is one call placed (or followed) by a Caller.
type Call struct {
	c *Caller
	// A is the caller's side (in the Caller's app); B reaches the
	// dialplan and the voicemail app. A followed call has no A, and its B
	// is set once its channel shows: read it after WaitAnswered or a
	// prompt.
	A, B string
	// endpoint is the endpoint of a followed call.
	endpoint string
	hook     func(ev ari.Event, onB bool)
	// recordable: placed by originate (Recordable).
	recordable bool

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change
	inStasis  bool          // A entered the Caller's app
	up        bool          // A went Up
	answered  bool          // both: the voicemail side answered
	ended     bool
	destroyed bool // B is destroyed
	cause     int  // B's hangup cause, once destroyed
	heard     []Prompt
	cursor    int
	recs      int // recordings started on B
	recCursor int
	digitsB   int  // DTMF the voicemail side received
	forgotten bool // guarded by Caller.mu
	// recordings are the recordings the voicemail app started on B.
	recordings []Recording
}

func newCall(c *Caller) *Call {
	return &Call{c: c, changed: make(chan struct{}), cause: -1}
}

// Recording is one recording the voicemail app started on a call: what a
// caller knows as the beep (RecordingStarted is sent after it).
type Recording struct {
	// Name is the recording's name (the stored recording it becomes).
	Name string
	// At is when Asterisk started it (its event's timestamp).
	At time.Time
}

func (call *Call) observe(ev ari.Event, channel string) {
	onB := channel == call.B
	call.update(ev, channel, onB)
	if call.hook != nil {
		call.hook(ev, onB)
	}
}

func (call *Call) update(ev ari.Event, channel string, onB bool) {
	call.mu.Lock()
	defer call.mu.Unlock()
	switch e := ev.(type) {
	case *ari.StasisStart:
		if channel != call.A {
			return
		}
		call.inStasis = true
		call.answered = call.up
	case *ari.ChannelStateChange:
		// A created by Dial sits in the Caller's app from the start: it
		// is answered when its state goes Up, once the voicemail app has
		// answered B. An originated A (Recordable) goes Up, then enters
		// the app. A followed call has only B.
		if e.Channel.State != "Up" || call.answered || (channel != call.A && call.A != "") {
			return
		}
		call.up = true
		call.answered = call.inStasis || call.A == ""
	case *ari.PlaybackStarted:
		// Asterisk sends one PlaybackStarted per item of a multi-media
		// playback (PlaybackContinuing, between them, names the item that
		// ended).
		if !onB {
			return
		}
		call.hear(e.Playback.MediaURI, e.Playback.Language, e.Timestamp.Time)
	case *ari.RecordingStarted:
		if !onB {
			return
		}
		call.recs++
		call.recordings = append(call.recordings, Recording{Name: e.Recording.Name, At: e.Timestamp.Time})
	case *ari.ChannelDtmfReceived:
		if !onB {
			return
		}
		call.digitsB++
	case *ari.ChannelDestroyed:
		call.ended = true
		if onB {
			call.destroyed, call.cause = true, e.Cause
		}
	case *ari.StasisEnd, *ari.ChannelHangupRequest:
		call.ended = true
	default:
		return
	}
	close(call.changed)
	call.changed = make(chan struct{})
}

func (call *Call) hear(uri, lang string, at time.Time) {
	name, _ := strings.CutPrefix(uri, "sound:")
	call.heard = append(call.heard, Prompt{Name: name, At: at, Lang: lang})
}

// wait blocks until cond (called under the lock) holds or ctx ends.
func (call *Call) wait(ctx context.Context, what string, cond func() bool) error {
	for {
		call.mu.Lock()
		ok := cond()
		ch := call.changed
		call.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("testenv: call %s: waiting for %s: %w (heard %s)", call.name(), what, ctx.Err(), strings.Join(call.HeardNames(), " "))
		}
	}
}

// name names the call in errors.
func (call *Call) name() string {
	call.c.mu.Lock()
	defer call.c.mu.Unlock()
	if call.B == "" {
		return call.endpoint + " (not seen yet)"
	}
	return call.B
}

// WaitAnswered waits until the voicemail side answered the call, or it
// ended unanswered (see Answered).
func (call *Call) WaitAnswered(ctx context.Context) error {
	return call.wait(ctx, "answer", func() bool { return call.answered || call.ended })
}

// Answered reports whether the voicemail side answered the call.
func (call *Call) Answered() bool {
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.answered
}

// Expect waits for the next prompts the caller hears and checks that they
// are names, in order.
func (call *Call) Expect(ctx context.Context, names ...string) error {
	err := call.wait(ctx, strings.Join(names, " "), func() bool {
		return len(call.heard)-call.cursor >= len(names) || call.ended && len(call.heard)-call.cursor < len(names)
	})
	call.mu.Lock()
	defer call.mu.Unlock()
	if err != nil {
		return err
	}
	if len(call.heard)-call.cursor < len(names) {
		return fmt.Errorf("testenv: call ended before %s; heard %s", strings.Join(names, " "), strings.Join(call.namesLocked(call.cursor), " "))
	}
	got := call.namesLocked(call.cursor)[:len(names)]
	call.cursor += len(names)
	if strings.Join(got, " ") != strings.Join(names, " ") {
		return fmt.Errorf("testenv: heard %s, want %s", strings.Join(got, " "), strings.Join(names, " "))
	}
	return nil
}

// WaitFor waits until the caller hears name, skipping what comes before it.
func (call *Call) WaitFor(ctx context.Context, name string) error {
	var found bool
	err := call.wait(ctx, name, func() bool {
		for i := call.cursor; i < len(call.heard); i++ {
			if call.heard[i].Name == name {
				call.cursor = i + 1
				found = true
				return true
			}
		}
		return call.ended
	})
	if err == nil && !found {
		return fmt.Errorf("testenv: call ended before %s; heard %s", name, strings.Join(call.HeardNames(), " "))
	}
	return err
}

// WaitRecording waits until a recording starts on the voicemail side: the
// next one after the last WaitRecording returned.
func (call *Call) WaitRecording(ctx context.Context) error {
	var found bool
	err := call.wait(ctx, "a recording", func() bool {
		if call.recs > call.recCursor {
			call.recCursor++
			found = true
			return true
		}
		return call.ended
	})
	if err == nil && !found {
		return fmt.Errorf("testenv: call ended before a recording started; heard %s", strings.Join(call.HeardNames(), " "))
	}
	return err
}

// Press sends digits from the caller's side, 100 ms each with 100 ms between.
func (call *Call) Press(ctx context.Context, digits string) error {
	if call.A == "" {
		return fmt.Errorf("testenv: press %q: a followed call has no caller's side", digits)
	}
	err := call.c.Client.SendDTMF(ctx, call.A, digits, ari.DTMFOptions{Duration: 100 * time.Millisecond, Between: 100 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("testenv: press %q: %w", digits, err)
	}
	return nil
}

// WaitEnded waits until the call is over.
func (call *Call) WaitEnded(ctx context.Context) error {
	return call.wait(ctx, "hangup", func() bool { return call.ended })
}

// WaitDestroyed waits until the voicemail side's channel (B) is destroyed
// and returns its Q.850 hangup cause (16 for a normal clearing).
func (call *Call) WaitDestroyed(ctx context.Context) (int, error) {
	err := call.wait(ctx, "B destroyed", func() bool { return call.destroyed })
	return call.Cause(), err
}

// Cause returns the Q.850 hangup cause of the voicemail side (B), or -1
// while B is not destroyed.
func (call *Call) Cause() int {
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.cause
}

// Ended reports whether the call is over.
func (call *Call) Ended() bool {
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.ended
}

// Hangup ends the call from the caller's side.
func (call *Call) Hangup(ctx context.Context) error {
	if call.A == "" {
		return errors.New("testenv: hangup: a followed call has no caller's side")
	}
	if err := call.c.Client.Hangup(ctx, call.A, "normal"); err != nil && !ari.IsGone(err) {
		return fmt.Errorf("testenv: hangup: %w", err)
	}
	return nil
}

// Heard returns every prompt heard so far.
func (call *Call) Heard() []Prompt {
	call.mu.Lock()
	defer call.mu.Unlock()
	return append([]Prompt(nil), call.heard...)
}

// Recordings returns every recording started on the call so far, in order.
func (call *Call) Recordings() []Recording {
	call.mu.Lock()
	defer call.mu.Unlock()
	return append([]Recording(nil), call.recordings...)
}

// WaitRecordingAfter waits until more than n recordings have been started
// on the call and returns the latest one.
func (call *Call) WaitRecordingAfter(ctx context.Context, n int) (Recording, error) {
	var rec Recording
	err := call.wait(ctx, "a recording", func() bool {
		if len(call.recordings) > n {
			rec = call.recordings[len(call.recordings)-1]
			return true
		}
		return call.ended
	})
	if err == nil && rec.Name == "" {
		return rec, fmt.Errorf("testenv: call %s ended before a recording started; heard %s", call.B, strings.Join(call.HeardNames(), " "))
	}
	return rec, err
}

// HeardNames returns the names of every prompt heard so far.
func (call *Call) HeardNames() []string {
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.namesLocked(0)
}

func (call *Call) namesLocked(from int) []string {
	out := make([]string, 0, len(call.heard)-from)
	for _, p := range call.heard[from:] {
		out = append(out, p.Name)
	}
	return out
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Play plays media (ARI media URIs, e.g. "sound:tt-monkeys") from the
// caller's side, as if the caller spoke; the voicemail side records it.
func (call *Call) Play(ctx context.Context, media ...string) error {
	if _, err := call.c.Client.Play(ctx, call.A, "", media, ""); err != nil {
		return fmt.Errorf("testenv: play %v: %w", media, err)
	}
	return nil
}

// PressThenTalk presses digits (the key that skips a greeting, say), waits
// until the voicemail side starts its next recording, then talks for d and
// hangs up: the message is about d long however late the recording
// starts on a loaded machine, where a fixed delay after the key could leave
// it under the minimum length and discarded.
func (call *Call) PressThenTalk(ctx context.Context, digits string, d time.Duration) error {
	call.mu.Lock()
	n := len(call.recordings)
	call.mu.Unlock()
	if err := call.Press(ctx, digits); err != nil {
		return err
	}
	if _, err := call.WaitRecordingAfter(ctx, n); err != nil {
		return err
	}
	return call.Talk(ctx, d)
}

// Talk plays speech from the caller's side for about d, then hangs up: a
// caller leaving a message of that length. Asterisk's ARI recording needs
// media frames to flow, which the sound provides.
func (call *Call) Talk(ctx context.Context, d time.Duration) error {
	// vm-opts and vm-intro are long prompts (about 7 and 5 s).
	if err := call.Play(ctx, "sound:vm-opts", "sound:vm-intro", "sound:vm-opts"); err != nil {
		return err
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return ctx.Err()
	}
	return call.Hangup(ctx)
}
