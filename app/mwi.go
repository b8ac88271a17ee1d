package app

import (
	"context"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/state"
)

// mwiState reads a mailbox's counts and orders publications.
type mwiState interface {
	MWIState(ctx context.Context, id state.MailboxID) (state.MWI, error)
	ClaimMWI(ctx context.Context, id state.MailboxID, v int64) (bool, error)
}

// originator starts the Local channel that publishes counts.
type originator interface {
	Originate(ctx context.Context, r ari.OriginateRequest) (ari.Channel, error)
}

// mwiSettle is how long after a mailbox's last change its counts are
// published once more, unconditionally: Asterisk runs each publishing Local
// channel on its own thread, so two publications issued a few milliseconds
// apart may reach the phones in either order. The settling publication,
// made after both have run, carries the latest counts, so a phone never
// keeps stale numbers.
const mwiSettle = 1500 * time.Millisecond

// mwiDefer is how long after a mailbox's first change its publication
// starts: not with the change, when the key that made it has just asked for
// its prompt (the Local channel that publishes would compete with that
// prompt for the machine), but once the prompt plays. Changes made
// meanwhile go out together. A lamp 0.1 s later is not one a caller can
// tell.
const mwiDefer = 100 * time.Millisecond

// mwiPublisher turns changes of New/Old counts into message-summary NOTIFYs.
// Stock Asterisk has no ARI /mailboxes (res_mwi_external is not built), so
// it originates Local/NUMBER@<mwi_context> with the counts as variables, and
// the shipped dialplan runs MinivmMWI(NUMBER@CONTEXT,0,NEW,OLD): every PJSIP
// endpoint with mailboxes=NUMBER@CONTEXT gets a NOTIFY.
type mwiPublisher struct {
	store   mwiState
	orig    originator
	context string
	log     *zap.Logger

	mu sync.Mutex
	// dirty holds the mailboxes changed and not yet published, each with
	// the time of its first change since its last publication.
	dirty  map[state.MailboxID]time.Time
	settle map[state.MailboxID]time.Time
	kick   chan struct{}
	// publish publishes m on the Asterisk servers of on (replaced in tests).
	publish func(ctx context.Context, on originator, id state.MailboxID, m state.MWI) error
}

func newMWIPublisher(store mwiState, orig originator, dialplanContext string, log *zap.Logger) *mwiPublisher {
	p := &mwiPublisher{
		store:   store,
		orig:    orig,
		context: dialplanContext,
		log:     log,
		dirty:   map[state.MailboxID]time.Time{},
		settle:  map[state.MailboxID]time.Time{},
		kick:    make(chan struct{}, 1),
	}
	p.publish = p.originate
	return p
}

// Changed notes that id's counts may have changed; it never blocks.
func (p *mwiPublisher) Changed(id state.MailboxID) {
	p.mu.Lock()
	if _, ok := p.dirty[id]; !ok {
		p.dirty[id] = time.Now()
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// PublishAll publishes the counts of ids unconditionally, after Asterisk
// (re)connects: a restarted Asterisk has forgotten them.
//
// on is where to publish: the Asterisk that (re)connected, so that one
// that is down does not hold the others' publications up.
func (p *mwiPublisher) PublishAll(ctx context.Context, ids []state.MailboxID, on originator) {
	for _, id := range ids {
		p.publishOn(ctx, on, id, true)
	}
}

// Run publishes until ctx ends.
func (p *mwiPublisher) Run(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	// wake comes when the oldest change not yet published is mwiDefer old.
	wake := time.NewTimer(time.Hour)
	wake.Stop()
	defer wake.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-tick.C:
		case <-wake.C:
		}
		now := time.Now()
		p.mu.Lock()
		ready := map[state.MailboxID]bool{}
		var next time.Time
		for id, at := range p.dirty {
			if due := at.Add(mwiDefer); now.Before(due) {
				if next.IsZero() || due.Before(next) {
					next = due
				}
				continue
			}
			ready[id] = true
			delete(p.dirty, id)
		}
		var due []state.MailboxID
		for id, at := range p.settle {
			_, pending := p.dirty[id]
			if !now.Before(at) && !pending && !ready[id] {
				due = append(due, id)
				delete(p.settle, id)
			}
		}
		for id := range ready {
			p.settle[id] = now.Add(mwiSettle)
		}
		p.mu.Unlock()
		if !next.IsZero() {
			wake.Reset(next.Sub(now))
		}
		for id := range ready {
			p.publishLatest(ctx, id, false)
		}
		for _, id := range due {
			p.publishLatest(ctx, id, true)
		}
	}
}

// publishLatest reads id's current counts and publishes them: when force
// is set, or when no publication of this version or a later one happened
// yet on any instance (ClaimMWI).
func (p *mwiPublisher) publishLatest(ctx context.Context, id state.MailboxID, force bool) {
	p.publishOn(ctx, p.orig, id, force)
}

// publishOn is publishLatest on the Asterisk servers of on.
func (p *mwiPublisher) publishOn(ctx context.Context, on originator, id state.MailboxID, force bool) {
	m, err := p.store.MWIState(ctx, id)
	if err != nil {
		p.log.Warn("mwi: read counts", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	if !force {
		ok, err := p.store.ClaimMWI(ctx, id, m.Version)
		if err != nil {
			p.log.Warn("mwi: claim", zap.Stringer("mailbox", id), zap.Error(err))
			return
		}
		if !ok {
			return // this version or a newer one is out already
		}
	}
	if err := p.publish(ctx, on, id, m); err != nil {
		p.log.Warn("mwi: publish", zap.Stringer("mailbox", id), zap.Error(err))
		return
	}
	p.log.Debug("mwi published", zap.Stringer("mailbox", id), zap.Int("new", m.New), zap.Int("old", m.Old),
		zap.Int64("version", m.Version), zap.Bool("settle", force))
}

func (p *mwiPublisher) originate(ctx context.Context, on originator, id state.MailboxID, m state.MWI) error {
	_, err := on.Originate(ctx, ari.OriginateRequest{
		Endpoint:  "Local/" + id.Number + "@" + p.context,
		Context:   p.context,
		Extension: "done",
		Priority:  1,
		Timeout:   5,
		Variables: map[string]string{
			// Inherited (__) so that the dialplan half of the Local channel
			// sees them.
			"__NEW":        strconv.Itoa(m.New),
			"__OLD":        strconv.Itoa(m.Old),
			"__VM_CONTEXT": id.Context,
		},
	})
	return err
}
