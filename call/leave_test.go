package call

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
)

// flakyChannel is ChannelControl whose requests fail with the errors
// queued for them, in order, then succeed; it logs what reached it.
type flakyChannel struct {
	mu   sync.Mutex
	errs map[string][]error
	log  []string
}

func (f *flakyChannel) answer(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, op)
	if q := f.errs[op]; len(q) > 0 {
		f.errs[op] = q[1:]
		return q[0]
	}
	return nil
}

func (f *flakyChannel) Hangup(context.Context, string, string) error { return f.answer("hangup") }
func (f *flakyChannel) SetVariable(_ context.Context, _, name, _ string) error {
	return f.answer("set " + name)
}
func (f *flakyChannel) Continue(context.Context, string, string, string, int, string) error {
	return f.answer("continue")
}

// errCut is an ARI request lost with its connection: it may or may not
// have reached Asterisk.
var errCut = errors.New("ari: POST /channels/c1/continue: " + io.EOF.Error())

// errDown is an ARI request that never left: Asterisk out of reach.
var errDown = errors.Join(ari.ErrNotSent, errors.New("connection refused"))

func statusErr(code int, msg string) error {
	return &ari.StatusError{Method: "POST", Path: "/channels/c1/continue", Status: code, Message: msg}
}

// A call leaving while its ARI link is cut (the chaos run behind Sentinel,
// 2026-12-05: play, variable, continue and hangup all failed with EOF, and
// the caller stayed in the app with nobody serving the channel): the
// variable and the Continue are retried until Asterisk answers, and
// nothing is hung up. An answer, even an error, is not retried: "not in
// Stasis" after a lost Continue is the Continue done; a 500 hangs up.
func TestLeaveRetriesWhileAsteriskDoesNotAnswer(t *testing.T) {
	for _, tc := range []struct {
		name string
		errs map[string][]error
		want []string
	}{
		{"answered", nil,
			[]string{"set VOICEMAIL_STATUS", "continue"}},
		{"link cut, then back",
			map[string][]error{"set VOICEMAIL_STATUS": {errCut, errDown}, "continue": {errDown}},
			[]string{"set VOICEMAIL_STATUS", "set VOICEMAIL_STATUS", "set VOICEMAIL_STATUS", "continue", "continue"}},
		{"a lost Continue that was done",
			map[string][]error{"continue": {errCut, statusErr(409, "Channel not in Stasis application")}},
			[]string{"set VOICEMAIL_STATUS", "continue", "continue"}},
		{"refused: hung up, through a cut",
			map[string][]error{"continue": {statusErr(500, "Internal Server Error")}, "hangup": {errCut}},
			[]string{"set VOICEMAIL_STATUS", "continue", "hangup", "hangup"}},
		{"gone", map[string][]error{"set VOICEMAIL_STATUS": {statusErr(404, "Channel not found")}, "continue": {statusErr(404, "Channel not found")}},
			[]string{"set VOICEMAIL_STATUS", "continue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := &flakyChannel{errs: tc.errs}
			leaveChannelWith(context.Background(), ch, "c1", "SUCCESS", nil, zap.NewNop())
			if !slices.Equal(ch.log, tc.want) {
				t.Errorf("requests %q, want %q", ch.log, tc.want)
			}
		})
	}
}

// The retries stop with the call's context (a stop of the instance) and
// at their bound: they never keep a call's goroutine for good.
func TestLeaveRetriesEnd(t *testing.T) {
	always := make([]error, 1000)
	for i := range always {
		always[i] = errDown
	}
	ch := &flakyChannel{errs: map[string][]error{"set VOICEMAIL_STATUS": always, "continue": always, "hangup": always}}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	leaveChannelWith(ctx, ch, "c1", "SUCCESS", []menus.Var{{Name: "X", Value: "1"}}, zap.NewNop())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("leave took %v after its context ended", d)
	}

	// The bound: a deadline already passed makes one attempt.
	n := 0
	err := retryARI(context.Background(), time.Now(), zap.NewNop(), "continue", func(context.Context) error { n++; return errDown })
	if n != 1 || !errors.Is(err, ari.ErrNotSent) {
		t.Errorf("past the bound: %d attempts, %v; want 1 and the request's error", n, err)
	}
}
