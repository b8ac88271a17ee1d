package call

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Tests of the retries around a call's store work (review H4, M2, M3, L8,
// L9), with fakes that fail as Redis and ARI fail: out of reach, or after
// the write with the reply lost.

// Hang-up before RecordingFinished: the measurement is retried like
// call.measure, and a recording that cannot be measured is kept.
func TestCallHangupBeforeRecordingEndRetriesMeasure(t *testing.T) {
	for _, tt := range []struct {
		name    string
		errs    []error
		wantDur time.Duration
	}{
		{"one ARI error, then measured", []error{errors.New("ari: 500 internal error")}, 9 * time.Second},
		{"never measured: kept at the minimum", []error{errRefused, errRefused, errRefused, errRefused, errRefused}, 2 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := recording(t)
			fs.seconds, fs.secErrs = 9, tt.errs
			hangup(t, c, 10*time.Second)
			fs.mu.Lock()
			defer fs.mu.Unlock()
			if len(fs.deposited) != 1 {
				t.Fatalf("deposited %d messages, want 1", len(fs.deposited))
			}
			if got := fs.deposited[0].Duration; got != tt.wantDur {
				t.Errorf("duration %s, want %s", got, tt.wantDur)
			}
			if len(fs.deleted) != 0 {
				t.Errorf("audio deleted: %v", fs.deleted)
			}
		})
	}
}

// A forward whose deposit stored the copy and then lost its reply keeps
// the copy's audio: the copy points at it.
func TestForwardCopyStoredThenTimeoutKeepsAudio(t *testing.T) {
	c, _, fs, _ := newTestCall(t)
	fs.msgs = map[string]string{"m1": recM1}
	fs.depStored = 1
	c.exec(context.Background(), menus.Cmd{Kind: menus.CmdForward, Mailbox: mailbox.MustParseID("1001@default"), MsgID: "m1", To: []string{"1002"}})
	ev := result(t, c)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.deposited) != 1 || len(fs.copied) != 1 {
		t.Fatalf("deposited %d, copied %v", len(fs.deposited), fs.copied)
	}
	if rec := fs.deposited[0].Recording; slices.Contains(fs.deleted, rec) {
		t.Errorf("the stored copy's audio %s was deleted", rec)
	}
	if ev.Saved == nil || !ev.Saved.OK {
		t.Errorf("forward reported %+v, want OK", ev.Saved)
	}
}

// A greeting accepted with a lost reply is the mailbox's greeting: the
// owner is told it is saved, and nothing deletes its audio.
func TestSetGreetingStoredThenTimeout(t *testing.T) {
	c, _, fs, _ := newTestCall(t)
	const take = "voicemail/default/1001/greeting/unavail-t1"
	fs.greetings = map[state.GreetingKind]string{state.GreetingUnavail: "voicemail/default/1001/greeting/unavail-t0"}
	fs.greetStored = 1
	c.exec(context.Background(), menus.Cmd{Kind: menus.CmdSetGreeting, Mailbox: mailbox.MustParseID("1001@default"), Greeting: "unavail", Name: take})
	ev := result(t, c)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if ev.Saved == nil || !ev.Saved.OK {
		t.Errorf("greeting change reported %+v, want OK: the greeting is the take", ev.Saved)
	}
	if slices.Contains(fs.deleted, take) {
		t.Errorf("the active greeting's audio was deleted: %v", fs.deleted)
	}
}

// A PIN change with a lost reply changed the PIN: the owner is not told
// sorry.
func TestSetPINStoredThenTimeout(t *testing.T) {
	c, _, fs, _ := newTestCall(t)
	fs.pinStored = 1
	c.exec(context.Background(), menus.Cmd{Kind: menus.CmdSetPIN, Mailbox: mailbox.MustParseID("1001@default"), PIN: "2580"})
	ev := result(t, c)
	if ev.Saved == nil || !ev.Saved.OK {
		t.Errorf("PIN change reported %+v, want OK: the PIN is 2580", ev.Saved)
	}
	// Retried as a deposit is, without a deadline: one would also end the
	// wait for the call's ownership, leaving a caller nobody serves.
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.pinDeadline {
		t.Error("the PIN change ran under a deadline")
	}
}

// A folder close is retried like a deposit; after a retry whose first
// attempt applied unseen, the deleted messages' audio is still deleted.
func TestCloseFolderRetried(t *testing.T) {
	for _, tt := range []struct {
		name   string
		errs   []error
		stored int
	}{
		{"Redis out of reach once", []error{errRefused}, 0},
		{"applied, reply lost", nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, fs, fm := newTestCall(t)
			fs.msgs = map[string]string{"m1": recM1, "m2": recM2}
			fs.closeErrs, fs.closeStored = tt.errs, tt.stored
			c.exec(context.Background(), menus.Cmd{Kind: menus.CmdCloseFolder, Mailbox: mailbox.MustParseID("1001@default"), Folder: 0,
				Deleted: []string{"m1"}, Recordings: []string{recM1}})
			fs.mu.Lock()
			defer fs.mu.Unlock()
			if _, ok := fs.msgs["m1"]; ok {
				t.Fatal("m1 not deleted")
			}
			if !slices.Equal(fs.deleted, []string{recM1}) {
				t.Errorf("audio deleted %v, want m1's", fs.deleted)
			}
			if len(fm.changed) != 1 {
				t.Errorf("MWI told %d times, want once", len(fm.changed))
			}
		})
	}
}

