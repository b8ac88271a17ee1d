// Package app wires the voicemail command: configuration, logs, the ARI
// client and its event stream, Redis, leases and takeovers, metrics, and
// the calls, one goroutine each, that package call carries out.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/email"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// App is one voicemail instance.
type App struct {
	cfg   Config
	log   *zap.Logger
	rdb   redis.UniversalClient
	store *state.Store
	mwi   *mwiPublisher
	// nodes are the Asterisk servers served (nodes.go); one unless ari.urls
	// lists several. Each call is on one of them.
	nodes []*node
	// namesMu guards the nodes' system names (checkSystemName).
	namesMu sync.Mutex

	mu    sync.Mutex
	calls map[string]*liveCall
	// arrivals are the calls being moved here by a takeover, until their
	// StasisStart comes (takeover.go).
	arrivals map[string]chan struct{}
	// queued are the channels that entered the app again while their
	// earlier call here was still finishing (registerOrQueue), with the
	// events that came for them since.
	queued map[string]*queuedStart
	wg     sync.WaitGroup
	// reapers are the takeovers of dead instances and the moves they
	// started (takeover.go); Run waits for them once the lease is let go.
	reapers sync.WaitGroup
	// stopping is set when shutdown begins: no more takeovers.
	stopping atomic.Bool
	// lease says whether this instance's lease is good: renewed by
	// keepLease, read by every call before it acts (call/fence.go).
	lease *leaseClock

	// ops holds the metrics and serves /healthz, /readyz, /metrics (ops.go).
	ops *opsServer
	// janitor deletes orphan audio (janitor.go); nil when turned off.
	janitor *janitor
	// mailer sends the email of new messages (mail.go, package email);
	// nil when mail.enabled is off.
	mailer *email.Mailer
	// admin is the admin HTTP API (admin_api.go); nil when turned off.
	admin *adminAPI
	// web is the visual voicemail pages (web_wiring.go); nil when off.
	web *webUI
}

// liveCall is a call this instance holds, with the node its channel is on.
type liveCall struct {
	*call.Call
	node *node
	// cancel ends the call's goroutine (set by launch).
	cancel context.CancelFunc
}

// redisReadTimeout is go-redis' default read timeout, which newRedis
// lengthens by redis.replica_wait when writes wait for replicas.
const redisReadTimeout = 3 * time.Second

// newRedis returns the Redis client that cfg describes: one server, a
// failover client that asks the Sentinels for the master (MasterName set:
// go-redis' NewFailoverClient), or a Cluster client; tlsCfg nil means no
// TLS.
func newRedis(cfg RedisConfig, tlsCfg *tls.Config) redis.UniversalClient {
	readTimeout := redisReadTimeout
	if cfg.MinReplicas > 0 {
		// A write's WAIT reply comes in the same round trip as the write
		// (state.Config.ReplicaWait).
		readTimeout += cfg.ReplicaWait
	}
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:            cfg.Addrs,
		MasterName:       cfg.MasterName,
		Username:         cfg.Username,
		Password:         cfg.Password,
		SentinelPassword: cfg.SentinelPassword,
		DB:               cfg.DB,
		TLSConfig:        tlsCfg,
		ReadTimeout:      readTimeout,
	})
}

// newStore returns the state store that cfg describes, on rdb.
func newStore(cfg Config, rdb redis.UniversalClient, log *zap.Logger) (*state.Store, error) {
	return state.New(cfg.stateConfig(), rdb, state.WithLogger(log.Named("state")))
}

