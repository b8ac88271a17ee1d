package app

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// How instances take each other's calls over (docs/ha.md):
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

// reapRetry is how soon a dead instance is reaped again (by any instance)
// after a takeover that left a call of it unresolved: its Asterisk could
// not be asked, or Redis failed.
const reapRetry = 5 * time.Second

// earlierRunWait bounds how long the takeover of an earlier run's calls
// (takeOverEarlierRun) waits for this instance's lease and event streams
// before it goes on anyway.
const earlierRunWait = 30 * time.Second

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

// resumeArg is the Stasis argument of a call moved here to be resumed.
const resumeArg = call.ResumeArg

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
	sent := time.Now()
	if err := a.store.Renew(rctx, a.cfg.Instance.ID, a.cfg.appName(), a.cfg.Instance.Lease); err != nil {
		if ctx.Err() == nil {
			a.log.Warn("renew lease", zap.Error(err))
			a.ops.metrics.failed(opRedisLease)
		}
		return false
	}
	a.lease.renewed(sent) // the calls may act until sent + lease (call/fence.go)
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
	for _, in := range instances {
		if in.ID == a.cfg.Instance.ID || !in.Expired() {
			continue
		}
		ok, err := a.store.Reap(rctx, in.ID, a.cfg.Instance.ID, reapLock)
		if err != nil || !ok {
			continue
		}
		a.startTakeOver(ctx, in)
	}
	return true
}

// startTakeOver takes the calls of dead instance dead on a goroutine of its
// own: the lease goes on being renewed meanwhile, however long Asterisk
// takes to answer. Run waits for it; it ends with ctx.
func (a *App) startTakeOver(ctx context.Context, dead state.Instance) {
	a.reapers.Add(1)
	go func() {
		defer a.reapers.Done()
		a.takeOver(ctx, dead)
	}()
}

// takeOver takes the calls of dead instance dead. The instance is forgotten
// (its lease entry and list of calls removed) only once every call of it is
// resolved: taken over, finished offline, or found to be another
// instance's. Otherwise it stays, and any instance reaps it again after
// reapRetry.
func (a *App) takeOver(ctx context.Context, dead state.Instance) {
	log := a.log.With(zap.String("dead_instance", dead.ID), zap.String("dead_app", dead.App))
	tctx, cancel := context.WithTimeout(ctx, reapLock)
	defer cancel()
	log.Warn("instance lease expired; taking its calls over")
	if unresolved := a.takeCalls(tctx, ctx, log, dead); unresolved > 0 {
		log.Warn("takeover: not every call of the dead instance is resolved; it is kept for another pass",
			zap.Int("unresolved", unresolved), zap.Duration("retry_in", reapRetry))
		a.retryReap(ctx, log, dead)
		return
	}
	if _, err := a.store.Forget(tctx, dead.ID); err != nil {
		log.Warn("takeover: forget the dead instance", zap.Error(err))
	}
}

// takeCalls takes the calls of instance dead: those listed as its own
// and those its ARI application still holds on any Asterisk. It returns
// how many are unresolved (a failure to list them counts as one). tctx
// bounds the pass; moves started run under ctx.
func (a *App) takeCalls(tctx, ctx context.Context, log *zap.Logger, dead state.Instance) int {
	ids := map[string]bool{}
	unresolved := 0
	owned, err := a.store.Owned(tctx, dead.ID)
	if err != nil {
		log.Warn("takeover: calls of the dead instance", zap.Error(err))
		return 1
	}
	for _, id := range owned {
		ids[id] = true
	}
	if dead.App != "" {
		// Every Asterisk served lists the channels still in the dead app.
		// The calls of one that cannot be asked may be missing from the
		// list the dead instance kept (a call in its first moments): the
		// instance is kept for another pass.
		for _, n := range a.nodes {
			app, err := n.client.Application(tctx, dead.App)
			switch {
			case err == nil:
				for _, id := range app.ChannelIDs {
					ids[id] = true
				}
			case !ari.IsGone(err):
				log.Warn("takeover: channels of the dead app", zap.String("asterisk", n.name), zap.Error(err))
				unresolved++
			}
		}
	}
	log.Info("takeover: calls found", zap.Int("calls", len(ids)))
	for id := range ids {
		if !a.takeOverCall(tctx, ctx, log, dead, id) {
			unresolved++
		}
	}
	return unresolved
}