// A record request that gets no answer is sent again, and a repeat that
// finds the first one recording ("already exists": net/http's own repeat
// on a closed connection, or Asterisk acting on a request whose answer
// was lost) is the recording started: the message is not given up while
// the caller speaks (vmload, 500 Poisson deposits, 2026-12-05: a repeat
// answered 409, the call went back FAILED, the caller's message lost).
func TestCallRecordRepeatedUntilAnswered(t *testing.T) {
	inProgress := &ari.StatusError{Method: "POST", Path: "/channels/ch-1/record", Status: 409,
		Message: "Recording 'voicemail/default/1001/msg/m1' already exists and can not be overwritten"}
	for _, tc := range []struct {
		name string
		errs []error
		sent int
	}{
		{"answered", nil, 1},
		{"no answer, then started", []error{context.DeadlineExceeded}, 2},
		{"no answer, then the first is found recording", []error{errors.New("ari: POST /channels/ch-1/record: EOF"), inProgress}, 2},
		{"repeated by net/http, the first recording", []error{inProgress}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fa, fs, _ := newTestCall(t)
			fa.recordErrs = tc.errs
			ctx := context.Background()
			c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
			c.step(ctx, menus.Digit('#'))
			drain(t, c)
			if c.s.Phase != menus.PhaseRecording {
				t.Fatalf("phase %s after the record request, want recording", c.s.Phase)
			}
			fa.mu.Lock()
			sent := 0
			for _, call := range fa.calls {
				if strings.HasPrefix(call, "record ") {
					sent++
				}
			}
			if sent != tc.sent || slices.Contains(fa.calls, "continue") {
				t.Errorf("ARI calls %q: want %d record requests and no leave", fa.calls, tc.sent)
			}
			// A re-record ('3' in the review) records over its own
			// name's file: every send asks to overwrite, and only a live
			// recording of the name is refused.
			if want := slices.Repeat([]string{"overwrite"}, tc.sent); !slices.Equal(fa.ifExists, want) {
				t.Errorf("ifExists %q, want %q", fa.ifExists, want)
			}
			fa.mu.Unlock()
			c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: "voicemail/default/1001/msg/m1", Duration: 6}})
			drain(t, c)
			if len(fs.deposited) != 1 {
				t.Errorf("deposited %d messages, want 1", len(fs.deposited))
			}
		})
	}
}

// A hang-up while a record request is repeated: if a send went out
// without an answer, Asterisk may have recorded the caller, so nothing is
// given up before the hang-up, which measures the recording and keeps the
// message; if none went out (Asterisk out of reach), nothing was recorded.
func TestCallRecordGoneAfterAnUnansweredSend(t *testing.T) {
	gone := &ari.StatusError{Method: "POST", Path: "/channels/ch-1/record", Status: 404, Message: "Channel not found"}
	for _, tc := range []struct {
		name  string
		first error
		kept  bool
	}{
		{"sent, no answer", errors.New("ari: POST /channels/ch-1/record: EOF"), true},
		{"never sent", errors.Join(ari.ErrNotSent, errors.New("connection refused")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fa, fs, _ := newTestCall(t)
			fs.seconds = 6
			fa.recordErrs = []error{tc.first, gone}
			ctx := context.Background()
			c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
			c.step(ctx, menus.Digit('#'))
			drain(t, c)
			if !tc.kept {
				if len(fs.deposited) != 0 || len(fs.deleted) != 1 {
					t.Errorf("deposited %d, deleted %v: want nothing kept, the empty take discarded", len(fs.deposited), fs.deleted)
				}
				return
			}
			if c.s.Phase != menus.PhaseRecording || len(fs.deleted) != 0 {
				t.Fatalf("phase %s, deleted %v: want still recording, nothing discarded", c.s.Phase, fs.deleted)
			}
			hangup(t, c, 5*time.Second)
			if len(fs.deposited) != 1 || fs.deposited[0].Duration != 6*time.Second {
				t.Errorf("deposited %+v: want the message, measured (6 s)", fs.deposited)
			}
		})
	}
}

// A recording that cannot be started is told to the caller before the
// call goes back to the dialplan with FAILED.
func TestCallRecordFailureIsAnnounced(t *testing.T) {
	c, fa, _, _ := newTestCall(t)
	fa.recordErr = &ari.StatusError{Method: "POST", Path: "/channels/ch-1/record", Status: 500, Message: "Internal Server Error"}
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	c.step(ctx, menus.Digit('#'))
	drain(t, c)
	c.step(ctx, menus.PromptDone(c.s.Playback))
	fa.mu.Lock()
	defer fa.mu.Unlock()
	sorry := slices.Index(fa.calls, "play sound:vm-sorry")
	cont := slices.Index(fa.calls, "continue")
	if sorry < 0 || cont < sorry || !slices.Contains(fa.calls, "set VOICEMAIL_STATUS=FAILED") {
		t.Errorf("ARI calls %q: want vm-sorry, then back to the dialplan with FAILED", fa.calls)
	}
}