// New builds an instance from cfg. It does no I/O: Run connects.
func New(cfg Config, log *zap.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("instance", cfg.Instance.ID))
	nodes, err := newNodes(cfg, log)
	if err != nil {
		return nil, err
	}
	redisTLS, err := cfg.redisTLS()
	if err != nil {
		return nil, err
	}
	rdb := newRedis(cfg.Redis, redisTLS)
	store, err := newStore(cfg, rdb, log)
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("app: state: %w", err)
	}
	loc, err := loadLocation(cfg.Voicemail.Timezone)
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("%w: voicemail.timezone: %v", ErrInvalidConfig, err)
	}
	engine, err := menus.New(cfg.menusConfig(loc))
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("app: menus: %w", err)
	}
	a := &App{
		cfg:      cfg,
		log:      log,
		rdb:      rdb,
		store:    store,
		calls:    make(map[string]*liveCall),
		arrivals: make(map[string]chan struct{}),
		queued:   make(map[string]*queuedStart),
		nodes:    nodes,
		lease:    newLeaseClock(cfg.Instance.Lease),
		mwi:      newMWIPublisher(store, everyNode(nodes), cfg.Voicemail.MWIContext, log.Named("mwi")),
	}
	shared := call.Deps{
		Engine:    engine,
		Auth:      store,
		Sessions:  store,
		Messages:  store,
		Reader:    store,
		Owner:     store,
		Lookup:    store,
		Directory: store,
		MWI:       a.mwi,
		Config:    cfg.callConfig(),
		Instance:  cfg.Instance.ID,
		App:       cfg.appName(),
		Lease:     a.lease,
		Waits:     cfg.waits,
	}
	a.ops = newOpsServer(cfg.Ops, rdb, a.liveCalls, log.Named("ops"))
	for _, n := range nodes {
		n.bind(shared)
		a.ops.metrics.instrument(n.deps)
	}
	a.ops.metrics.instrumentMWI(a.mwi)
	a.janitor = newJanitor(cfg, store, nodes, a.ops.metrics.reg, log)
	if a.admin, err = newAdminAPI(cfg, store, nodes, a.mwi, log); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("app: admin API: %w", err)
	}
	if a.web, err = newWebUI(cfg, store, rdb, nodes, a.mwi, log); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("app: web pages: %w", err)
	}
	if a.mailer, err = newMailer(cfg, store, nodes, a.mwi.Changed, a.ops.metrics.reg, log); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return a, nil
}

// Run serves calls until ctx is cancelled, then ends the calls it holds and
// returns. It waits for Redis and Asterisk with backoff rather than failing,
// so the instance can start before them.
func (a *App) Run(ctx context.Context) error {
	defer a.rdb.Close()
	stopOps := a.ops.start(ctx)
	defer stopOps()
	if err := a.provision(ctx); err != nil {
		return err
	}
	stopAdmin := a.admin.start(ctx)
	defer stopAdmin()
	stopWeb := a.web.start(ctx)
	defer stopWeb()
	waitIndex := a.watchMailboxes(ctx)
	defer waitIndex()
	for _, n := range a.nodes {
		stream, err := n.client.Stream(ari.StreamConfig{Apps: []string{a.cfg.appName()}, AllowedEvents: handledEvents},
			ari.WithOnConnect(func(ctx context.Context, reconnect bool) { a.onConnect(ctx, n, reconnect) }))
		if err != nil {
			return fmt.Errorf("app: event stream of %s: %w", n.name, err)
		}
		n.stream = stream
	}
	a.ops.watch(a.cfg.appName(), a.nodes...)
	// One goroutine per Asterisk reads its events; each returns when ctx
	// ends. The first stream error (there is none but ctx's in practice:
	// streams reconnect) is Run's.
	var readers sync.WaitGroup
	streamErrs := make(chan error, len(a.nodes))
	for _, n := range a.nodes {
		readers.Add(1)
		go func() {
			defer readers.Done()
			done := make(chan error, 1)
			go func() { done <- n.stream.Run(ctx) }()
			for ev := range n.stream.Events() {
				a.dispatch(ctx, n, ev)
			}
			streamErrs <- <-done
		}()
	}
	// One REST connection to each Asterisk stays open between keys, so a
	// lone caller's prompt does not wait for a new HTTP session (ari
	// KeepWarm).
	warmCtx, stopWarm := context.WithCancel(ctx)
	var warm sync.WaitGroup
	defer func() { stopWarm(); warm.Wait() }()
	for _, n := range a.nodes {
		warm.Go(func() { n.client.KeepWarm(warmCtx, ari.KeepWarmEvery) })
	}
	mwiDone := make(chan struct{})
	go func() { defer close(mwiDone); a.mwi.Run(ctx) }()
	defer func() { <-mwiDone }()
	if a.mailer != nil {
		mailerDone := make(chan struct{})
		go func() { defer close(mailerDone); a.mailer.Run(ctx) }()
		defer func() { <-mailerDone }()
	}
	if a.janitor != nil {
		janitorDone := make(chan struct{})
		go func() { defer close(janitorDone); a.janitor.Run(ctx) }()
		defer func() { <-janitorDone }()
	}
	// The lease outlives ctx until the calls are handed over or ended, so
	// that nobody reaps this instance while it is still handing over.
	leaseCtx, stopLease := context.WithCancel(context.WithoutCancel(ctx))
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); a.keepLease(leaseCtx) }()
	// Calls an earlier run of this instance left in its app (takeover.go).
	a.reapers.Add(1)
	go func() { defer a.reapers.Done(); a.takeOverEarlierRun(ctx) }()

	a.log.Info("voicemail running", zap.String("app", a.cfg.appName()), zap.Bool("broadcast", a.cfg.ARI.Broadcast), zap.Strings("ari", a.cfg.ariURLs()))
	readers.Wait()
	close(streamErrs)
	var err error
	for e := range streamErrs {
		if err == nil && e != nil {
			err = e
		}
	}
	left := a.shutdown()
	stopLease()
	<-leaseDone
	a.reapers.Wait()
	// A takeover under way at the stop may have started calls since
	// shutdown looked: they are left too, listed as this instance's.
	a.mu.Lock()
	for _, c := range a.calls {
		if c.cancel != nil {
			c.cancel()
		}
		left++
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.leave(left)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("app: event stream: %w", err)
	}
	return nil
}

