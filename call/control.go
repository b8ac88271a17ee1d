package call

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Call is one caller in the app, as the app holds it: a goroutine (Run)
// that owns the call's menu state and applies its events one at a time.
// Methods marked "on the call's goroutine" are for the work the app queues
// with Do; the others may be called from anywhere, unless they say when.
type Call struct{ *call }

// New returns the call on channel id, on the Asterisk whose calls share
// deps. Run serves it.
func New(id string, deps *Deps, log *zap.Logger) *Call {
	return &Call{newCall(id, deps.bind(), log)}
}

// ID is the call's channel id.
func (c *Call) ID() string { return c.id }

// Log is the call's logger: it names the channel.
func (c *Call) Log() *zap.Logger { return c.log }

// Run applies events until the call ends or ctx is done. The session record
// is removed when the call ends.
func (c *Call) Run(ctx context.Context) { c.run(ctx) }

// Push queues ev for the call's goroutine. It never blocks.
func (c *Call) Push(ev menus.Event) { c.in.push(item{ev: ev, at: time.Now()}) }

// ChannelLeft tells the call that its channel has left the app (it is
// back with a StasisStart of its own), ahead of whatever is queued for it:
// nothing queued acts on the channel's next visit. It never blocks.
func (c *Call) ChannelLeft() { c.in.pushFront(item{ev: menus.Event{Kind: menus.EvHangup}}) }

// Do queues fn to run on the call's goroutine, after what is queued
// before it. It never blocks.
func (c *Call) Do(fn func(ctx context.Context)) { c.in.push(item{fn: fn}) }

// Step applies ev, saves the new state and carries out the commands. On
// the call's goroutine. A start (EvStart) without a key gets one: the
// call's name, kept in its state, from which what it writes that must
// come out the same when written again after a takeover is named
// (menus.Start.Key).
func (c *Call) Step(ctx context.Context, ev menus.Event) {
	if ev.Kind == menus.EvStart && ev.Start != nil && ev.Start.Key == "" {
		start := *ev.Start
		start.Key = state.NewMessageID(time.Now())
		ev.Start = &start
	}
	c.step(ctx, ev)
}

// AwaitLease waits until this instance's lease is good before a new call
// is acted on, however long that takes; the call is gone if ctx ends
// first (the instance stopping). On the call's goroutine.
func (c *Call) AwaitLease(ctx context.Context) bool { return c.awaitLease(ctx) }

// SetEpoch sets the call's fencing token: the epoch this instance claimed
// its session at. On the call's goroutine, before its first step.
func (c *Call) SetEpoch(epoch int64) { c.epoch = epoch }

// Restore gives a call taken over the epoch this instance claimed and the
// menu state its session held. On the call's goroutine, before its first
// step.
func (c *Call) Restore(epoch int64, st menus.State) { c.epoch, c.s = epoch, st }

// AwaitRecording reports whether the call, restored (Restore) in the app
// that holds its channel, is to wait for the end of the recording its state
// waits for (menus.State.Recording) rather than resume: Asterisk still
// records it, and its RecordingFinished comes to this app (a call left by
// an earlier run of this instance). On the call's goroutine.
func (c *Call) AwaitRecording(ctx context.Context) bool {
	name := c.s.Recording()
	if name == "" || c.deps.checker == nil {
		return false
	}
	if _, err := c.deps.checker.GetLiveRecording(ctx, name); err != nil {
		return false
	}
	c.recording = name
	c.log.Info("resume: the recording goes on; waiting for its end", zap.String("recording", name))
	return true
}

// FinishOffline ends a call taken over whose channel is gone, from st,
// the menu state its session held, at epoch, the epoch this instance
// claimed: what the engine does at a hang-up is done (a recorded message
// saved, a folder closed), and so is a save of a message that the dead
// instance had under way (it is idempotent on the message id). On the
// call's goroutine, before any other step.
func (c *Call) FinishOffline(ctx context.Context, epoch int64, st menus.State) {
	c.finishOffline(ctx, epoch, st)
}

// Leave hands the call back to the dialplan with VOICEMAIL_STATUS set, as
// app_voicemail sets VMSTATUS; a channel that cannot be continued is hung
// up. On the call's goroutine.
func (c *Call) Leave(ctx context.Context, status string) { c.leave(ctx, status) }

// Finish ends the call once the work under way returns: its session is
// removed. On the call's goroutine.
func (c *Call) Finish() { c.s.Phase = menus.PhaseDone }

// Abandon ends a call that cannot be resumed: its channel is hung up, and
// the call ends. On the call's goroutine.
func (c *Call) Abandon(ctx context.Context) { c.abandon(ctx) }

// Reconcile checks the call's channel, playback and recording with
// Asterisk after the event stream reconnected, and steps what was missed
// (reconcile.go). On the call's goroutine.
func (c *Call) Reconcile(ctx context.Context, client ChannelChecker) { c.reconcile(ctx, client) }

// HandOver moves the call to instance to, to be resumed there, and waits
// until ctx ends for to's claim (handover.go). Unless it reports
// HandedOver, the call is still this instance's. On the call's goroutine.
func (c *Call) HandOver(ctx context.Context, to state.Instance, sessions SessionReader) Handover {
	return c.handOver(ctx, to, sessions)
}

// Drop makes the call no longer this instance's as soon as its goroutine is
// through with what it is doing, before anything else queued: nothing more
// is done for it, and its session stays as it is, for the instance that
// reaps this one.
func (c *Call) Drop() { c.in.pushFront(item{fn: func(context.Context) { c.gone = true }}) }

// Finished reports whether the call ended here. Read it once Run returned.
func (c *Call) Finished() bool { return c.s.Phase == menus.PhaseDone }

// Gone reports whether the call is no longer this instance's: taken over,
// handed over, or left to the instance that reaps this one (fence.go).
// Read it once Run returned.
func (c *Call) Gone() bool { return c.gone }

// LeaveChannelWith is LeaveChannel with the channel variables vars set
// first; an empty status leaves VOICEMAIL_STATUS alone.
func LeaveChannelWith(ctx context.Context, ch ChannelControl, id, status string, vars []menus.Var, log *zap.Logger) {
	leaveChannelWith(ctx, ch, id, status, vars, log)
}

// LeaveChannel is Call.Leave for a channel that has no call (bad
// arguments).
func LeaveChannel(ctx context.Context, ch ChannelControl, id, status string, log *zap.Logger) {
	leaveChannel(ctx, ch, id, status, log)
}
