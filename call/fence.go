package call

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// How a call makes sure it is still this instance's before it acts
// (docs/ha.md):
//
//   - Every step that changes stored data (a deposit, a folder close, a
//     move, a discard of audio, a greeting or PIN change, a forward) first
//     saves the session, fenced by the call's epoch; so does the step that
//     starts a greeting take (or a forward's introduction), whose state
//     names the take, so that its audio never exists without the session
//     pointing at it. The hang-up step saves
//     the state from before the hang-up, so that, should this instance not
//     get to finish, the instance that reaps it finishes the call from it.
//   - A save refused as stale means another instance took the call over:
//     nothing more is done for it. A save that fails otherwise (Redis out
//     of reach) is retried, with no bound in time (decideOwnership): as
//     long as no save is refused as stale, no other instance owns the
//     call, and if Redis is out of reach for every instance, none can
//     take it over (a takeover claims the session in Redis), so this one
//     must go on with it once Redis answers. The caller hears silence
//     meanwhile, as app_voicemail's caller does while its storage blocks.
//     Only the instance stopping (the call's context ending) leaves the
//     call, with its session in Redis (neither ended nor forgotten), to
//     the instance that reaps this one.
//   - An instance whose own lease has not been renewed for a whole lease
//     may have been presumed dead: it stops acting on its calls, prompts
//     included, until its lease is renewed and a fenced save confirms the
//     call is still its own (self-fencing). The writes of what the caller
//     did (a message, a folder's changes), retried while Redis does not
//     take them, stop the same way while the lease has lapsed, and go on
//     after such a confirmation (retryOwned).
//   - A store write that failed is retried only once the call is
//     confirmed again to be this instance's, with the state the fence
//     confirmed (retryStore, retryOwned): a retry may come much later, and
//     a stale owner must never write after its successor did.
//   - Steps that only prompt (promptOnly) send their save along with their
//     commands instead of before them (saveAlong): a prompt changes no
//     stored data, and a Redis round trip in front of every prompt was the
//     largest part of the app's time per key under load. The step ends
//     only once the save has answered: a save refused as stale stops the
//     step's prompts at once and the call is gone, nothing more is done
//     for it. Saving first never gave more than that for a prompt: a
//     process paused between its save and its play plays to a call it
//     lost just the same. Any other failure is only logged: the record
//     matters only if this instance dies, and then the call resumes from
//     the step before (it prompts again). The same goes for '#' or '0'
//     stopping a recording: '#' changes nothing in the state, and a '0'
//     whose save is lost with the instance resumes as if the recording had
//     ended on '#' (the review, not vm-saveoper), the message kept either
//     way. Other non-destructive steps
//     (a recording started, the call handed back) save first, without
//     waiting for Redis beyond the save's own bound.

// ownershipWait is how long a call waits for its ownership to be
// confirmed before the wait is logged as an error: the caller hears
// silence meanwhile, and the wait goes on (decideOwnership).
const ownershipWait = 30 * time.Second

// notReplicatedFor bounds the retries of a write of what the caller did
// that the master applied but too few replicas confirmed
// (state.ErrNotReplicated): Redis answers, so waiting on in silence for a
// replica that may never come would only hold the caller; the caller is
// told, and the audio kept (README, "Replication").
const notReplicatedFor = 30 * time.Second

// LeaseHolder says whether this instance's lease is good: renewed less than
// a lease ago. An instance whose lease ran out may have been reaped, its
// calls taken over by another.
type LeaseHolder interface {
	Held() bool
}

// destructive reports whether cmds change stored data: those wait until
// the call's ownership is confirmed. So does a greeting take (or a
// forward's introduction) about to be recorded, whose name the saved
// state must hold before its audio exists: an instance that resumes the
// call discards it (menus resume). Prompts, timers, message recordings
// (the deposit named them from the start), reads and the end of the call
// (continue, hang-up) do not.
func destructive(cmds []menus.Cmd) bool {
	for _, cmd := range cmds {
		switch cmd.Kind {
		case menus.CmdSaveMessage, menus.CmdCloseFolder, menus.CmdMove, menus.CmdDiscard,
			menus.CmdSetGreeting, menus.CmdClearGreeting, menus.CmdSetPIN, menus.CmdForward,
			menus.CmdRecordGreeting:
			return true
		}
	}
	return false
}