// provision loads the configured mailboxes into Redis, retrying while Redis
// is not up yet.
func (a *App) provision(ctx context.Context) error {
	boxes := make([]state.MailboxConfig, 0, len(a.cfg.Mailboxes))
	listed := make(map[state.MailboxID]bool, len(a.cfg.Mailboxes))
	for _, m := range a.cfg.Mailboxes {
		id, err := state.ParseMailbox(m.Mailbox)
		if err != nil {
			return fmt.Errorf("%w: mailbox %q: %v", ErrInvalidConfig, m.Mailbox, err)
		}
		lang := m.Language
		if lang == "" {
			lang = "en"
		}
		listed[id] = true
		boxes = append(boxes, state.MailboxConfig{ID: id, Name: m.Name, PIN: m.PIN, Email: m.Email, Language: lang, Options: m.options(), Hidden: m.Hidden,
			Notify: state.NotifySettings{Pager: m.Pager, Attach: m.Attach, DeleteAfterEmail: m.DeleteAfterEmail, Timezone: m.Timezone}})
	}
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		report, err := a.store.Provision(ctx, boxes)
		if err == nil {
			a.log.Info("mailboxes provisioned", zap.Int("created", report.Created),
				zap.Int("updated", report.Updated), zap.Int("unchanged", report.Unchanged),
				zap.Int("skipped", report.Skipped), zap.Duration("took", time.Since(start)))
			if err := a.pruneUnlisted(ctx, listed); err != nil {
				// The mailboxes left are pruned at the next start.
				a.log.Error("pruning unlisted mailboxes", zap.Error(err))
			}
			return nil
		}
		if errors.Is(err, state.ErrInvalidPIN) || errors.Is(err, state.ErrInvalidMailbox) {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
		a.log.Warn("provisioning mailboxes, will retry", zap.Error(err), zap.Duration("backoff", backoff))
		a.ops.metrics.failed(opRedisProvis)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// dispatch routes one ARI event of node n to its call. Each node's events
// are dispatched on a goroutine of their own.
func (a *App) dispatch(ctx context.Context, n *node, ev ari.Event) {
	switch e := ev.(type) {
	case *ari.StasisStart:
		a.start(ctx, n, e)
	case *ari.CallBroadcast:
		a.claim(ctx, n, e)
	case *ari.ChannelDtmfReceived:
		if len(e.Digit) != 1 {
			a.log.Warn("ignoring malformed DTMF", zap.String("channel", e.Channel.ID), zap.String("digit", e.Digit))
			return
		}
		a.route(e.Channel.ID, menus.Digit(e.Digit[0]))
	case *ari.PlaybackFinished:
		a.route(ari.ChannelID(e), menus.PromptDone(e.Playback.ID))
	case *ari.RecordingFinished:
		a.route(ari.ChannelID(e), menus.Event{Kind: menus.EvRecorded,
			Recorded: &menus.Recorded{Name: e.Recording.Name, Duration: e.Recording.Duration}})
	case *ari.RecordingFailed:
		a.log.Warn("recording failed", zap.String("recording", e.Recording.Name), zap.String("cause", e.Recording.Cause))
		a.ops.metrics.failed(opARIRecFailed)
		a.route(ari.ChannelID(e), menus.Event{Kind: menus.EvRecorded,
			Recorded: &menus.Recorded{Name: e.Recording.Name, Failed: true}})
	case *ari.ChannelHangupRequest:
		a.route(e.Channel.ID, menus.Event{Kind: menus.EvHangupRequest})
	case *ari.ApplicationReplaced:
		// Another connection took this app name: this instance gets no
		// more events (/readyz says so: ari.Stream.Replaced). Each
		// instance needs an app name of its own.
		n.log.Error("another instance connected with the same ari.app and took over its calls; give each instance its own app name; /readyz reports not ready",
			zap.String("app", a.cfg.ARI.App))
	case *ari.StasisEnd:
		a.route(e.Channel.ID, menus.Event{Kind: menus.EvHangup})
	}
}

func (a *App) route(channelID string, ev menus.Event) {
	a.mu.Lock()
	if q := a.queued[channelID]; q != nil {
		// The channel's new call has not started yet: its events wait
		// for it, not for the earlier call that is finishing.
		q.add(ev)
		a.mu.Unlock()
		return
	}
	c := a.calls[channelID]
	a.mu.Unlock()
	if c != nil {
		c.Push(ev)
	}
}

// queuedStart is a call whose channel entered the app while the channel's
// earlier call here was still finishing: it starts once that call is over
// (registerOrQueue).
type queuedStart struct {
	start func()
	// early are the events that came for the channel meanwhile, in order.
	early []menus.Event
}

// maxEarlyEvents bounds the events kept for a queued call; more keys than
// this in the few milliseconds a call takes to finish are dropped (a
// hang-up never is).
const maxEarlyEvents = 64

func (q *queuedStart) add(ev menus.Event) {
	if len(q.early) >= maxEarlyEvents && ev.Kind != menus.EvHangup && ev.Kind != menus.EvHangupRequest {
		return
	}
	q.early = append(q.early, ev)
}

// start takes a new call: checks the Stasis arguments and starts the
// call's goroutine, which answers and looks up what it needs. Nothing here
// waits on Redis or ARI: the dispatcher must never block, or Asterisk drops
// the event stream of every call.
func (a *App) start(ctx context.Context, n *node, e *ari.StasisStart) {
	ch := e.Channel
	log := n.log.With(zap.String("channel", ch.ID))
	if len(e.Args) == 1 && e.Args[0] == resumeArg {
		// Moved here by an instance that took it over or handed it on.
		a.adopt(ctx, n, ch.ID, 0)
		return
	}
	if n.unsafe.Load() {
		log.Warn("refusing call: this Asterisk's system name is not unique among ari.urls")
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			call.LeaveChannel(context.WithoutCancel(ctx), n.client, ch.ID, "FAILED", n.log)
		}()
		return
	}
	req, err := ParseArgs(e.Args)
	if err != nil && len(e.Args) > 0 && strings.EqualFold(strings.TrimSpace(e.Args[0]), "main") {
		// *97 from a phone whose caller ID is no mailbox number: ask for
		// the mailbox, as *98 does, rather than drop the caller.
		log.Warn("mailbox argument unusable; asking the caller for it", zap.Strings("args", e.Args), zap.Error(err))
		req, err = call.Request{Mode: "main"}, nil
	}
	if err != nil {
		log.Warn("refusing call: bad stasis arguments", zap.Strings("args", e.Args), zap.Error(err))
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			call.LeaveChannel(context.WithoutCancel(ctx), n.client, ch.ID, "FAILED", n.log)
		}()
		return
	}
	if req.Mode == "info" {
		// Nothing to answer, play or resume: read, set, continue.
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.info(context.WithoutCancel(ctx), n, ch.ID, req.Mailbox, log)
		}()
		return
	}
	a.begin(ctx, n, e, req, log)
}

