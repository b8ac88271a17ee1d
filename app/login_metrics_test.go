package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/state"
)

// refusingAuth answers every login with err.
type refusingAuth struct {
	call.Authenticator
	err error
}

func (a refusingAuth) Authenticate(context.Context, state.MailboxID, string) (state.Mailbox, error) {
	return state.Mailbox{}, a.err
}

// TestLoginRefusalsCounted: every refused login counts under its reason,
// and a Redis failure is an error, not a refusal.
func TestLoginRefusalsCounted(t *testing.T) {
	m := newMetrics(func() int { return 0 })
	id := state.MailboxID{Number: "1001", Context: "default"}
	wrap := func(err error) error { return fmt.Errorf("state: authenticate %s: %w", id, err) }
	for _, err := range []error{
		wrap(state.ErrWrongPIN), wrap(state.ErrWrongPIN), wrap(state.ErrMailboxNotFound),
		wrap(state.ErrLocked), errors.New("redis: connection refused"), nil,
	} {
		_, _ = countingAuth{Authenticator: refusingAuth{err: err}, m: m}.Authenticate(context.Background(), id, "0000")
	}
	for reason, want := range map[string]float64{loginWrongPIN: 2, loginUnknown: 1, loginLocked: 1} {
		if got := testutil.ToFloat64(m.loginRefusals.WithLabelValues(reason)); got != want {
			t.Errorf("voicemail_login_refusals_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	if got := testutil.ToFloat64(m.errors.WithLabelValues(opRedisMailbox)); got != 1 {
		t.Errorf("redis_mailbox errors = %v, want 1", got)
	}
}
