// Package app wires the voicemail command: configuration, logs, the ARI
// client and its event stream, Redis, and one goroutine per call that walks
// the menu engine.
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
	// review says whether a mailbox offers the review menu.
	review map[state.MailboxID]bool

	mu    sync.Mutex
	calls map[string]*call
	// arrivals are the calls being moved here by a takeover, until their
	// StasisStart comes (takeover.go).
	arrivals map[string]chan struct{}
	wg       sync.WaitGroup
	// stopping is set when shutdown begins: no more takeovers.
	stopping atomic.Bool

	// ops holds the metrics and serves /healthz, /readyz, /metrics (ops.go).
	ops *opsServer
}

// newRedis returns the Redis client that cfg describes: one server,
// Sentinel or Cluster; tlsCfg nil means no TLS.
func newRedis(cfg RedisConfig, tlsCfg *tls.Config) redis.UniversalClient {
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:      cfg.Addrs,
		MasterName: cfg.MasterName,
		Username:   cfg.Username,
		Password:   cfg.Password,
		DB:         cfg.DB,
		TLSConfig:  tlsCfg,
	})
}

// newStore returns the state store that cfg describes, on rdb.
func newStore(cfg Config, rdb redis.UniversalClient, log *zap.Logger) (*state.Store, error) {
	return state.New(state.Config{
		DefaultPIN:      cfg.Voicemail.DefaultPIN,
		PINHashCost:     cfg.Voicemail.PINHashCost,
		MaxFailures:     cfg.Voicemail.LockoutFailures,
		FailureWindow:   cfg.Voicemail.LockoutWindow,
		LockoutDuration: cfg.Voicemail.LockoutDuration,
		LockoutMax:      cfg.Voicemail.LockoutMax,
		SessionTTL:      cfg.Voicemail.SessionTTL,
		MaxMessages:     cfg.Voicemail.MaxMessages,
	}, rdb, state.WithLogger(log.Named("state")))
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
	engine, err := menus.New(menus.Config{
		MaxLogins:          cfg.Voicemail.MaxLogins,
		MaxRepeats:         cfg.Voicemail.MaxRepeats,
		MenuTimeout:        cfg.Voicemail.MenuTimeout,
		LoginFirstDigit:    cfg.Voicemail.LoginFirstDigit,
		LoginInterDigit:    cfg.Voicemail.LoginInterDigit,
		Location:           loc,
		DefaultPIN:         cfg.Voicemail.DefaultPIN,
		MinPasswordLength:  cfg.Voicemail.MinPassword,
		MaxGreetingSeconds: int(cfg.Voicemail.MaxGreeting / time.Second),
	})
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("app: menus: %w", err)
	}
	review := make(map[state.MailboxID]bool, len(cfg.Mailboxes))
	for _, m := range cfg.Mailboxes {
		if id, err := state.ParseMailbox(m.Mailbox); err == nil && m.Review != nil {
			review[id] = *m.Review
		}
	}
	a := &App{
		cfg:      cfg,
		log:      log,
		rdb:      rdb,
		store:    store,
		calls:    make(map[string]*call),
		arrivals: make(map[string]chan struct{}),
		review:   review,
		nodes:    nodes,
		mwi:      newMWIPublisher(store, everyNode(nodes), cfg.Voicemail.MWIContext, log.Named("mwi")),
	}
	shared := callDeps{
		engine:   engine,
		auth:     store,
		sessions: store,
		messages: store,
		reader:   store,
		owner:    store,
		lookup:   store,
		mwi:      a.mwi,
		cfg:      cfg.Voicemail,
		instance: cfg.Instance.ID,
		app:      cfg.appName(),
	}
	a.ops = newOpsServer(cfg.Ops, rdb, a.liveCalls, log.Named("ops"))
	for _, n := range nodes {
		n.bind(shared)
		a.ops.metrics.instrument(n.deps)
	}
	a.ops.metrics.instrumentMWI(a.mwi)
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
	streams := make([]*ari.Stream, len(a.nodes))
	for i, n := range a.nodes {
		stream, err := n.client.Stream(ari.StreamConfig{Apps: []string{a.cfg.appName()}, AllowedEvents: handledEvents},
			ari.WithOnConnect(func(ctx context.Context, reconnect bool) { a.onConnect(ctx, n, reconnect) }))
		if err != nil {
			return fmt.Errorf("app: event stream of %s: %w", n.name, err)
		}
		n.stream, streams[i] = stream, stream
	}
	a.ops.watch(streams...)
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
	mwiDone := make(chan struct{})
	go func() { defer close(mwiDone); a.mwi.Run(ctx) }()
	defer func() { <-mwiDone }()
	// The lease outlives ctx until the calls are handed over or ended, so
	// that nobody reaps this instance while it is still handing over.
	leaseCtx, stopLease := context.WithCancel(context.WithoutCancel(ctx))
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); a.keepLease(leaseCtx) }()

	a.log.Info("voicemail running", zap.String("app", a.cfg.appName()), zap.Bool("broadcast", a.cfg.ARI.Broadcast), zap.Strings("ari", a.cfg.ariURLs()))
	readers.Wait()
	close(streamErrs)
	var err error
	for e := range streamErrs {
		if err == nil && e != nil {
			err = e
		}
	}
	a.shutdown()
	stopLease()
	<-leaseDone
	leaveCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	if lerr := a.store.Leave(leaveCtx, a.cfg.Instance.ID); lerr != nil {
		a.log.Warn("leave the cluster", zap.Error(lerr))
	}
	cancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("app: event stream: %w", err)
	}
	return nil
}

