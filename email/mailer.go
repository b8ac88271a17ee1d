package email

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	gomail "github.com/wneessen/go-mail"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/state"
)

// Outbox is where the notifications wait: *state.Store.
type Outbox interface {
	DueOutboxes(ctx context.Context, lease time.Duration, limit int) ([]state.OutboxVisit, error)
	TakeNotifications(ctx context.Context, mb state.MailboxID, consumer string, claimIdle time.Duration, count int) ([]state.Notification, time.Time, error)
	ScheduleOutbox(ctx context.Context, v state.OutboxVisit, claimIdle time.Duration) error
	RescanOutboxes(ctx context.Context) (outboxes, dead int, err error)
}

// Acknowledger records what became of a notification: *state.Store.
type Acknowledger interface {
	NotificationSent(ctx context.Context, n state.Notification, deleteMessage bool) (state.SentResult, error)
	NotificationFailed(ctx context.Context, n state.Notification, consumer, reason string, permanent bool, policy state.RetryPolicy) (state.FailOutcome, time.Time, error)
}

// Mailboxes reads a mailbox's addresses and settings: *state.Store.
type Mailboxes interface {
	Mailbox(ctx context.Context, id state.MailboxID) (state.Mailbox, error)
}

// Store is what a Mailer needs of package state: *state.Store.
type Store interface {
	Outbox
	Acknowledger
	Mailboxes
}

// Audio reads and deletes recordings: *recordings.Store.
type Audio interface {
	File(ctx context.Context, name string) ([]byte, error)
	Delete(ctx context.Context, names ...string) error
}

// Sender hands a mail to a relay: *Relay. Its errors wrap ErrTemporary or
// ErrPermanent.
type Sender interface {
	Send(ctx context.Context, msg *gomail.Msg) error
}

var (
	_ Store  = (*state.Store)(nil)
	_ Sender = (*Relay)(nil)
)

// takeCount is how many notifications of one mailbox a visit takes.
const takeCount = 20

// rescanEvery is how often a Mailer rescans the outboxes (repairing an
// index that missed one, counting dead letters).
const rescanEvery = 5 * time.Minute

// storeRetry bounds the retries of a store write after a send: a
// notification the relay accepted but the store did not hear of is sent
// again after ClaimIdle (at least once).
const storeRetry = 30 * time.Second

// Mailer sends the notifications of the outbox. Every instance may run
// one: they share the work through the outbox's consumer group.
type Mailer struct {
	cfg      Config
	store    Store
	audio    Audio
	sender   Sender
	tmpl     *templates
	log      *zap.Logger
	consumer string
	onChange func(state.MailboxID)
	metrics  *metrics
	hasLame  bool

	// transcriber, when set (WithTranscriber), transcribes each message.
	transcriber       Transcriber
	transcripts       TranscriptStore
	transcribeTimeout time.Duration

	locMu sync.Mutex
	locs  map[string]*time.Location

	busyMu sync.Mutex
	busy   map[state.MailboxID]bool
}

// Option changes an optional setting of New.
type Option func(*Mailer)

// WithLogger sets the logger; the default is zap.NewNop().
func WithLogger(l *zap.Logger) Option {
	return func(m *Mailer) {
		if l != nil {
			m.log = l
		}
	}
}

// WithConsumer names this sender in the outbox's consumer group: the
// instance's id. Default "mailer".
func WithConsumer(id string) Option {
	return func(m *Mailer) {
		if id != "" {
			m.consumer = id
		}
	}
}

// WithOnChange is called with a mailbox whose counts changed (a message
// deleted after its email): the app publishes its message-waiting state.
func WithOnChange(fn func(state.MailboxID)) Option {
	return func(m *Mailer) { m.onChange = fn }
}

// WithRegisterer registers the Mailer's metrics (voicemail_mail_*) in reg.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(m *Mailer) { m.metrics = newMetrics(reg) }
}

// WithSender replaces the SMTP relay of cfg.SMTP.
func WithSender(s Sender) Option {
	return func(m *Mailer) {
		if s != nil {
			m.sender = s
		}
	}
}

