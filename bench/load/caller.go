package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/testenv"
)

// The calls are placed and followed by testenv.Caller: each Local call's
// ;1 half (A) is in the caller's own ARI app and plays the phone, its ;2
// half (B) runs the dialplan into the voicemail app, and the caller app is
// subscribed to B. A call records the DTMF, playbacks and recordings on B
// with Asterisk's own timestamps, which is what the latencies are computed
// from.

// sipEndpoint is the PJSIP endpoint sipp's calls come in on: testenv's
// pjsip.conf identifies them by their X-Testenv-Caller header
// (scenarios/load.xml sends it).
const sipEndpoint = "PJSIP/sipp"

// newCaller connects the caller app through client.
func newCaller(ctx context.Context, client *ari.Client, log *zap.Logger) (*testenv.Caller, error) {
	c, err := testenv.NewCaller(ctx, testenv.Env{}, log, testenv.WithClient(client),
		testenv.WithAppName("vmload-caller-"+randomHex(4)), testenv.WithBuffer(8192))
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return c, nil
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

// call is one call placed or followed by the caller, with the events of
// its voicemail side.
type call struct {
	*testenv.Call
	log *zap.Logger

	mu     sync.Mutex
	events []callEvent
	// fromKey records only from the first digit on: a SIP call's events
	// are those of the voicemail side, as B's of a Local call, from its
	// first key.
	fromKey, keyed bool
}

// observe records an event of B (testenv.WithEvents).
func (cl *call) observe(ev ari.Event, onB bool) {
	if !onB {
		return
	}
	at := ev.EventMeta().Timestamp.Time
	var e callEvent
	switch x := ev.(type) {
	case *ari.ChannelDtmfReceived:
		e = callEvent{kind: evDTMF, name: x.Digit, at: at}
	case *ari.PlaybackStarted:
		e = callEvent{kind: evPlay, name: x.Playback.MediaURI, playback: x.Playback.ID, at: at}
	case *ari.RecordingStarted:
		e = callEvent{kind: evRecStart, name: x.Recording.Name, at: at}
	case *ari.RecordingFinished, *ari.RecordingFailed:
		e = callEvent{kind: evRecEnd, at: at}
	default:
		return
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.fromKey && !cl.keyed {
		if e.kind != evDTMF {
			return
		}
		cl.keyed = true
	}
	cl.events = append(cl.events, e)
}

// dial places a call to extension@context with callerID; forget it when
// done (Caller.Forget).
func (r *runner) dial(ctx context.Context, extension, callerID string, opts ...testenv.DialOption) (*call, error) {
	cl := &call{log: r.log}
	opts = append([]testenv.DialOption{testenv.WithCallID(r.nextCallID()), testenv.WithEvents(cl.observe)}, opts...)
	c, err := r.caller.Dial(ctx, extension, r.o.DialplanContext, callerID, opts...)
	if err != nil {
		return nil, err
	}
	cl.Call = c
	return cl, nil
}

// follow follows the SIP call whose caller number is num, from its first
// key on. Forget it when the call is over.
func (r *runner) follow(ctx context.Context, num string) (*call, error) {
	cl := &call{log: r.log, fromKey: true}
	c, err := r.caller.Follow(ctx, sipEndpoint, num, testenv.WithEvents(cl.observe))
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	cl.Call = c
	return cl, nil
}

// waitAnswered waits until the voicemail side answered.
func (cl *call) waitAnswered(ctx context.Context) error {
	if err := cl.WaitAnswered(ctx); err != nil {
		return err
	}
	if !cl.Answered() {
		return fmt.Errorf("not answered: B ended with cause %d (is the [%s] context in extensions.conf, and the app running?)", cl.Cause(), "vm-load")
	}
	return nil
}

// hangup ends the call from A; a call already gone is no error.
func (cl *call) hangup(ctx context.Context) {
	if err := cl.Hangup(ctx); err != nil {
		cl.log.Debug("hangup", zap.String("channel", cl.A), zap.Error(err))
	}
}

// snapshot returns a copy of the events seen on B.
func (cl *call) snapshot() []callEvent {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return append([]callEvent(nil), cl.events...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