// provision loads the configured mailboxes into Redis, retrying while Redis
// is not up yet.
func (a *App) provision(ctx context.Context) error {
	boxes := make([]state.MailboxConfig, 0, len(a.cfg.Mailboxes))
	for _, m := range a.cfg.Mailboxes {
		id, err := state.ParseMailbox(m.Mailbox)
		if err != nil {
			return fmt.Errorf("%w: mailbox %q: %v", ErrInvalidConfig, m.Mailbox, err)
		}
		lang := m.Language
		if lang == "" {
			lang = "en"
		}
		boxes = append(boxes, state.MailboxConfig{ID: id, Name: m.Name, PIN: m.PIN, Email: m.Email, Language: lang})
	}
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		report, err := a.store.Provision(ctx, boxes)
		if err == nil {
			a.log.Info("mailboxes provisioned", zap.Int("created", report.Created),
				zap.Int("updated", report.Updated), zap.Int("unchanged", report.Unchanged),
				zap.Duration("took", time.Since(start)))
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
		a.route(channelOfTarget(e.Playback.TargetURI), menus.PromptDone(e.Playback.ID))
	case *ari.RecordingFinished:
		a.route(channelOfTarget(e.Recording.TargetURI), menus.Event{Kind: menus.EvRecorded,
			Recorded: &menus.Recorded{Name: e.Recording.Name, Duration: e.Recording.Duration}})
	case *ari.RecordingFailed:
		a.log.Warn("recording failed", zap.String("recording", e.Recording.Name), zap.String("cause", e.Recording.Cause))
		a.ops.metrics.failed(opARIRecFailed)
		a.route(channelOfTarget(e.Recording.TargetURI), menus.Event{Kind: menus.EvRecorded,
			Recorded: &menus.Recorded{Name: e.Recording.Name, Failed: true}})
	case *ari.ChannelHangupRequest:
		a.route(e.Channel.ID, menus.Event{Kind: menus.EvHangupRequest})
	case *ari.ApplicationReplaced:
		// Another connection took this app name: this instance gets no
		// more events. Each instance needs an app name of its own.
		n.log.Error("another instance connected with the same ari.app and took over its calls; give each instance its own app name",
			zap.String("app", a.cfg.ARI.App))
	case *ari.StasisEnd:
		a.route(e.Channel.ID, menus.Event{Kind: menus.EvHangup})
	}
}

func channelOfTarget(uri string) string {
	id, ok := strings.CutPrefix(uri, "channel:")
	if !ok {
		return ""
	}
	return id
}

func (a *App) route(channelID string, ev menus.Event) {
	a.mu.Lock()
	c := a.calls[channelID]
	a.mu.Unlock()
	if c != nil {
		c.in.push(item{ev: ev})
	}
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
			leaveChannel(context.WithoutCancel(ctx), n.client, ch.ID, "FAILED", n.log)
		}()
		return
	}
	req, err := ParseArgs(e.Args)
	if err != nil && len(e.Args) > 0 && strings.EqualFold(strings.TrimSpace(e.Args[0]), "main") {
		// *97 from a phone whose caller ID is no mailbox number: ask for
		// the mailbox, as *98 does, rather than drop the caller.
		log.Warn("mailbox argument unusable; asking the caller for it", zap.Strings("args", e.Args), zap.Error(err))
		req, err = Request{Mode: "main"}, nil
	}
	if err != nil {
		log.Warn("refusing call: bad stasis arguments", zap.Strings("args", e.Args), zap.Error(err))
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			leaveChannel(context.WithoutCancel(ctx), n.client, ch.ID, "FAILED", n.log)
		}()
		return
	}
	c := a.register(n, ch.ID)
	if c == nil {
		return
	}
	log.Info("call started", zap.Strings("args", e.Args), zap.String("caller", ch.Caller.Number))
	a.launch(ctx, c, func(ctx context.Context) {
		if err := c.deps.sessions.Own(ctx, c.deps.instance, ch.ID, true); err != nil {
			c.log.Warn("record owned call", zap.Error(err))
		}
		if req.Mode == "deposit" {
			// app_voicemail answers only once it takes the message; an
			// unknown mailbox goes back unanswered.
			a.startDeposit(ctx, n, c, req, ch)
			return
		}
		if err := n.client.Answer(ctx, ch.ID); err != nil && !ari.IsGone(err) {
			c.log.Error("answer", zap.Error(err))
			a.ops.metrics.failed(opARIChannel)
		}
		start := &menus.Start{Mode: menus.ModeMain, Lang: validLang(ch.Language)}
		if req.HasMailbox {
			start.Mailbox = req.Mailbox.String()
		}
		c.step(ctx, menus.Event{Kind: menus.EvStart, Start: start})
	})
}