// begin starts the call of StasisStart e, whose arguments req are valid.
// A channel whose earlier call here is still finishing is queued, to
// begin once that call is over, with the events that came for it
// meanwhile (registerOrQueue).
func (a *App) begin(ctx context.Context, n *node, e *ari.StasisStart, req call.Request, log *zap.Logger) {
	ch := e.Channel
	c, q := a.registerOrQueue(n, ch.ID, func() { a.begin(ctx, n, e, req, log) })
	if c == nil {
		log.Info("channel back in the app while its earlier call here finishes; its call starts after that one", zap.Strings("args", e.Args))
		return
	}
	defer a.flushQueued(c, q)
	log.Info("call started", zap.Strings("args", e.Args), zap.String("caller", ch.Caller.Number))
	// The calling number's failed logins count across mailboxes
	// (state.WithCaller).
	a.launch(state.WithCaller(ctx, ch.Caller.Number), c, func(ctx context.Context) {
		if !c.AwaitLease(ctx) {
			return
		}
		a.claimNew(ctx, c.Call)
		if err := n.deps.Sessions.Own(ctx, n.deps.Instance, ch.ID, true); err != nil {
			c.Log().Warn("record owned call", zap.Error(err))
		}
		if req.Mode == "deposit" {
			// app_voicemail answers only once it takes the message; an
			// unknown mailbox goes back unanswered.
			a.startDeposit(ctx, n, c.Call, req, ch)
			return
		}
		if err := n.client.Answer(ctx, ch.ID); err != nil && !ari.IsGone(err) {
			c.Log().Error("answer", zap.Error(err))
			a.ops.metrics.failed(opARIChannel)
		}
		start := &menus.Start{Mode: menus.ModeMain, Lang: validLang(ch.Language)}
		if req.Mode == "directory" {
			// app_directory answers too (unless its n option).
			start.Mode = menus.ModeDirectory
			start.Directory = &menus.Directory{Context: req.Context, By: req.DirBy, SayExten: req.SayExten}
		} else {
			start.Mailbox, start.Own = a.loginMailbox(ctx, c.Log(), req, ch.Caller.Number)
		}
		c.Step(ctx, menus.Event{Kind: menus.EvStart, Start: start})
	})
}