// takeOverEarlierRun takes the calls that an earlier run of this instance
// left: a process restarted with the same instance.id (as systemd or
// compose restart one) before its lease ran out renews that lease, so no
// other instance ever reaps the calls of the run that died, and their
// channels sit in this instance's own app with nobody serving them. They
// are listed as this instance's and held by its app: this instance takes
// them over itself, claiming each session from its earlier run (a claim
// that an instance which reaped the earlier run made first wins, and the
// call is left to it), once its lease is renewed and its event streams
// are connected, so that the resumed calls' events come here. It passes
// again every reapRetry while a call is unresolved, until ctx ends.
func (a *App) takeOverEarlierRun(ctx context.Context) {
	log := a.log.With(zap.String("dead_instance", a.cfg.Instance.ID), zap.String("dead_app", a.cfg.appName()))
	wait, backoff := time.Now().Add(earlierRunWait), 50*time.Millisecond
	for !a.lease.Held() || !a.streamsConnected() {
		if time.Now().After(wait) {
			log.Warn("takeover of the earlier run: lease or event streams not ready; going on anyway")
			break
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, time.Second)
	}
	earlier := state.Instance{ID: a.cfg.Instance.ID, App: a.cfg.appName()}
	for {
		tctx, cancel := context.WithTimeout(ctx, reapLock)
		unresolved := a.takeCalls(tctx, ctx, log, earlier)
		cancel()
		if unresolved == 0 || a.stopping.Load() {
			return
		}
		log.Warn("takeover of the earlier run: not every call is resolved; passing again",
			zap.Int("unresolved", unresolved), zap.Duration("retry_in", reapRetry))
		if !sleep(ctx, reapRetry) {
			return
		}
	}
}

// streamsConnected reports whether every Asterisk's event stream is
// connected.
func (a *App) streamsConnected() bool {
	for _, n := range a.nodes {
		if n.stream == nil || !n.stream.Connected() {
			return false
		}
	}
	return true
}

// retryReap lets a pass reap dead again after reapRetry instead of reapLock.
func (a *App) retryReap(ctx context.Context, log *zap.Logger, dead state.Instance) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if _, err := a.store.RetryReap(rctx, dead.ID, a.cfg.Instance.ID, reapRetry); err != nil {
		log.Warn("takeover: let another pass come sooner", zap.Error(err))
	}
}

