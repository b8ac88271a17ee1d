package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// Caller places calls into the test Asterisk through an ARI app of its own.
// Each call is a Local channel: its ;1 half (Call.A) enters the Caller's app
// and plays the phone, its ;2 half (Call.B) runs the dialplan and reaches the
// voicemail app. The Caller's app subscribes to every event, so it sees what
// the voicemail app plays on B.
type Caller struct {
	Client *ari.Client
	app    string
	stream *ari.Stream
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	calls map[string]*Call // by A and by B
}

// NewCaller connects a caller app to env's Asterisk. Close it when done.
func NewCaller(ctx context.Context, env Env, log *zap.Logger) (*Caller, error) {
	if log == nil {
		log = zap.NewNop()
	}
	client, err := ari.New(ari.Config{URL: env.ARIURL, Username: env.ARIUser, Password: env.ARIPass}, ari.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("testenv: caller: %w", err)
	}
	app := "vmtest-" + randomID()
	connected := make(chan struct{})
	var once sync.Once
	stream, err := client.Stream(ari.StreamConfig{Apps: []string{app}, SubscribeAll: true},
		ari.WithOnConnect(func(context.Context, bool) { once.Do(func() { close(connected) }) }))
	if err != nil {
		return nil, fmt.Errorf("testenv: caller stream: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c := &Caller{Client: client, app: app, stream: stream, cancel: cancel, done: make(chan struct{}), calls: map[string]*Call{}}
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
		return nil, fmt.Errorf("testenv: caller app %s did not connect: %w", app, ctx.Err())
	}
}

// Close disconnects the caller app.
func (c *Caller) Close() {
	c.cancel()
	<-c.done
}

// Dial calls extension@context with callerID ("Alice <1001>").
func (c *Caller) Dial(ctx context.Context, extension, dialplanContext, callerID string) (*Call, error) {
	id := randomID()
	call := &Call{
		c:       c,
		A:       "vmt-" + id + "-a",
		B:       "vmt-" + id + "-b",
		changed: make(chan struct{}),
	}
	c.mu.Lock()
	c.calls[call.A] = call
	c.calls[call.B] = call
	c.mu.Unlock()
	_, err := c.Client.Originate(ctx, ari.OriginateRequest{
		Endpoint:       "Local/" + extension + "@" + dialplanContext,
		App:            c.app,
		CallerID:       callerID,
		ChannelID:      call.A,
		OtherChannelID: call.B,
		Timeout:        30,
	})
	if err != nil {
		return nil, fmt.Errorf("testenv: dial %s@%s: %w", extension, dialplanContext, err)
	}
	return call, nil
}

func (c *Caller) route(ev ari.Event) {
	id := ari.ChannelID(ev)
	c.mu.Lock()
	call := c.calls[id]
	c.mu.Unlock()
	if call != nil {
		call.observe(ev, id)
	}
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

// Call is one call placed by a Caller.
type Call struct {
	c *Caller
	// A is the caller's side (in the Caller's app); B reaches the dialplan.
	A, B string

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	answered bool
	ended    bool
	heard    []Prompt
	cursor   int
	digitsB  int // DTMF the voicemail side received
}

func (call *Call) observe(ev ari.Event, channel string) {
	call.mu.Lock()
	defer call.mu.Unlock()
	switch e := ev.(type) {
	case *ari.StasisStart:
		if channel == call.A {
			call.answered = true
		}
	case *ari.PlaybackStarted:
		// Asterisk sends one PlaybackStarted per item of a multi-media
		// playback (PlaybackContinuing, between them, names the item that
		// ended).
		if channel == call.B {
			call.hear(e.Playback.MediaURI, e.Playback.Language, e.Timestamp.Time)
		}
	case *ari.ChannelDtmfReceived:
		if channel == call.B {
			call.digitsB++
		}
	case *ari.StasisEnd, *ari.ChannelDestroyed, *ari.ChannelHangupRequest:
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
			return fmt.Errorf("testenv: call %s: waiting for %s: %w (heard %s)", call.B, what, ctx.Err(), strings.Join(call.HeardNames(), " "))
		}
	}
}

// WaitAnswered waits until the voicemail side answered the call.
func (call *Call) WaitAnswered(ctx context.Context) error {
	return call.wait(ctx, "answer", func() bool { return call.answered || call.ended })
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

// Press sends digits from the caller's side, 100 ms each with 100 ms between.
func (call *Call) Press(ctx context.Context, digits string) error {
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

// Ended reports whether the call is over.
func (call *Call) Ended() bool {
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.ended
}

// Hangup ends the call from the caller's side.
func (call *Call) Hangup(ctx context.Context) error {
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
