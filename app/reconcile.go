package app

import (
	"context"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
)

// channelChecker is what reconciliation needs from ARI.
type channelChecker interface {
	GetChannel(ctx context.Context, id string) (ari.Channel, error)
	GetPlayback(ctx context.Context, id string) (ari.Playback, error)
	GetLiveRecording(ctx context.Context, name string) (ari.LiveRecording, error)
}

// reconcile runs on the call's goroutine after the event stream reconnected.
func (c *call) reconcile(ctx context.Context, client channelChecker) {
	if _, err := client.GetChannel(ctx, c.id); err != nil {
		if ari.IsGone(err) {
			c.log.Info("channel left while the event stream was down")
			c.step(ctx, menus.Event{Kind: menus.EvHangup})
			return
		}
		c.log.Warn("reconcile: get channel", zap.Error(err))
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
			rec := &menus.Recorded{Name: c.recording, Duration: c.measure(ctx, c.recording)}
			c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: rec})
		}
	}
}