// takeOverCall takes one call of dead instance dead, locating its channel
// before it claims it: a call claimed but not found would be nobody's. It
// reports whether the call is resolved; one that is not stays the dead
// instance's for another pass. ctx bounds the takeover; a move started
// here runs under parent.
func (a *App) takeOverCall(ctx, parent context.Context, log *zap.Logger, dead state.Instance, id string) bool {
	log = log.With(zap.String("channel", id))
	if a.hasCall(id) || a.expected(id) {
		return true // this instance has it, or is moving it here
	}
	if a.stopping.Load() {
		return false
	}
	n, err := a.locateRetrying(ctx, id)
	gone := errors.Is(err, ari.ErrNotFound)
	if err != nil && !gone {
		log.Error("takeover: cannot tell which Asterisk holds the call; leaving it for another pass", zap.Error(err))
		return false
	}
	epoch, err := a.store.ClaimSession(ctx, id, a.cfg.Instance.ID, a.cfg.appName(), dead.ID)
	err = claimed(log, err)
	if errors.Is(err, state.ErrClaimedThisRun) {
		// Already this process's: a call it serves (arrived meanwhile),
		// or one an earlier pass claimed without getting the reply,
		// which goes on at the session's epoch.
		if a.hasCall(id) || a.expected(id) {
			return true
		}
		err = nil
	}
	switch {
	case errors.Is(err, state.ErrSessionNotFound):
		if gone || dead.App == a.cfg.appName() {
			// Nothing left of it; or, in this instance's own app, a call
			// whose StasisStart it has not handled yet.
			return true
		}
		// The call died with its instance before its first step: nothing
		// to resume, and nobody serves that app any more.
		log.Warn("takeover: call without a session; hanging up")
		return a.hangUpOn(ctx, log, n, id)
	case errors.Is(err, state.ErrStaleEpoch):
		log.Info("takeover: call taken by another instance", zap.Error(err))
		return true
	case errors.Is(err, state.ErrCorruptSession):
		log.Error("takeover: session unusable; hanging up", zap.Error(err))
		return gone || a.hangUpOn(ctx, log, n, id)
	case err != nil:
		log.Warn("takeover: claim the session; leaving it for another pass", zap.Error(err))
		return false
	}
	a.ops.metrics.claim(true)
	// Listed as this instance's, so that whoever reaps this instance finds
	// the call should it die before the call arrives.
	if err := a.store.Own(ctx, a.cfg.Instance.ID, id, true); err != nil {
		log.Warn("takeover: record owned call", zap.Error(err))
	}
	if gone {
		log.Info("takeover: channel gone; finishing the call offline")
		a.finishOffline(ctx, id, epoch)
		return true
	}
	st, err := a.loadState(ctx, id)
	if err != nil {
		log.Error("takeover: session unusable; hanging up", zap.Error(err))
		if !a.hangUpOn(ctx, log, n, id) {
			return true // ours now, and listed as ours
		}
		if err := a.store.Own(ctx, a.cfg.Instance.ID, id, false); err != nil {
			log.Warn("forget owned call", zap.Error(err))
		}
		return true
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
		a.adoptInPlace(ctx, n, id, epoch)
		return true
	}
	a.reapers.Add(1)
	go func() {
		defer a.reapers.Done()
		a.moveHere(parent, log, n, id, epoch)
	}()
	return true
}

// hangUpOn hangs channel id up on node n; it reports whether the channel is
// gone.
func (a *App) hangUpOn(ctx context.Context, log *zap.Logger, n *node, id string) bool {
	if err := n.client.Hangup(ctx, id, "normal"); err != nil && !ari.IsGone(err) {
		log.Warn("takeover: hangup", zap.String("asterisk", n.name), zap.Error(err))
		return false
	}
	return true
}