// leaseHeld reports whether this instance's lease is good (always, without
// a LeaseHolder: tests of a call alone).
func (c *call) leaseHeld() bool {
	return c.deps.lease == nil || c.deps.lease.Held()
}

// promptOnly reports whether cmds only prompt, time and read, or end a
// recording early (its audio is kept, and its end comes as for Asterisk's
// own '#'): their step's save may go along with them (saveAlong) rather
// than before them.
func promptOnly(cmds []menus.Cmd) bool {
	for _, cmd := range cmds {
		switch cmd.Kind {
		case menus.CmdPlay, menus.CmdStop, menus.CmdTimer, menus.CmdControl,
			menus.CmdAuthenticate, menus.CmdLoadFolder, menus.CmdDirectory, menus.CmdPrepareDeposit,
			menus.CmdStopRecording:
		default:
			return false
		}
	}
	return true
}

// fence decides whether the commands of the step that led from before to
// c.s may run, saving the session on the way (see the top of this file).
// It returns false when they must not: the call is then gone. A save
// that goes along with the commands is returned, to be finished
// (finishAlong) once they are under way; nil when the save is done.
func (c *call) fence(ctx context.Context, before menus.State, cmds []menus.Cmd, moved bool) (bool, *pendingSave) {
	if len(cmds) == 0 && !moved {
		return true, nil
	}
	held := c.leaseHeld()
	switch {
	case c.s.Phase == menus.PhaseDone:
		// The call ends here, and its session with it: only destructive
		// work, or a lease run out, needs the fence, with the state from
		// before the hang-up as the one to finish from.
		if held && !destructive(cmds) {
			return true, nil
		}
		return c.confirm(ctx, before), nil
	case !held || destructive(cmds):
		return c.confirm(ctx, c.s), nil
	case promptOnly(cmds):
		return true, c.saveAlong(ctx)
	}
	c.save(ctx)
	return !c.gone, nil
}

// pendingSave is a session save under way (saveAlong).
type pendingSave struct {
	done chan error
	// listing is the folder listing the save carries, 0 if none.
	listing int
}

// saveAlong sends the save of c.s and returns at once: the step's
// commands go out while Redis answers. The state is encoded here, in the
// call's goroutine; only the round trip runs apart. An encoding error
// is returned as the save's outcome.
func (c *call) saveAlong(ctx context.Context) *pendingSave {
	p := &pendingSave{done: make(chan error, 1)}
	sess, listing, err := c.session(c.s)
	if err != nil {
		p.done <- err
		return p
	}
	p.listing = listing
	go func() {
		ctx, cancel := context.WithTimeout(ctx, saveTimeout)
		defer cancel()
		p.done <- c.deps.sessions.SaveSession(ctx, sess)
	}()
	return p
}

// finishAlong waits for the save sent along with cmds (saveAlong). A save
// refused as stale means the call was taken over while its prompts went
// out: they are stopped, and the call is gone. Any other failure is only
// logged, as save's.
func (c *call) finishAlong(ctx context.Context, p *pendingSave, cmds []menus.Cmd) {
	err := <-p.done
	if err == nil && p.listing != 0 {
		c.savedListing = p.listing
	}
	c.saved(err)
	if !c.gone {
		return
	}
	// Taken over while its prompts went out: they stop at once.
	c.stopTimer()
	for _, cmd := range cmds {
		if cmd.Kind != menus.CmdPlay {
			continue
		}
		if err := c.deps.player.StopPlayback(ctx, cmd.ID); err != nil && !ari.IsGone(err) {
			c.log.Warn("stop the prompt of a call taken over", zap.String("playback", cmd.ID), zap.Error(err))
		}
	}
}

// ownership is what a call that waits to act does next (decideOwnership).
type ownership int

