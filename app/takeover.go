package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// How instances take each other's calls over (SPEC.md §4, menus-and-ha.md):
//
//   - Every instance holds a lease in Redis (state.Renew) and renews it every
//     lease/4. The lease covers all of its calls; each call's session carries
//     its own fencing token, the epoch.
//   - Every instance also looks for leases that ran out. The first to lock a
//     dead instance (state.Reap) takes its calls: those it recorded as owned
//     (state.Own) and those Asterisk still lists in its app. For each, it
//     bumps the session's epoch to its own (state.ClaimSession, which fails
//     if someone else got there first), stops the prompt that was playing,
//     and moves the channel into its own app with the argument "resume"; a
//     channel that is gone is finished offline (a recording is measured and
//     saved, a folder is closed).
//   - The old owner, should it only have been paused, finds its next session
//     save refused as stale and leaves the call alone.
//   - At SIGTERM, an instance hands its calls to a live instance the same
//     way instead of hanging them up.

// reapLock is how long one instance has to take a dead instance's calls
// over before another may try.
const reapLock = 30 * time.Second

// resumeArg is the Stasis argument of a call moved here to be resumed.
const resumeArg = "resume"

// keepLease renews this instance's lease and reaps dead instances until ctx
// ends.
func (a *App) keepLease(ctx context.Context) {
	every := a.cfg.Instance.Lease / 4
	t := time.NewTicker(every)
	defer t.Stop()
	// Reap only once this instance's own lease has been renewed without a
	// break for a whole lease: after its start, or after Redis was out of
	// reach, the other instances' leases may have run out only because
	// nobody could renew them, and they deserve the same chance.
	reapFrom := time.Now().Add(a.cfg.Instance.Lease)
	for {
		if !a.renewAndReap(ctx, every, time.Now().After(reapFrom)) {
			reapFrom = time.Now().Add(a.cfg.Instance.Lease + every)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// renewAndReap renews this instance's lease and, if reap, takes over the
// calls of instances whose lease ran out. It reports whether the renewal
// worked.
func (a *App) renewAndReap(ctx context.Context, bound time.Duration, reap bool) bool {
	rctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	if err := a.store.Renew(rctx, a.cfg.Instance.ID, a.cfg.appName(), a.cfg.Instance.Lease); err != nil {
		if ctx.Err() == nil {
			a.log.Warn("renew lease", zap.Error(err))
			a.ops.metrics.failed(opRedisLease)
		}
		return false
	}
	if !reap || a.stopping.Load() {
		// A stopping instance hands its own calls on; it takes no more.
		return true
	}
	instances, err := a.store.Instances(rctx)
	if err != nil {
		a.log.Warn("list instances", zap.Error(err))
		a.ops.metrics.failed(opRedisLease)
		return true
	}
	now := time.Now()
	for _, in := range instances {
		if in.ID == a.cfg.Instance.ID || in.Deadline.After(now) {
			continue
		}
		ok, err := a.store.Reap(rctx, in.ID, a.cfg.Instance.ID, reapLock)
		if err != nil || !ok {
			continue
		}
		a.takeOver(context.WithoutCancel(ctx), in)
	}
	return true
}

// takeOver takes the calls of dead instance dead.
func (a *App) takeOver(ctx context.Context, dead state.Instance) {
	log := a.log.With(zap.String("dead_instance", dead.ID), zap.String("dead_app", dead.App))
	ctx, cancel := context.WithTimeout(ctx, reapLock)
	defer cancel()
	ids := map[string]bool{}
	owned, err := a.store.Owned(ctx, dead.ID)
	if err != nil {
		log.Warn("takeover: calls of the dead instance", zap.Error(err))
		return
	}
	for _, id := range owned {
		ids[id] = true
	}
	if dead.App != "" {
		// Every Asterisk served lists the channels still in the dead app.
		// One that cannot be asked is skipped: the calls the dead instance
		// recorded as owned are still taken.
		for _, n := range a.nodes {
			app, err := n.client.Application(ctx, dead.App)
			switch {
			case err == nil:
				for _, id := range app.ChannelIDs {
					ids[id] = true
				}
			case !ari.IsGone(err):
				log.Warn("takeover: channels of the dead app", zap.String("asterisk", n.name), zap.Error(err))
			}
		}
	}
	log.Warn("instance lease expired; taking its calls over", zap.Int("calls", len(ids)))
	for id := range ids {
		a.takeOverCall(ctx, log, dead, id)
	}
	if _, err := a.store.Forget(ctx, dead.ID); err != nil {
		log.Warn("takeover: forget the dead instance", zap.Error(err))
	}
}

// takeOverCall takes one call of dead instance dead.
func (a *App) takeOverCall(ctx context.Context, log *zap.Logger, dead state.Instance, id string) {
	log = log.With(zap.String("channel", id))
	if a.hasCall(id) {
		return
	}
	epoch, err := a.store.ClaimSession(ctx, id, a.cfg.Instance.ID, a.cfg.appName(), dead.ID)
	switch {
	case errors.Is(err, state.ErrSessionNotFound) && dead.App != a.cfg.appName():
		// The call died with its instance before its first step: nothing
		// to resume, and nobody serves that app any more.
		log.Warn("takeover: call without a session; hanging up")
		a.hangUpAnywhere(ctx, log, id)
		return
	case err != nil:
		// Another instance has it; or, in our own app, it may be a call
		// whose StasisStart this instance has not handled yet.
		log.Info("takeover: call not claimed", zap.Error(err))
		return
	}
	a.ops.metrics.claim(true)
	st, err := a.loadState(ctx, id)
	if err != nil {
		log.Error("takeover: session unusable; hanging up", zap.Error(err))
		a.hangUpAnywhere(ctx, log, id)
		return
	}
	n, err := a.locate(ctx, id)
	switch {
	case errors.Is(err, ari.ErrNotFound):
		log.Info("takeover: channel gone; finishing the call offline")
		a.finishOffline(ctx, id, epoch)
		return
	case err != nil:
		// Its Asterisk cannot be asked: the call cannot be moved from
		// here. Its session stays in Redis for the session TTL.
		log.Error("takeover: cannot tell which Asterisk holds the call", zap.Error(err))
		return
	}
	if st.Playback != "" {
		// A move waits behind a playback: stop it.
		if err := n.client.StopPlayback(ctx, st.Playback); err != nil && !ari.IsGone(err) {
			log.Warn("takeover: stop playback", zap.Error(err))
		}
	}
	if dead.App == a.cfg.appName() {
		// The same app (one instance, restarted): the channel is ours
		// already, and no StasisStart will come.
		a.adopt(ctx, n, id, epoch)
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.moveHere(context.WithoutCancel(ctx), log, n, id, epoch)
	}()
}

// hangUpAnywhere hangs channel id up on whichever Asterisk has it.
func (a *App) hangUpAnywhere(ctx context.Context, log *zap.Logger, id string) {
	for _, n := range a.nodes {
		if err := n.client.Hangup(ctx, id, "normal"); err != nil && !ari.IsGone(err) {
			log.Warn("takeover: hangup", zap.String("asterisk", n.name), zap.Error(err))
		}
	}
}

// moveHere moves channel id into this instance's app to be resumed, and
// finishes the call offline if its channel leaves before it arrives. A move
// waits in Asterisk behind a recording, so this may take as long as a
// message. A call that arrives is known by its StasisStart (arrived), not
// by its being among the calls: it may arrive and end between two looks.
func (a *App) moveHere(ctx context.Context, log *zap.Logger, n *node, id string, epoch int64) {
	arrived := a.expectArrival(id)
	defer a.forgetArrival(id)
	err := n.client.Move(ctx, id, a.cfg.appName(), []string{resumeArg})
	if err != nil && !ari.IsGone(err) {
		// Likely still queued behind a recording: watch for its outcome.
		log.Info("takeover: move pending", zap.Error(err))
	}
	deadline := time.Now().Add(a.cfg.Voicemail.MaxMessage + time.Minute)
	for {
		select {
		case <-arrived:
			return
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
		_, err := n.client.GetChannel(ctx, id)
		if ari.IsGone(err) {
			select {
			case <-arrived:
			default:
				log.Info("takeover: channel gone; finishing the call offline")
				a.finishOffline(ctx, id, epoch)
			}
			return
		}
		if time.Now().After(deadline) {
			log.Warn("takeover: call never arrived")
			return
		}
	}
}

// expectArrival returns a channel closed when call id arrives in this
// instance's app to be resumed.
func (a *App) expectArrival(id string) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	ch := make(chan struct{})
	a.arrivals[id] = ch
	return ch
}

func (a *App) forgetArrival(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.arrivals, id)
}

// arrive tells moveHere that call id arrived.
func (a *App) arrive(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch, ok := a.arrivals[id]; ok {
		close(ch)
		delete(a.arrivals, id)
	}
}

func (a *App) hasCall(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.calls[id]
	return ok
}

// loadState reads the menu state a call's session holds.
func (a *App) loadState(ctx context.Context, id string) (menus.State, error) {
	sess, err := a.store.LoadSession(ctx, id)
	if err != nil {
		return menus.State{}, err
	}
	var st menus.State
	if len(sess.Menu) == 0 {
		return menus.State{Channel: id}, nil
	}
	if err := json.Unmarshal(sess.Menu, &st); err != nil {
		return menus.State{}, fmt.Errorf("%w: menu state: %v", state.ErrCorruptSession, err)
	}
	// The browsed folder's listing is saved apart (menus State.Split).
	var listing []menus.MsgInfo
	if st.Box != nil && st.Box.Listing != 0 {
		if err := json.Unmarshal(sess.Listing, &listing); err != nil {
			return menus.State{}, fmt.Errorf("%w: folder listing: %v", state.ErrCorruptSession, err)
		}
	}
	st, err = menus.Join(st, listing)
	if err != nil {
		return menus.State{}, fmt.Errorf("%w: %v", state.ErrCorruptSession, err)
	}
	st.Channel = id
	return st, nil
}

// adopt resumes call id here, from its session. epoch is the epoch this
// instance claimed, 0 if it has not claimed the session yet (a call handed
// over at another instance's shutdown).
func (a *App) adopt(ctx context.Context, n *node, id string, epoch int64) {
	a.arrive(id)
	c := a.register(n, id)
	if c == nil {
		return
	}
	c.log.Info("resuming call taken over from another instance")
	a.launch(ctx, c, func(ctx context.Context) {
		if epoch == 0 {
			e, err := a.store.ClaimSession(ctx, id, a.cfg.Instance.ID, a.cfg.appName(), "")
			if err != nil {
				c.log.Error("resume: claim session; hanging up", zap.Error(err))
				c.abandon(ctx)
				return
			}
			epoch = e
		}
		st, err := a.loadState(ctx, id)
		if err != nil {
			c.log.Error("resume: session unusable; hanging up", zap.Error(err))
			c.abandon(ctx)
			return
		}
		c.epoch, c.s = epoch, st
		if err := c.deps.sessions.Own(ctx, c.deps.instance, id, true); err != nil {
			c.log.Warn("record owned call", zap.Error(err))
		}
		a.ops.metrics.takeover()
		c.step(ctx, menus.Event{Kind: menus.EvResume})
	})
}

// finishOffline finishes a taken-over call whose channel is gone: what the
// engine does at a hang-up (save a recorded message, close a folder) is
// done here, through any connected Asterisk (recordings are shared).
func (a *App) finishOffline(ctx context.Context, id string, epoch int64) {
	c := a.register(a.anyNode(), id)
	if c == nil {
		return
	}
	a.launch(ctx, c, func(ctx context.Context) {
		st, err := a.loadState(ctx, id)
		if err != nil {
			c.log.Error("finish offline: session unusable", zap.Error(err))
			c.s.Phase = menus.PhaseDone
			return
		}
		c.epoch, c.s = epoch, st
		a.ops.metrics.takeover()
		c.step(ctx, menus.Event{Kind: menus.EvHangup})
	})
}

// abandon ends a call that cannot be resumed: sorry, goodbye, hang up.
func (c *call) abandon(ctx context.Context) {
	if err := c.deps.channel.Hangup(ctx, c.id, "normal"); err != nil && !ari.IsGone(err) {
		c.log.Warn("hangup", zap.Error(err))
	}
	c.s.Phase = menus.PhaseDone
}

// handOver gives this instance's calls to live instances at shutdown, so
// that callers go on instead of being hung up. It returns the calls it
// could not hand over.
func (a *App) handOver(ctx context.Context, calls []*call) []*call {
	instances, err := a.store.Instances(ctx)
	if err != nil {
		a.log.Warn("handover: list instances", zap.Error(err))
		return calls
	}
	var live []state.Instance
	now := time.Now()
	for _, in := range instances {
		if in.ID != a.cfg.Instance.ID && in.App != "" && in.Deadline.After(now) {
			live = append(live, in)
		}
	}
	if len(live) == 0 {
		return calls
	}
	type result struct {
		c    *call
		done bool // handed over, or ended meanwhile
	}
	results := make(chan result, len(calls))
	for i, c := range calls {
		to := live[i%len(live)]
		c.in.push(item{fn: func(ctx context.Context) { results <- result{c, c.handOver(ctx, to)} }})
	}
	answered := make(map[*call]bool, len(calls))
	var left []*call
	for len(answered) < len(calls) {
		select {
		case r := <-results:
			answered[r.c] = true
			if !r.done {
				left = append(left, r.c)
			}
		case <-ctx.Done():
			for _, c := range calls {
				if !answered[c] {
					left = append(left, c)
				}
			}
			return left
		}
	}
	return left
}

// handOver moves the call to instance to, to be resumed there. It reports
// false if it could not; the call is then still this instance's.
func (c *call) handOver(ctx context.Context, to state.Instance) bool {
	if c.s.Phase == menus.PhaseDone || c.gone {
		return true
	}
	c.stopTimer()
	c.save(ctx)
	if c.gone {
		return true
	}
	if c.s.Playback != "" {
		if err := c.deps.player.StopPlayback(ctx, c.s.Playback); err != nil && !ari.IsGone(err) {
			c.log.Warn("handover: stop playback", zap.Error(err))
		}
	}
	err := c.deps.mover.Move(ctx, c.id, to.App, []string{resumeArg})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		c.log.Warn("handover failed", zap.String("to", to.ID), zap.Error(err))
		return false
	}
	// A move queued behind a recording times out here but still happens.
	c.log.Info("call handed over", zap.String("to", to.ID))
	c.gone = true
	if err := c.deps.sessions.Own(ctx, c.deps.instance, c.id, false); err != nil {
		c.log.Warn("forget owned call", zap.Error(err))
	}
	return true
}