// loginMailbox says how a call to VoiceMailMain logs in, as app_voicemail
// does: to the mailbox the dialplan named, asking only its password; or,
// when it named none or one that does not exist (*97 from a phone whose
// number has no mailbox), asking for the mailbox (vm-login), an empty
// entry meaning own: the mailbox named, or the caller ID number in the
// default context. A mailbox that cannot be looked up (Redis down) is
// taken as named: its password check retries and fails like a wrong one.
func (a *App) loginMailbox(ctx context.Context, log *zap.Logger, req call.Request, callerNum string) (named, own state.MailboxID) {
	if !req.HasMailbox {
		own, _ = state.ParseMailbox(callerNum)
		if strings.Contains(callerNum, "@") {
			// Caller data names no context.
			own = state.MailboxID{}
		}
		return state.MailboxID{}, own
	}
	_, err := a.store.Mailbox(ctx, req.Mailbox)
	if isNotFound(err) {
		log.Info("no such mailbox; asking the caller for one", zap.Stringer("mailbox", req.Mailbox))
		return state.MailboxID{}, req.Mailbox
	}
	if err != nil {
		log.Warn("look up mailbox", zap.Stringer("mailbox", req.Mailbox), zap.Error(err))
	}
	return req.Mailbox, state.MailboxID{}
}