// New returns a Mailer. Zero Config fields take their defaults; invalid
// ones, a template that does not parse, or a nil store or audio give an
// error wrapping ErrInvalidConfig. New does no I/O beyond reading
// templates.
func New(cfg Config, store Store, audio Audio, opts ...Option) (*Mailer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || audio == nil {
		return nil, fmt.Errorf("%w: nil store or audio", ErrInvalidConfig)
	}
	tmpl, err := loadTemplates(cfg.TemplatesDir, cfg.Language)
	if err != nil {
		return nil, err
	}
	m := &Mailer{cfg: cfg, store: store, audio: audio, tmpl: tmpl, log: zap.NewNop(), consumer: "mailer",
		locs: map[string]*time.Location{}, busy: map[state.MailboxID]bool{}}
	for _, o := range opts {
		o(m)
	}
	if m.sender == nil {
		r, err := NewRelay(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		m.sender = r
	}
	if _, err := exec.LookPath(cfg.Lame); err == nil {
		m.hasLame = true
	} else {
		m.log.Warn("lame not found: mailboxes set to mp3 get WAV attachments", zap.String("lame", cfg.Lame))
	}
	return m, nil
}

// Run sends until ctx ends: it looks for due outboxes every Poll (at once
// after a busy round), serves up to Workers mailboxes at once, and rescans
// every outbox at start and every few minutes.
func (m *Mailer) Run(ctx context.Context) {
	jobs := make(chan state.OutboxVisit)
	var wg sync.WaitGroup
	for range m.cfg.Workers {
		wg.Go(func() {
			for v := range jobs {
				m.visit(ctx, v)
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	m.rescan(ctx)
	lastScan := time.Now()
	wait := m.cfg.Poll
	for ctx.Err() == nil {
		if time.Since(lastScan) >= rescanEvery {
			m.rescan(ctx)
			lastScan = time.Now()
		}
		visits, err := m.store.DueOutboxes(ctx, m.cfg.ClaimIdle, m.cfg.Workers*2)
		switch {
		case err != nil && ctx.Err() == nil:
			// Redis out of reach: look again less and less often, up to
			// every 30 s, and say so at each look.
			m.log.Warn("look for due outboxes", zap.Error(err), zap.Duration("next", wait))
		case err == nil:
			wait = m.cfg.Poll
		}
		for _, v := range visits {
			select {
			case jobs <- v:
			case <-ctx.Done():
				return
			}
		}
		if len(visits) == m.cfg.Workers*2 {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if err != nil {
			wait = min(2*wait, 30*time.Second)
		}
	}
}

// rescan finds every outbox and counts the dead letters.
func (m *Mailer) rescan(ctx context.Context) {
	outboxes, dead, err := m.store.RescanOutboxes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("rescan outboxes", zap.Error(err))
		}
		return
	}
	m.metrics.setDead(dead)
	if dead > 0 {
		m.log.Warn("notifications in the dead letters: see voicemail mail list", zap.Int("dead", dead))
	}
	m.log.Debug("outboxes rescanned", zap.Int("outboxes", outboxes), zap.Int("dead", dead))
}

// Once serves every due outbox once and returns how many notifications it
// handled (sent, failed or given up on): for tests and benchmarks that
// drive a Mailer step by step.
func (m *Mailer) Once(ctx context.Context) (int, error) {
	visits, err := m.store.DueOutboxes(ctx, m.cfg.ClaimIdle, 1000)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, v := range visits {
		total += m.visit(ctx, v)
	}
	return total, nil
}

// visit serves one mailbox's outbox: the due notifications, one after the
// other, then the time it is next due.
func (m *Mailer) visit(ctx context.Context, v state.OutboxVisit) int {
	mb := v.Mailbox
	m.busyMu.Lock()
	if m.busy[mb] {
		m.busyMu.Unlock()
		return 0 // another worker of this instance has it
	}
	m.busy[mb] = true
	m.busyMu.Unlock()
	defer func() {
		m.busyMu.Lock()
		delete(m.busy, mb)
		m.busyMu.Unlock()
	}()
	ns, _, err := m.store.TakeNotifications(ctx, mb, m.consumer, m.cfg.ClaimIdle, takeCount)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("take notifications", zap.Stringer("mailbox", mb), zap.Error(err))
		}
		return 0 // the lease runs out and the mailbox is due again
	}
	if len(ns) > 0 {
		box, err := m.store.Mailbox(ctx, mb)
		switch {
		case errors.Is(err, state.ErrMailboxNotFound):
			box = state.Mailbox{ID: mb} // no addresses: each notification is dropped as sent
		case err != nil:
			m.log.Warn("read mailbox for its notifications", zap.Stringer("mailbox", mb), zap.Error(err))
			for _, n := range ns {
				m.failed(ctx, n, fmt.Errorf("%w: read the mailbox: %w", ErrTemporary, err))
			}
			m.schedule(ctx, v)
			return len(ns)
		}
		for _, n := range ns {
			if ctx.Err() != nil {
				break // left pending: taken again after ClaimIdle
			}
			m.deliver(ctx, box, n)
		}
	}
	m.schedule(ctx, v)
	return len(ns)
}

// scheduleTimeout bounds ScheduleOutbox at the end of a visit, which runs
// even when the Mailer is stopping.
const scheduleTimeout = 5 * time.Second

// schedule tells the index when v's mailbox is next due. Should it fail,
// the visit's lease runs out and the mailbox is due again then.
func (m *Mailer) schedule(ctx context.Context, v state.OutboxVisit) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), scheduleTimeout)
	defer cancel()
	if err := m.store.ScheduleOutbox(ctx, v, m.cfg.ClaimIdle); err != nil {
		m.log.Warn("schedule outbox", zap.Stringer("mailbox", v.Mailbox), zap.Error(err))
	}
}

