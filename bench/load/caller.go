package load

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

// caller places calls through an ARI app of its own, as testenv.Caller
// does: each call is a Local channel whose ;1 half (A) enters this app and
// plays the phone, and whose ;2 half (B) runs the dialplan into the
// voicemail app. The app subscribes to every event, so it sees the DTMF,
// playbacks and recordings on B with Asterisk's own timestamps, which is
// what the latencies are computed from.
type caller struct {
	client *ari.Client
	app    string
	log    *zap.Logger
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	calls map[string]*call // by A and by B
	// watched are SIP calls by caller number, until their channel shows.
	watched map[string]*call
}

func newCaller(ctx context.Context, client *ari.Client, log *zap.Logger) (*caller, error) {
	app := "vmload-caller-" + randomHex(4)
	connected := make(chan struct{})
	var once sync.Once
	stream, err := client.Stream(ari.StreamConfig{Apps: []string{app}, SubscribeAll: true, Buffer: 8192},
		ari.WithOnConnect(func(context.Context, bool) { once.Do(func() { close(connected) }) }))
	if err != nil {
		return nil, fmt.Errorf("load: caller stream: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c := &caller{client: client, app: app, log: log, cancel: cancel, done: make(chan struct{}), calls: map[string]*call{}, watched: map[string]*call{}}
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
		c.close()
		return nil, fmt.Errorf("load: caller app %s did not connect: %w", app, ctx.Err())
	}
}

func (c *caller) close() {
	c.cancel()
	<-c.done
}

// evKind is the kind of a recorded event.
type evKind int

const (
	evDTMF     evKind = iota // a digit arrived on B
	evPlay                   // a playback item started on B
	evRecStart               // a recording started on B
	evRecEnd                 // a recording ended on B
)

// callEvent is one event seen on the voicemail side (B) of a call.
type callEvent struct {
	kind evKind
	// name is the digit or the media URI ("sound:vm-password").
	name string
	// playback is the playback id of an evPlay.
	playback string
	// at is Asterisk's timestamp of the event (millisecond precision).
	at time.Time
}

// call is one call placed by the caller.
type call struct {
	c    *caller
	A, B string

	mu       sync.Mutex
	changed  chan struct{}
	events   []callEvent
	answered bool
	endedA   bool
	endedB   bool
	causeB   int
}

// dial originates Local/extension@context with callerID.
func (c *caller) dial(ctx context.Context, id, extension, dialplanContext, callerID string) (*call, error) {
	cl := &call{c: c, A: id + "-a", B: id + "-b", changed: make(chan struct{}), causeB: -1}
	c.mu.Lock()
	c.calls[cl.A] = cl
	c.calls[cl.B] = cl
	c.mu.Unlock()
	_, err := c.client.Originate(ctx, ari.OriginateRequest{
		Endpoint:       "Local/" + extension + "@" + dialplanContext,
		App:            c.app,
		CallerID:       callerID,
		ChannelID:      cl.A,
		OtherChannelID: cl.B,
		Timeout:        30,
	})
	if err != nil {
		c.forget(cl)
		return nil, fmt.Errorf("originate Local/%s@%s: %w", extension, dialplanContext, err)
	}
	return cl, nil
}

// forget stops routing events to cl.
func (c *caller) forget(cl *call) {
	c.mu.Lock()
	delete(c.calls, cl.A)
	delete(c.calls, cl.B)
	for num, w := range c.watched {
		if w == cl {
			delete(c.watched, num)
		}
	}
	c.mu.Unlock()
}

// watch follows the PJSIP channel whose caller number is num (a SIP
// caller's From user), from its first DTMF event on: the events it records
// are those of the voicemail side, as B's of a Local call. Forget it when
// the call is over.
func (c *caller) watch(num string) *call {
	cl := &call{c: c, changed: make(chan struct{}), causeB: -1}
	c.mu.Lock()
	c.watched[num] = cl
	c.mu.Unlock()
	return cl
}

func (c *caller) route(ev ari.Event) {
	id := ari.ChannelID(ev)
	if id == "" {
		return
	}
	c.mu.Lock()
	cl := c.calls[id]
	if d, ok := ev.(*ari.ChannelDtmfReceived); ok && cl == nil && strings.HasPrefix(d.Channel.Name, "PJSIP/") {
		if cl = c.watched[d.Channel.Caller.Number]; cl != nil {
			delete(c.watched, d.Channel.Caller.Number)
			cl.B = id
			c.calls[id] = cl
		}
	}
	c.mu.Unlock()
	if cl != nil {
		cl.observe(ev, id)
	}
}

func (cl *call) observe(ev ari.Event, channel string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	onB := channel == cl.B
	at := ev.EventMeta().Timestamp.Time
	switch e := ev.(type) {
	case *ari.StasisStart:
		if channel != cl.A {
			return
		}
		cl.answered = true
	case *ari.ChannelDtmfReceived:
		if !onB {
			return
		}
		cl.events = append(cl.events, callEvent{kind: evDTMF, name: e.Digit, at: at})
	case *ari.PlaybackStarted:
		if !onB {
			return
		}
		cl.events = append(cl.events, callEvent{kind: evPlay, name: e.Playback.MediaURI, playback: e.Playback.ID, at: at})
	case *ari.RecordingStarted:
		if !onB {
			return
		}
		cl.events = append(cl.events, callEvent{kind: evRecStart, name: e.Recording.Name, at: at})
	case *ari.RecordingFinished, *ari.RecordingFailed:
		if !onB {
			return
		}
		cl.events = append(cl.events, callEvent{kind: evRecEnd, at: at})
	case *ari.ChannelDestroyed:
		if onB {
			cl.endedB, cl.causeB = true, e.Cause
		} else {
			cl.endedA = true
		}
	case *ari.StasisEnd:
		if channel != cl.A {
			return
		}
		cl.endedA = true
	default:
		return
	}
	close(cl.changed)
	cl.changed = make(chan struct{})
}

// wait blocks until cond (called under the lock) holds or ctx ends.
func (cl *call) wait(ctx context.Context, what string, cond func() bool) error {
	for {
		cl.mu.Lock()
		ok := cond()
		ch := cl.changed
		cl.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (heard %s)", what, ctx.Err(), cl.heard())
		}
	}
}