// claimNew makes call c's session this instance's, at a new epoch: a
// channel may enter Stasis again after an earlier call on it ended, whose
// session (state.EndSession) refuses every save at the epochs it knew. If
// Redis cannot be reached, the call keeps epoch 1, which is right for a
// channel's first call.
func (a *App) claimNew(ctx context.Context, c *call.Call) {
	epoch, err := a.store.ClaimSession(ctx, c.ID(), a.cfg.Instance.ID, a.cfg.appName(), "")
	if err = claimed(c.Log(), err); err != nil {
		c.Log().Warn("claim session", zap.Error(err))
		a.ops.metrics.failed(opRedisSession)
		return
	}
	c.SetEpoch(epoch)
}

// registerOrQueue is register for a call whose channel has just entered
// the app (a StasisStart). Asterisk starts a channel in an app only once
// it has left it, so a call this instance still holds for the channel is
// over in Asterisk's eyes: back in the dialplan, which sent the channel
// straight back (the directory's choice rings the extension, then takes a
// message), or its StasisEnd was lost with the event stream. That call is
// told the channel is gone, ahead of anything queued for it, and
// finishes; start, queued, runs once it has (launch). So the earlier
// call's end (call.end: its session's end, its place among this
// instance's calls, state.Own) never undoes what the new call set up.
// Returns a nil call when queued. A call registered in place of a queued
// one comes with it: its events are still queued, and flushQueued hands
// them over once the call is launched.
func (a *App) registerOrQueue(n *node, id string, start func()) (*liveCall, *queuedStart) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, dup := a.calls[id]; dup {
		old.ChannelLeft()
		// A later entry replaces an earlier one still queued: the channel
		// left that one too, and the events that came are the latest
		// entry's.
		a.queued[id] = &queuedStart{start: start}
		return nil, nil
	}
	c := &liveCall{Call: call.New(id, n.deps, n.log), node: n}
	a.calls[id] = c
	return c, a.queued[id]
}

// flushQueued hands call c, launched in place of q (registerOrQueue), the
// events that came for its channel while it waited, and from then on lets
// the channel's events reach it: under one lock, so that none is lost or
// overtakes them. Nothing to do when q is nil.
func (a *App) flushQueued(c *liveCall, q *queuedStart) {
	if q == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ev := range q.early {
		c.Push(ev)
	}
	if a.queued[c.ID()] == q {
		delete(a.queued, c.ID())
	}
}

// register makes a call for channel id on node n, or returns nil if it has
// one.
func (a *App) register(n *node, id string) *liveCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, dup := a.calls[id]; dup {
		return nil
	}
	c := &liveCall{Call: call.New(id, n.deps, n.log), node: n}
	a.calls[id] = c
	return c
}

// launch runs call c's goroutine, first doing first on it.
func (a *App) launch(ctx context.Context, c *liveCall, first func(context.Context)) {
	c.Do(first)
	// A call's goroutine outlives a shutdown of the app until it has
	// finished its work (shutdown ends it with a hangup, then cancels).
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		c.Run(cctx)
		a.mu.Lock()
		delete(a.calls, c.ID())
		// A call queued for the channel (registerOrQueue) takes its place;
		// its events keep queueing until it has.
		q := a.queued[c.ID()]
		stopping := a.stopping.Load()
		if q != nil && stopping {
			delete(a.queued, c.ID())
		}
		a.mu.Unlock()
		switch {
		case q == nil:
		case stopping:
			// No call starts once shutdown has begun (its event stream is
			// going): the channel goes back to the dialplan, as a call
			// this instance cannot take does.
			c.Log().Warn("channel back in the app while this instance stops; sending it back to the dialplan")
			lctx, lcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			call.LeaveChannel(lctx, c.node.client, c.ID(), "FAILED", c.node.log)
			lcancel()
		default:
			q.start()
		}
	}()
}