const (
	// ownConfirmed: a fenced save went through: the call is this
	// instance's, and it acts.
	ownConfirmed ownership = iota
	// ownTaken: the save was refused as stale: another instance took the
	// call over, or ended it. The call is left at once.
	ownTaken
	// ownLeft: the call's context ended (the instance is stopping): the
	// call is left, its session as it is, to the instance that reaps
	// this one.
	ownLeft
	// ownWait: no answer yet: Redis out of reach, or this instance's lease
	// not renewed for a whole lease (no save is tried then). Nothing is
	// written; the call asks again after a while.
	ownWait
)

func (o ownership) String() string {
	switch o {
	case ownConfirmed:
		return "confirmed"
	case ownTaken:
		return "taken"
	case ownLeft:
		return "left"
	}
	return "wait"
}

// decideOwnership decides what a call waiting to act does, from its
// context's error, whether this instance's lease is held, and the outcome
// of the fenced save tried while it was (ignored when not). How long the
// call has waited is no input: Redis out of reach, however long, only
// makes it wait, because nobody else can own the call without a stale
// epoch to show for it (docs/ha.md).
func decideOwnership(ctxErr error, held bool, saveErr error) ownership {
	switch {
	case held && saveErr == nil:
		return ownConfirmed
	case held && errors.Is(saveErr, state.ErrStaleEpoch):
		return ownTaken
	case ctxErr != nil:
		return ownLeft
	}
	return ownWait
}

// confirm saves st, fenced by the call's epoch, once this instance's lease
// is good, retrying while Redis does not answer, for as long as it takes
// (decideOwnership). It reports whether the save went through: the call
// is still this instance's, and st is the state a reaper would finish it
// from (c.fenced). Otherwise the call is gone: taken over (a stale
// epoch), or left at a stop to the instance that reaps this one, whose
// session stays as it was.
func (c *call) confirm(ctx context.Context, st menus.State) bool {
	start := time.Now()
	reported := false
	backoff := 100 * time.Millisecond
	for {
		held := c.leaseHeld()
		var err error
		if held {
			err = c.saveState(ctx, st)
		}
		switch decideOwnership(ctx.Err(), held, err) {
		case ownConfirmed:
			if reported {
				c.log.Warn("call's ownership confirmed; it goes on", zap.Duration("waited", time.Since(start)))
			}
			c.fenced, c.hasFenced = st, true
			return true
		case ownTaken:
			// This instance was presumed dead (paused, or cut off from
			// Redis longer than its lease) and another one took the
			// call over, or ended it: stop at once, so the two never
			// both act on it.
			c.log.Warn("call taken over by another instance; leaving it", zap.Int64("epoch", c.epoch), zap.Error(err))
			c.gone = true
			return false
		case ownLeft:
			c.log.Warn("stopping before the call's ownership was confirmed: leaving the call, and its session, to the instance that reaps this one",
				zap.Int64("epoch", c.epoch), zap.Duration("waited", time.Since(start)), zap.Error(err))
			c.gone = true
			return false
		}
		if !held {
			err = errLeaseLost
		}
		switch waited := time.Since(start); {
		case !reported && waited >= c.deps.waits.ownershipFor():
			reported = true
			c.log.Error("call waiting for Redis to confirm it is still this instance's; the caller hears silence until then",
				zap.Duration("waited", waited), zap.Error(err))
		case !reported:
			c.log.Warn("cannot confirm the call is still this instance's; waiting", zap.Duration("backoff", backoff), zap.Error(err))
		}
		sleep(ctx, backoff) // an end of ctx is seen at the next look
		backoff = min(backoff*2, 2*time.Second)
	}
}

// errLeaseLost is why a call could not confirm its ownership while this
// instance's lease had run out.
var errLeaseLost = errors.New("call: lease not renewed for a whole lease")

// errCallLeft is returned, possibly wrapped, by retryOwned and retryStore
// when the call is no longer this instance's to act on (c.gone): taken
// over, or left at a stop.
var errCallLeft = errors.New("app: call left to another instance")