// moveHere moves channel id into this instance's app to be resumed, and
// finishes the call offline if its channel leaves before it arrives. A move
// waits in Asterisk behind a recording, so this may take as long as a
// message. A move that Asterisk refused or never got is sent again; one
// whose outcome is unknown is watched, not sent twice (a second move
// queued behind the first would move the call again once it arrived). A
// call that arrives is known by its StasisStart (arrived), not by its
// being among the calls: it may arrive and end between two looks. It
// returns when ctx ends or this instance stops; the call then stays among
// this instance's, for whoever reaps it.
func (a *App) moveHere(ctx context.Context, log *zap.Logger, n *node, id string, epoch int64) {
	arrived := a.expectArrival(id)
	defer a.forgetArrival(id)
	deadline := time.Now().Add(a.cfg.Voicemail.MaxMessage + time.Minute)
	move, backoff := true, 250*time.Millisecond
	var moveAt time.Time
	for {
		if move && !time.Now().Before(moveAt) {
			err := n.client.Move(ctx, id, a.cfg.appName(), []string{resumeArg})
			switch {
			case err == nil:
				move = false
			case ari.IsGone(err):
				// The channel left Stasis (hung up, or back in the dialplan).
				move = false
				if !isClosed(arrived) {
					log.Info("takeover: channel gone; finishing the call offline")
					a.finishOffline(ctx, id, epoch)
				}
				return
			case !ari.MayHaveActed(err):
				// Asterisk never got it, or refused it: nothing is queued.
				log.Warn("takeover: move failed; sending it again", zap.Duration("in", backoff), zap.Error(err))
				moveAt = time.Now().Add(backoff)
				backoff = min(2*backoff, 5*time.Second)
			default:
				// Sent, and no answer: it may be queued behind a recording.
				log.Info("takeover: move pending", zap.Error(err))
				move = false
			}
		}
		select {
		case <-arrived:
			return
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
		if a.stopping.Load() {
			log.Warn("takeover: stopping before the call arrived; it stays among this instance's calls")
			return
		}
		_, err := n.client.GetChannel(ctx, id)
		if ari.IsGone(err) {
			if !isClosed(arrived) {
				log.Info("takeover: channel gone; finishing the call offline")
				a.finishOffline(ctx, id, epoch)
			}
			return
		}
		if time.Now().After(deadline) {
			// Not silently dropped: hung up, and what was recorded saved.
			log.Error("takeover: call never arrived; hanging it up")
			if a.hangUpOn(ctx, log, n, id) {
				if !isClosed(arrived) {
					a.finishOffline(ctx, id, epoch)
				}
				return
			}
			deadline = time.Now().Add(time.Minute)
		}
	}
}

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
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

// expected reports whether call id is being moved here (moveHere).
func (a *App) expected(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.arrivals[id]
	return ok
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
	return call.SessionState(id, sess)
}

// adopt resumes call id here, from its session. epoch is the epoch this
// instance claimed, 0 if it has not claimed the session yet (a call handed
// over at another instance's shutdown).
func (a *App) adopt(ctx context.Context, n *node, id string, epoch int64) {
	a.resume(ctx, n, id, epoch, false)
}

// adoptInPlace resumes call id, which is in this instance's own app
// already (an earlier run of this instance, or of another one with the
// same app, left it), from the session that epoch claimed. Unlike a call
// moved here, whose Move waited for its recording to end, such a call may
// still be recording: it then waits for the recording's end, which comes
// to this app, instead of measuring the recording half-way.
func (a *App) adoptInPlace(ctx context.Context, n *node, id string, epoch int64) {
	a.resume(ctx, n, id, epoch, true)
}

// resume is adopt, and adoptInPlace when inPlace.
func (a *App) resume(ctx context.Context, n *node, id string, epoch int64, inPlace bool) {
	a.arrive(id)
	var c *liveCall
	var q *queuedStart
	if inPlace {
		c = a.register(n, id) // nil: held here already
	} else {
		// Moved here (a StasisStart): a call still held for the channel is
		// over in Asterisk's eyes, as for a new call (registerOrQueue).
		c, q = a.registerOrQueue(n, id, func() { a.resume(ctx, n, id, epoch, inPlace) })
	}
	if c == nil {
		return
	}
	defer a.flushQueued(c, q)
	c.Log().Info("resuming call taken over from another instance")
	a.launch(ctx, c, func(ctx context.Context) {
		if epoch == 0 {
			e, err := a.store.ClaimSession(ctx, id, a.cfg.Instance.ID, a.cfg.appName(), "")
			if err = claimed(c.Log(), err); err != nil {
				c.Log().Error("resume: claim session; hanging up", zap.Error(err))
				c.Abandon(ctx)
				return
			}
			epoch = e
		}
		st, err := a.loadState(ctx, id)
		if err != nil {
			c.Log().Error("resume: session unusable; hanging up", zap.Error(err))
			c.Abandon(ctx)
			return
		}
		c.Restore(epoch, st)
		if err := n.deps.Sessions.Own(ctx, n.deps.Instance, id, true); err != nil {
			c.Log().Warn("record owned call", zap.Error(err))
		}
		a.ops.metrics.takeover()
		if inPlace && c.AwaitRecording(ctx) {
			// Asterisk records on: its RecordingFinished comes to this
			// app, and the call goes on from there.
			return
		}
		c.Step(ctx, menus.Event{Kind: menus.EvResume})
	})
}

// finishOffline finishes a taken-over call whose channel is gone: what the
// engine does at a hang-up (save a recorded message, close a folder) is
// done here, through any connected Asterisk (recordings are shared), and
// so is a save of a message that the dead instance had under way.
func (a *App) finishOffline(ctx context.Context, id string, epoch int64) {
	c := a.register(a.anyNode(), id)
	if c == nil {
		return
	}
	a.launch(ctx, c, func(ctx context.Context) {
		st, err := a.loadState(ctx, id)
		if err != nil {
			c.Log().Error("finish offline: session unusable", zap.Error(err))
			c.Finish()
			return
		}
		a.ops.metrics.takeover()
		c.FinishOffline(ctx, epoch, st)
	})
}

// handoverOutcome sorts the calls that handOver did not hand over.
type handoverOutcome struct {
	// end are the calls to end here (hang up, then finish): there is no
	// live instance to take them, their channel is gone, or a Move of
	// theirs was sent but not confirmed. Hanging up cancels such a Move.
	end []*liveCall
	// leave are the calls to leave, untouched, to whoever reaps this
	// instance: no Move of theirs can be pending in Asterisk (it was not
	// sent, or refused, or not tried: a call being recorded would move
	// only once the recording ends, so its reaper moves it then).
	leave []*liveCall
}

// handOver gives this instance's calls to live instances at shutdown, so
// that callers go on instead of being hung up. A call counts as handed over
// only once the receiver has claimed it (its epoch bumped, seen in Redis).
// It returns the calls it did not hand over.
func (a *App) handOver(ctx context.Context, calls []*liveCall) handoverOutcome {
	instances, err := a.store.Instances(ctx)
	if err != nil {
		a.log.Warn("handover: list instances", zap.Error(err))
		return handoverOutcome{end: calls}
	}
	var live []state.Instance
	for _, in := range instances {
		if in.ID != a.cfg.Instance.ID && in.App != "" && !in.Expired() {
			live = append(live, in)
		}
	}
	if len(live) == 0 {
		return handoverOutcome{end: calls}
	}
	type result struct {
		c *liveCall
		h call.Handover
	}
	results := make(chan result, len(calls))
	for i, c := range calls {
		to := live[i%len(live)]
		c.Do(func(cctx context.Context) {
			// Bounded by both the call's context and the handover's.
			hctx, cancel := context.WithCancel(cctx)
			defer cancel()
			defer context.AfterFunc(ctx, cancel)()
			results <- result{c, c.HandOver(hctx, to, a.store)}
		})
	}
	var out handoverOutcome
	answered := make(map[*liveCall]bool, len(calls))
	// Once ctx ends, each handover under way returns at once (all it
	// does is bounded by ctx): wait a moment for its answer.
	done, grace := ctx.Done(), (<-chan time.Time)(nil)
collect:
	for len(answered) < len(calls) {
		select {
		case r := <-results:
			answered[r.c] = true
			switch r.h {
			case call.HandoverEnd:
				out.end = append(out.end, r.c)
			case call.HandoverLeave:
				out.leave = append(out.leave, r.c)
			}
		case <-done:
			done, grace = nil, time.After(handoverGrace)
		case <-grace:
			break collect
		}
	}
	// A call still busy with something else has not started its handover:
	// it sent no Move, and will send none (shutdown stops it first).
	for _, c := range calls {
		if !answered[c] {
			out.leave = append(out.leave, c)
		}
	}
	return out
}

// handoverGrace is how long handOver waits for the answers of handovers
// under way once its context ended.
const handoverGrace = time.Second

// claimed turns a claim that the master applied but too few replicas
// confirmed (state.ErrNotReplicated) into a claim made: the epoch it
// returned is the master's. Giving the call up instead would strand the
// caller for certain, while acting on it risks only the case of a failover
// that loses the claim while the old owner is alive, and that owner then
// fences itself on its own lapsed lease (call/fence.go).
func claimed(log *zap.Logger, err error) error {
	if errors.Is(err, state.ErrNotReplicated) {
		log.Warn("session claim not confirmed by enough replicas; going on with it", zap.Error(err))
		return nil
	}
	return err
}