// startDeposit prepares a deposit on the call's goroutine, answers and
// starts it; an unknown mailbox or a lookup failure sends the call back to
// the dialplan, unanswered, with VOICEMAIL_STATUS=FAILED.
func (a *App) startDeposit(ctx context.Context, n *node, c *call.Call, req call.Request, ch ari.Channel) {
	view := &depositView{Store: a.store}
	d, lang, err := call.PrepareDeposit(ctx, view, a.cfg.callConfig(), view.reviewOr(a.cfg.Voicemail.Review), req, ch.Caller, time.Now())
	if err != nil {
		// app_voicemail: an unknown mailbox fails with VMSTATUS=FAILED.
		if isNotFound(err) {
			c.Log().Warn("deposit refused: unknown mailbox", zap.Stringer("mailbox", req.Mailbox))
		} else {
			c.Log().Error("deposit refused", zap.Stringer("mailbox", req.Mailbox), zap.Error(err))
			a.ops.metrics.failed(opRedisMailbox)
		}
		c.Leave(ctx, "FAILED")
		c.Finish()
		return
	}
	if err := n.client.Answer(ctx, ch.ID); err != nil && !ari.IsGone(err) {
		c.Log().Error("answer", zap.Error(err))
		a.ops.metrics.failed(opARIChannel)
	}
	c.Step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit,
		Lang: firstNonEmpty(validLang(lang), validLang(ch.Language)), Deposit: d}})
}

// isNotFound reports an unknown mailbox.
func isNotFound(err error) bool { return errors.Is(err, state.ErrMailboxNotFound) }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// onConnect reconciles the calls this instance holds on node n after its
// event stream reconnects: events missed while it was down are gone, so a
// call whose channel left meanwhile is ended, and a prompt that ended
// unseen is treated as ended.
func (a *App) onConnect(ctx context.Context, n *node, reconnect bool) {
	a.checkSystemName(ctx, n)
	if reconnect {
		a.reconcile(n)
	}
	// Asterisk keeps no message-waiting state across its restarts: publish
	// every mailbox's counts on this Asterisk whenever its stream
	// (re)connects: those configured and those the admin API created.
	a.mwi.PublishAll(ctx, a.allMailboxes(ctx), everyNode{n})
}

// reconcile has every call on node n check its channel, playback and
// recording with Asterisk (call.Reconcile), on the call's goroutine.
func (a *App) reconcile(n *node) {
	a.mu.Lock()
	calls := make([]*liveCall, 0, len(a.calls))
	for _, c := range a.calls {
		if c.node == n {
			calls = append(calls, c)
		}
	}
	a.mu.Unlock()
	n.log.Info("event stream reconnected, reconciling calls", zap.Int("calls", len(calls)))
	for _, c := range calls {
		c.Do(func(ctx context.Context) { c.Reconcile(ctx, n.deps.Checker) })
	}
}