// awaitLease waits until this instance's lease is good before a new call
// is acted on, for as long as it takes (decideOwnership); the call is
// gone if ctx ends first.
func (c *call) awaitLease(ctx context.Context) bool {
	start := time.Now()
	reported := false
	backoff := 100 * time.Millisecond
	for !c.leaseHeld() {
		if ctx.Err() != nil {
			c.log.Warn("stopping before the lease was renewed: leaving the new call alone")
			c.gone = true
			return false
		}
		if waited := time.Since(start); !reported && waited >= c.deps.waits.ownershipFor() {
			reported = true
			c.log.Error("new call waiting for this instance's lease to be renewed; the caller hears nothing until then",
				zap.Duration("waited", waited))
		}
		sleep(ctx, backoff)
		backoff = min(backoff*2, 2*time.Second)
	}
	return true
}

// sleep waits d, or until ctx ends; it reports false if ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// permanent reports whether a store error is an answer rather than a
// failure to get one: retrying cannot change it.
func permanent(err error) bool {
	for _, e := range []error{state.ErrMailboxFull, state.ErrInvalidMessage, state.ErrInvalidMailbox,
		state.ErrInvalidMessageID, state.ErrInvalidFolder, state.ErrInvalidGreeting, state.ErrInvalidPIN,
		state.ErrMailboxNotFound, state.ErrMessageNotFound, state.ErrCorruptMessage} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// retryStore runs op until it succeeds, fails for good (permanent), or ctx
// ends, with backoff: for writes that are idempotent, so that an attempt
// whose reply was lost is repeated rather than guessed at. what names the
// operation in the log.
//
// The fence confirmed the call was this instance's before the first
// attempt; a retry may come much later (Redis out of reach, a Sentinel
// failover leaving no replica to confirm writes, this process paused),
// when another instance may have taken the call over. Each retry first
// confirms ownership again with the state the fence confirmed: a retry
// is refused (errCallLeft, wrapped) once the call is gone, so that a stale
// owner never writes after its successor did.
func (c *call) retryStore(ctx context.Context, what string, op func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	for {
		err := op(ctx)
		if err == nil || permanent(err) {
			return err
		}
		c.log.Warn(what+" failed, retrying", zap.Duration("backoff", backoff), zap.Error(err))
		if !sleep(ctx, backoff) {
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		}
		backoff = min(backoff*2, 2*time.Second)
		if c.hasFenced && !c.confirm(ctx, c.fenced) {
			return fmt.Errorf("%w: %s not retried (last failure: %v)", errCallLeft, what, err)
		}
	}
}

// retryOwned runs op, a write of what the caller did (a message, a
// folder's deletions and New→Old moves), until it succeeds or fails for
// good (permanent), however long Redis stays out of reach: what the
// caller did is not lost to an outage. An attempt is made only while this
// instance's lease holds; once it lapsed, and before every retry (a retry
// may come much later, after another instance took the call over: see
// retryStore), the call's ownership is confirmed again (confirm, with the
// state the step's fence saved) before the next. It returns errCallLeft, the call gone, when that is refused
// as stale or ctx ends (the instance stopping): the session then stays
// for whoever takes the call over, who does the write again (each is
// idempotent). A write that the master applied but too few replicas
// confirmed (state.ErrNotReplicated) is retried for notReplicatedFor only,
// then returned. what names the operation in the log.
func (c *call) retryOwned(ctx context.Context, what string, op func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	var notReplicated time.Time // since when every attempt got ErrNotReplicated
	for retry := false; ; retry = true {
		if (retry && c.hasFenced || !c.leaseHeld()) && !c.confirm(ctx, c.fenced) {
			return errCallLeft
		}
		err := op(ctx)
		switch {
		case err == nil || permanent(err):
			return err
		case !errors.Is(err, state.ErrNotReplicated):
			notReplicated = time.Time{}
		case notReplicated.IsZero():
			notReplicated = time.Now()
		case time.Since(notReplicated) >= notReplicatedFor:
			return err
		}
		c.log.Warn(what+" failed, retrying", zap.Duration("backoff", backoff), zap.Error(err))
		if !sleep(ctx, backoff) {
			c.log.Warn("stopping during "+what+": leaving the call, and its session, to the instance that reaps this one", zap.Error(err))
			c.gone = true
			return errCallLeft
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}