// waitAnswered waits until the voicemail side answered.
func (cl *call) waitAnswered(ctx context.Context) error {
	if err := cl.wait(ctx, "answer", func() bool { return cl.answered || cl.endedA || cl.endedB }); err != nil {
		return err
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if !cl.answered {
		return fmt.Errorf("not answered: B ended with cause %d (is the [%s] context in extensions.conf, and the app running?)", cl.causeB, "vm-load")
	}
	return nil
}

// hear waits for a playback of media on B at or after *cursor, skipping
// others, and moves the cursor past it.
func (cl *call) hear(ctx context.Context, cursor *int, media string) error {
	found := false
	err := cl.wait(ctx, media, func() bool {
		for i := *cursor; i < len(cl.events); i++ {
			if e := cl.events[i]; e.kind == evPlay && e.name == media {
				*cursor, found = i+1, true
				return true
			}
		}
		return cl.endedB || cl.endedA
	})
	if err == nil && !found {
		return fmt.Errorf("call ended before %s; heard %s", media, cl.heard())
	}
	return err
}

// recording waits for a recording to start on B.
func (cl *call) recording(ctx context.Context, cursor *int) error {
	found := false
	err := cl.wait(ctx, "recording", func() bool {
		for i := *cursor; i < len(cl.events); i++ {
			if cl.events[i].kind == evRecStart {
				*cursor, found = i+1, true
				return true
			}
		}
		return cl.endedB || cl.endedA
	})
	if err == nil && !found {
		return fmt.Errorf("call ended before the recording started; heard %s", cl.heard())
	}
	return err
}

// waitEnded waits until B is destroyed and returns its hangup cause.
func (cl *call) waitEnded(ctx context.Context) (int, error) {
	err := cl.wait(ctx, "hangup", func() bool { return cl.endedB })
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.causeB, err
}

// press sends digits from A, 100 ms each with 100 ms between (as
// testenv.Call.Press).
func (cl *call) press(ctx context.Context, digits string) error {
	err := cl.c.client.SendDTMF(ctx, cl.A, digits, ari.DTMFOptions{Duration: 100 * time.Millisecond, Between: 100 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("press %q: %w", digits, err)
	}
	return nil
}

// hangup ends the call from A; a call already gone is no error.
func (cl *call) hangup(ctx context.Context) {
	if err := cl.c.client.Hangup(ctx, cl.A, "normal"); err != nil && !ari.IsGone(err) {
		cl.c.log.Debug("hangup", zap.String("channel", cl.A), zap.Error(err))
	}
}

// snapshot returns a copy of the events seen on B.
func (cl *call) snapshot() []callEvent {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return append([]callEvent(nil), cl.events...)
}

// heard lists the last media played on B, for error messages. It takes
// the lock: never call it from a wait condition.
func (cl *call) heard() string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var names []string
	for _, e := range cl.events {
		if e.kind == evPlay {
			names = append(names, strings.TrimPrefix(e.name, "sound:"))
		}
	}
	if len(names) > 12 {
		names = append([]string{"…"}, names[len(names)-12:]...)
	}
	return strings.Join(names, " ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