// deliver sends one notification and records the outcome.
func (m *Mailer) deliver(ctx context.Context, box state.Mailbox, n state.Notification) {
	log := m.log.With(zap.Stringer("mailbox", n.Mailbox), zap.String("message", n.MessageID),
		zap.String("target", n.Target), zap.String("notification", n.ID))
	addr := box.Email
	if n.Target == state.TargetPager {
		addr = box.Notify.Pager
	}
	if addr == "" {
		// The address was removed since the message was left.
		log.Info("no address any more: notification dropped")
		m.sent(ctx, n, false, log)
		return
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, m.cfg.SendTimeout)
	defer cancel()
	msg, err := m.build(sctx, box, n, addr, log)
	if err == nil {
		err = m.sender.Send(sctx, msg)
	}
	m.metrics.observe(n.Target, time.Since(start), err)
	if err != nil {
		m.failed(ctx, n, err)
		return
	}
	log.Info("notification sent", zap.String("to", addr), zap.Duration("took", time.Since(start)))
	m.sent(ctx, n, n.Target == state.TargetEmail && box.Notify.DeleteAfterEmail, log)
}

// build reads the audio and composes the mail of n.
func (m *Mailer) build(ctx context.Context, box state.Mailbox, n state.Notification, addr string, log *zap.Logger) (*gomail.Msg, error) {
	ml := outgoing{to: addr, toName: box.Name, lang: m.tmpl.language(box.Language), loc: m.location(box.Notify.Timezone, log)}
	format := box.Notify.Attach
	if !validAttach(format) {
		format = m.cfg.Attach
	}
	transcribe := n.Target == state.TargetEmail && m.transcriber != nil
	if n.Target == state.TargetEmail && (format != AttachNone || transcribe) && n.Recording != "" {
		wav, err := m.audio.File(ctx, n.Recording)
		switch {
		case errors.Is(err, ari.ErrNotFound):
			ml.audioGone = true
		case err != nil:
			return nil, fmt.Errorf("%w: read the recording: %w", ErrTemporary, err)
		default:
			if transcribe {
				// The message alone, without a forward's introduction.
				ml.transcript = m.transcript(ctx, n, wav, log)
			}
			if n.Intro != "" {
				if intro, err := m.audio.File(ctx, n.Intro); err == nil {
					wav = joinWAV(intro, wav)
				}
			}
			if format == AttachNone {
				break
			}
			ml.audio, ml.format = wav, AttachWAV
			if format == AttachMP3 && m.hasLame {
				mp3, err := audioconv.MP3(ctx, m.cfg.Lame, wav)
				if err != nil {
					if ctx.Err() != nil {
						return nil, fmt.Errorf("%w: %w", ErrTemporary, err)
					}
					log.Warn("MP3 encoding failed: attaching WAV", zap.Error(err))
				} else {
					ml.audio, ml.format = mp3, AttachMP3
				}
			}
		}
	}
	return m.compose(n, box, ml, time.Now())
}

