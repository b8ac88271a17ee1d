package state

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// callerKey is the context key of WithCaller.
type callerKey struct{}

// WithCaller returns a copy of ctx that carries the calling number of the
// call a login comes from (its caller ID number), so that Authenticate
// counts its failures across mailboxes (Config.CallerMaxFailures). An empty
// number carries nothing.
func WithCaller(ctx context.Context, number string) context.Context {
	if number == "" {
		return ctx
	}
	return context.WithValue(ctx, callerKey{}, number)
}

// callerFrom returns the calling number WithCaller put in ctx, or "".
func callerFrom(ctx context.Context) string {
	n, _ := ctx.Value(callerKey{}).(string)
	return n
}

// Bounds of the security events logged for refused logins: a flood of
// guesses must not flood the log too.
const (
	securityEventBurst = 20          // lines at once
	securityEventEvery = time.Second // then one line per interval
)

// logLimiter is a token bucket over the Store's clock: Allow reports
// whether a line may be written now, and how many were suppressed since
// the last one that was.
type logLimiter struct {
	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int
}

// allow takes a token at now, if there is one.
func (l *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last.IsZero() {
		l.tokens = securityEventBurst
	} else if d := now.Sub(l.last); d > 0 {
		l.tokens = min(securityEventBurst, l.tokens+float64(d)/float64(securityEventEvery))
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}

// securityEvent logs a refused login at Warn with its security_event,
// mailbox and calling number, unless too many were logged just before; a
// line that follows suppressed ones says how many.
func (s *Store) securityEvent(msg, event string, id MailboxID, caller string, fields ...zap.Field) {
	ok, suppressed := s.events.allow(s.now())
	if !ok {
		return
	}
	fields = append([]zap.Field{zap.String("security_event", event), zap.Stringer("mailbox", id)}, fields...)
	if caller != "" {
		fields = append(fields, zap.String("caller", clip(caller)))
	}
	if suppressed > 0 {
		fields = append(fields, zap.Int("suppressed", suppressed))
	}
	s.log.Warn(msg, fields...)
}
