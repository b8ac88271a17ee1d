package app

import (
	"sync/atomic"
	"time"

	"github.com/clusterpbx/voicemail/call"
)

// leaseClock is the App's call.LeaseHolder, told by keepLease of each renewal.
// Times are taken from the monotonic clock, so a paused process (SIGSTOP)
// finds its lease run out when it resumes, before its lease loop runs.
type leaseClock struct {
	lease time.Duration
	// base is the origin of renewedAt, on the monotonic clock.
	base time.Time
	// renewedAt is when the last successful renewal was sent, as
	// nanoseconds since base; -1 before the first.
	renewedAt atomic.Int64
}

func newLeaseClock(lease time.Duration) *leaseClock {
	l := &leaseClock{lease: lease, base: time.Now()}
	l.renewedAt.Store(-1)
	return l
}

// renewed records a renewal that succeeded and was sent at sent: the lease
// holds until sent plus a lease (the renewal cannot have set a later
// deadline than that).
func (l *leaseClock) renewed(sent time.Time) {
	at := int64(sent.Sub(l.base))
	for {
		old := l.renewedAt.Load()
		if at <= old || l.renewedAt.CompareAndSwap(old, at) {
			return
		}
	}
}

// Held reports whether the last renewal was sent less than a lease ago.
func (l *leaseClock) Held() bool {
	at := l.renewedAt.Load()
	return at >= 0 && time.Since(l.base)-time.Duration(at) < l.lease
}

var _ call.LeaseHolder = (*leaseClock)(nil)
