package call

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
)

// ChannelChecker is what reconciliation needs from ARI.
type ChannelChecker interface {
	GetChannel(ctx context.Context, id string) (ari.Channel, error)
	GetPlayback(ctx context.Context, id string) (ari.Playback, error)
	GetLiveRecording(ctx context.Context, name string) (ari.LiveRecording, error)
}

// reconcileRetries are the waits between the looks at a call's channel
// that reconciliation makes before it gives up for a while; reconcileAgain
// is that while. A look that fails must be made again: if the channel left
// while the event stream was down, its StasisEnd is lost and nothing else
// would ever end the call.
var reconcileRetries = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

const reconcileAgain = 3 * time.Second

// reconcile runs on the call's goroutine after the event stream reconnected.
func (c *call) reconcile(ctx context.Context, client ChannelChecker) {
	_, err := client.GetChannel(ctx, c.id)
	for _, wait := range reconcileRetries {
		if err == nil || ari.IsGone(err) {
			break
		}
		c.log.Warn("reconcile: get channel; retrying", zap.Duration("in", wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		_, err = client.GetChannel(ctx, c.id)
	}
	switch {
	case ari.IsGone(err):
		c.log.Info("channel left while the event stream was down")
		c.step(ctx, menus.Event{Kind: menus.EvHangup})
		return
	case err != nil:
		// Asked again later, on the call's goroutine; an event that
		// ends the call first makes it moot.
		c.log.Warn("reconcile: get channel; will look again", zap.Duration("in", reconcileAgain), zap.Error(err))
		time.AfterFunc(reconcileAgain, func() {
			c.in.push(item{fn: func(ctx context.Context) { c.reconcile(ctx, client) }})
		})
		return
	}
	if pb := c.s.Playback; pb != "" {
		if _, err := client.GetPlayback(ctx, pb); ari.IsGone(err) {
			c.step(ctx, menus.PromptDone(pb))
		}
	}
	// A recording that ended while the stream was down: its
	// RecordingFinished is lost, so measure what was stored and go on.
	if c.s.Phase == menus.PhaseRecording && c.recording != "" {
		if _, err := client.GetLiveRecording(ctx, c.recording); ari.IsGone(err) {
			rec := &menus.Recorded{Name: c.recording, Duration: c.measure(ctx, c.recording, c.minSeconds())}
			c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: rec})
		}
	}
}