// location returns the zone of the email's dates.
func (m *Mailer) location(tz string, log *zap.Logger) *time.Location {
	if tz == "" {
		return m.cfg.Location
	}
	m.locMu.Lock()
	defer m.locMu.Unlock()
	if loc, ok := m.locs[tz]; ok {
		return loc
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		log.Warn("mailbox time zone unknown: using the default", zap.String("timezone", tz), zap.Error(err))
		loc = m.cfg.Location
	}
	m.locs[tz] = loc
	return loc
}

// sent records a notification the relay accepted, deleting its message when
// asked. It retries the store for a while: a notification the store did
// not hear of is sent again (at least once).
func (m *Mailer) sent(ctx context.Context, n state.Notification, deleteMessage bool, log *zap.Logger) {
	var (
		res           state.SentResult
		notReplicated bool
	)
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = m.store.NotificationSent(ctx, n, deleteMessage)
		if errors.Is(err, state.ErrNotReplicated) {
			notReplicated = true // applied on the master; the audio stays (below)
			return nil
		}
		return err
	})
	if err != nil {
		log.Error("the relay accepted the mail but the outbox could not be told: it will be sent again", zap.Error(err))
		return
	}
	if !res.Deleted {
		return
	}
	m.metrics.deletedAfterEmail()
	if m.onChange != nil {
		m.onChange(n.Mailbox)
	}
	if len(res.Removed) == 0 || notReplicated {
		// Not confirmed by the replicas: a failover may bring the message
		// back, so its audio stays; the janitor deletes it if not.
		return
	}
	if err := m.audio.Delete(context.WithoutCancel(ctx), res.Removed...); err != nil {
		log.Warn("delete the audio of a message deleted after email; the janitor will", zap.Error(err))
	}
}

// failed records a failed attempt: retried after a backoff, or given up on.
func (m *Mailer) failed(ctx context.Context, n state.Notification, sendErr error) {
	log := m.log.With(zap.Stringer("mailbox", n.Mailbox), zap.String("message", n.MessageID),
		zap.String("target", n.Target), zap.String("notification", n.ID))
	permanent := errors.Is(sendErr, ErrPermanent)
	policy := state.RetryPolicy{Backoff: m.backoff(n.Attempts + 1), GiveUp: m.cfg.GiveUp, ClaimIdle: m.cfg.ClaimIdle}
	var (
		out state.FailOutcome
		at  time.Time
	)
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		out, at, err = m.store.NotificationFailed(ctx, n, m.consumer, sendErr.Error(), permanent, policy)
		return err
	})
	if err != nil {
		log.Warn("record a failed notification; it is tried again after the claim idle time", zap.NamedError("send", sendErr), zap.Error(err))
		return
	}
	switch out {
	case state.FailDead:
		m.metrics.dead()
		log.Error("notification given up on: see voicemail mail list", zap.Error(sendErr),
			zap.Bool("permanent", permanent), zap.Int("attempts", n.Attempts+1))
	case state.FailRetry:
		log.Warn("notification not sent; will retry", zap.Error(sendErr), zap.Int("attempts", n.Attempts+1), zap.Time("next", at))
	}
}

// backoff is the wait before attempt (from 1): RetryMin doubled each time,
// up to RetryMax, less up to a fifth at random so that senders spread.
func (m *Mailer) backoff(attempt int) time.Duration {
	d := m.cfg.RetryMin
	for i := 1; i < attempt && d < m.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, m.cfg.RetryMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// retry runs fn until it succeeds, ctx ends or storeRetry passes, backing
// off from 100ms.
func retry(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeRetry)
	defer cancel()
	wait := 100 * time.Millisecond
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}