// shutdown ends the calls still held without losing their work. With
// other instances live (ari.broadcast), it hands the calls over to them
// first (takeover.go). A call it ends here has its channel hung up, then
// is told so, which saves a message being recorded (its audio is kept by
// Asterisk when the channel hangs up) and applies what the owner did in
// the folder they were browsing. A call it can neither hand over nor end
// (the hangup failed; its Move was not sent or refused; it is being
// recorded) is left alone for whoever reaps this instance. Bounded by
// 10 s; calls still busy then are cancelled and left the same way. It
// returns the number of calls left.
func (a *App) shutdown() int {
	a.stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.mu.Lock()
	calls := make([]*liveCall, 0, len(a.calls))
	for id, c := range a.calls {
		if a.queued[id] != nil {
			// Its channel has left it and is back for a call queued
			// behind it (registerOrQueue): neither hung up nor handed
			// over with this call's state. This call finishes on its
			// own; the channel then goes back to the dialplan (launch).
			continue
		}
		calls = append(calls, c)
	}
	a.mu.Unlock()
	out := handoverOutcome{end: calls}
	if a.cfg.ARI.Broadcast {
		// Hand the calls to the other instances rather than hang up.
		hctx, hcancel := context.WithTimeout(ctx, 5*time.Second)
		out = a.handOver(hctx, calls)
		hcancel()
	}
	if !a.lease.Held() {
		// Another instance may have taken these calls over: leave their
		// channels alone, for the reaper (self-fencing, call/fence.go).
		a.log.Warn("lease not renewed for a whole lease: not hanging calls up at shutdown", zap.Int("calls", len(out.end)))
		out.leave = append(out.leave, out.end...)
		out.end = nil
	}
	for _, c := range out.end {
		if err := c.node.deps.Channel.Hangup(ctx, c.ID(), "normal"); err != nil && !ari.IsGone(err) {
			a.log.Warn("hangup at shutdown; leaving the call to another instance", zap.String("channel", c.ID()), zap.Error(err))
			out.leave = append(out.leave, c)
			continue
		}
		c.Push(menus.Event{Kind: menus.EvHangup})
	}
	behind := make(map[*liveCall]bool, len(out.leave))
	for _, c := range out.leave {
		// Nothing more is done for it here once its goroutine is through
		// with what it is doing: its session and its place among this
		// instance's calls stay as they are, for the reaper.
		behind[c] = true
		c.Drop()
	}
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		a.log.Warn("calls still running at shutdown; cancelling them")
		a.mu.Lock()
		for _, c := range a.calls {
			if c.cancel != nil {
				c.cancel()
			}
		}
		a.mu.Unlock()
		<-done
	}
	// The call goroutines are over (done): their state can be read.
	handed, ended, left := 0, 0, 0
	for _, c := range calls {
		switch {
		case c.Gone() && behind[c]:
			left++
		case c.Gone():
			handed++
		case c.Finished():
			ended++
		default:
			left++
		}
	}
	a.log.Info("voicemail stopped", zap.Int("calls_handed_over", handed), zap.Int("calls_ended", ended), zap.Int("calls_left", left))
	return left
}

// leave takes this instance out of the cluster at a stop. Only when it left
// no call behind (left, and none listed as its own in Redis) does it
// Leave; otherwise it Resigns: its lease ends now, and the next instance to
// look takes the calls still listed as its over.
func (a *App) leave(left int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	id := a.cfg.Instance.ID
	if left == 0 {
		owned, err := a.store.Owned(ctx, id)
		switch {
		case err != nil:
			a.log.Warn("leave the cluster: calls still listed", zap.Error(err))
		case len(owned) == 0:
			if err := a.store.Leave(ctx, id); err != nil {
				a.log.Warn("leave the cluster", zap.Error(err))
			}
			return
		default:
			left = len(owned)
		}
	}
	a.log.Warn("calls left to the other instances; ending this instance's lease", zap.Int("calls", left))
	if err := a.store.Resign(ctx, id); err != nil {
		a.log.Warn("end the lease", zap.Error(err))
	}
}

// validLang keeps a language code that is safe to hand to ARI and store
// ("en", "fr_CA"); anything else becomes "" (the default).
func validLang(l string) string {
	if l == "" || len(l) > 16 {
		return ""
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return ""
		}
	}
	return l
}

// claim answers a StasisBroadcast offer: the first instance to claim the
// channel gets its StasisStart, the others get 409 (res_stasis_broadcast).
// It runs off the dispatcher, which must not wait on ARI.
func (a *App) claim(ctx context.Context, n *node, e *ari.CallBroadcast) {
	if !a.cfg.ARI.Broadcast {
		return
	}
	id := e.Channel.ID
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		err := n.client.Claim(ctx, id, a.cfg.appName())
		switch {
		case err == nil:
			a.ops.metrics.claim(true)
			a.log.Debug("call claimed", zap.String("channel", id))
		case errors.Is(err, ari.ErrConflict), errors.Is(err, ari.ErrNotFound):
			a.ops.metrics.claim(false)
			a.log.Debug("call claimed by another instance", zap.String("channel", id))
		default:
			a.log.Warn("claim", zap.String("channel", id), zap.Error(err))
		}
	}()
}
