package call

import (
	"context"
	"sync"
	"time"

	"github.com/clusterpbx/voicemail/menus"
)

// item is one entry of a call's inbox: an engine event, or a function to
// run on the call's goroutine (reconciliation after a reconnect).
type item struct {
	ev menus.Event
	fn func(ctx context.Context)
	// at is when the event was queued: when its ARI event came in (the
	// DTMF-to-prompt clock starts there).
	at time.Time
}

// inbox is a call's unbounded FIFO. The dispatcher never blocks on a slow
// call, and no event is dropped.
type inbox struct {
	mu     sync.Mutex
	items  []item
	signal chan struct{}
}

func newInbox() *inbox { return &inbox{signal: make(chan struct{}, 1)} }

func (q *inbox) push(it item) {
	q.mu.Lock()
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pushFront puts it before every item waiting: it is the next one the
// call's goroutine takes.
func (q *inbox) pushFront(it item) {
	q.mu.Lock()
	q.items = append([]item{it}, q.items...)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop returns the next item, or false when ctx ends first.
func (q *inbox) pop(ctx context.Context) (item, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			it := q.items[0]
			q.items[0] = item{}
			q.items = q.items[1:]
			q.mu.Unlock()
			return it, true
		}
		q.mu.Unlock()
		select {
		case <-q.signal:
		case <-ctx.Done():
			return item{}, false
		}
	}
}
