package call

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// ResumeArg is the Stasis argument of a call moved into an app to be
// resumed there, from its session.
const ResumeArg = "resume"

// SessionReader reads a call's session, to see who owns it now.
type SessionReader interface {
	LoadSession(ctx context.Context, channelID string) (state.Session, error)
}

// Handover is what became of one call at a handover.
type Handover int

const (
	HandedOver    Handover = iota // the receiver has it, or it ended
	HandoverEnd                   // to be ended here: hung up, then finished
	HandoverLeave                 // to be left, untouched, to a reaper
)

// confirmEvery is how often a handover looks whether the receiver claimed
// the call.
const confirmEvery = 20 * time.Millisecond

// handOver moves the call to instance to, to be resumed there, and waits
// until ctx ends for to's claim. Unless it reports HandedOver, the call is
// still this instance's.
func (c *call) handOver(ctx context.Context, to state.Instance, sessions SessionReader) Handover {
	if c.s.Phase == menus.PhaseDone || c.gone {
		return HandedOver
	}
	if c.s.Phase == menus.PhaseRecording {
		// Asterisk moves a channel only once its recording ends
		// (res_stasis runs the move on the channel's command queue):
		// whoever reaps this instance moves it then, with one Move.
		c.log.Info("handover: recording; left to the instance that takes this one's calls over")
		return HandoverLeave
	}
	c.stopTimer()
	c.save(ctx)
	if c.gone {
		return HandedOver
	}
	if c.s.Playback != "" {
		if err := c.deps.player.StopPlayback(ctx, c.s.Playback); err != nil && !ari.IsGone(err) {
			c.log.Warn("handover: stop playback", zap.Error(err))
		}
	}
	err := c.deps.mover.Move(ctx, c.id, to.App, []string{ResumeArg})
	switch {
	case ari.IsGone(err):
		return HandoverEnd // its StasisEnd follows, or is there already
	case err != nil && !ari.MayHaveActed(err):
		c.log.Warn("handover: move not done; left to the instance that takes this one's calls over", zap.String("to", to.ID), zap.Error(err))
		return HandoverLeave
	case err != nil:
		// Sent, without an answer: it may yet happen. Only the receiver
		// can tell.
		c.log.Warn("handover: move sent, no answer", zap.String("to", to.ID), zap.Error(err))
	}
	for {
		sess, err := sessions.LoadSession(ctx, c.id)
		if err == nil && sess.Epoch > c.epoch {
			break
		}
		select {
		case <-ctx.Done():
			c.log.Warn("handover: not confirmed by the receiver; ending the call here", zap.String("to", to.ID))
			return HandoverEnd
		case <-time.After(confirmEvery):
		}
	}
	c.log.Info("call handed over", zap.String("to", to.ID))
	c.gone = true
	if err := c.deps.sessions.Own(context.WithoutCancel(ctx), c.deps.instance, c.id, false); err != nil {
		c.log.Warn("forget owned call", zap.Error(err))
	}
	return HandedOver
}

// abandon ends a call that cannot be resumed: its channel is hung up, and
// the call ends.
func (c *call) abandon(ctx context.Context) {
	if err := c.deps.channel.Hangup(ctx, c.id, "normal"); err != nil && !ari.IsGone(err) {
		c.log.Warn("hangup", zap.Error(err))
	}
	c.s.Phase = menus.PhaseDone
}