// register makes a call for channel id on node n, or returns nil if it has
// one.
func (a *App) register(n *node, id string) *call {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, dup := a.calls[id]; dup {
		return nil
	}
	c := newCall(id, n.deps, n.log)
	a.calls[id] = c
	return c
}

// launch runs call c's goroutine, first doing first on it.
func (a *App) launch(ctx context.Context, c *call, first func(context.Context)) {
	c.in.push(item{fn: first})
	// A call's goroutine outlives a shutdown of the app until it has
	// finished its work (shutdown ends it with a hangup, then cancels).
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		c.run(cctx)
		a.mu.Lock()
		delete(a.calls, c.id)
		a.mu.Unlock()
	}()
}

// startDeposit prepares a deposit on the call's goroutine, answers and
// starts it; an unknown mailbox or a lookup failure sends the call back to
// the dialplan, unanswered, with VOICEMAIL_STATUS=FAILED.
func (a *App) startDeposit(ctx context.Context, n *node, c *call, req Request, ch ari.Channel) {
	d, lang, err := prepareDeposit(ctx, a.store, a.cfg.Voicemail, a.reviewFor, req, ch.Caller, time.Now())
	if err != nil {
		// app_voicemail: an unknown mailbox fails with VMSTATUS=FAILED.
		if isNotFound(err) {
			c.log.Warn("deposit refused: unknown mailbox", zap.Stringer("mailbox", req.Mailbox))
		} else {
			c.log.Error("deposit refused", zap.Stringer("mailbox", req.Mailbox), zap.Error(err))
			a.ops.metrics.failed(opRedisMailbox)
		}
		c.leave(ctx, "FAILED")
		c.s.Phase = menus.PhaseDone
		return
	}
	if err := n.client.Answer(ctx, ch.ID); err != nil && !ari.IsGone(err) {
		c.log.Error("answer", zap.Error(err))
		a.ops.metrics.failed(opARIChannel)
	}
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit,
		Lang: firstNonEmpty(validLang(lang), validLang(ch.Language)), Deposit: d}})
}

// reviewFor says whether mailbox id offers the review menu.
func (a *App) reviewFor(id state.MailboxID) bool {
	if r, ok := a.review[id]; ok {
		return r
	}
	return a.cfg.Voicemail.Review
}

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
	// every configured mailbox's counts on this Asterisk whenever its
	// stream (re)connects.
	ids := make([]state.MailboxID, 0, len(a.cfg.Mailboxes))
	for _, m := range a.cfg.Mailboxes {
		if id, err := state.ParseMailbox(m.Mailbox); err == nil {
			ids = append(ids, id)
		}
	}
	a.mwi.PublishAll(ctx, ids, everyNode{n})
}

// reconcile has every call on node n check its channel, playback and
// recording with Asterisk (reconcile.go), on the call's goroutine.
func (a *App) reconcile(n *node) {
	a.mu.Lock()
	calls := make([]*call, 0, len(a.calls))
	for _, c := range a.calls {
		if c.deps == n.deps {
			calls = append(calls, c)
		}
	}
	a.mu.Unlock()
	n.log.Info("event stream reconnected, reconciling calls", zap.Int("calls", len(calls)))
	for _, c := range calls {
		c.in.push(item{fn: func(ctx context.Context) { c.reconcile(ctx, c.deps.checker) }})
	}
}

// shutdown ends the calls still held without losing their work: each
// channel is hung up, then its call is told so, which saves a message being
// recorded (its audio is kept by Asterisk when the channel hangs up) and
// applies what the owner did in the folder they were browsing. Bounded by
// 10 s; calls still busy then are cancelled.
func (a *App) shutdown() {
	a.stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.mu.Lock()
	calls := make([]*call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	handed := len(calls)
	if a.cfg.ARI.Broadcast {
		// Hand the calls to the other instances rather than hang up.
		hctx, hcancel := context.WithTimeout(ctx, 5*time.Second)
		calls = a.handOver(hctx, calls)
		hcancel()
	}
	handed -= len(calls)
	for _, c := range calls {
		if err := c.deps.channel.Hangup(ctx, c.id, "normal"); err != nil && !ari.IsGone(err) {
			a.log.Warn("hangup at shutdown", zap.String("channel", c.id), zap.Error(err))
		}
		c.in.push(item{ev: menus.Event{Kind: menus.EvHangup}})
	}
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		a.log.Warn("calls still running at shutdown; cancelling them")
		for _, c := range calls {
			if c.cancel != nil {
				c.cancel()
			}
		}
		<-done
	}
	a.log.Info("voicemail stopped", zap.Int("calls_handed_over", handed), zap.Int("calls_ended", len(calls)))
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
