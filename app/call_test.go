package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakes of the app's own consumer interfaces: they record what the call
// asked for.
type fakeARI struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeARI) log(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeARI) Play(_ context.Context, _, id string, media []string, _ string) (ari.Playback, error) {
	f.log("play " + media[0])
	return ari.Playback{ID: id}, nil
}
func (f *fakeARI) StopPlayback(context.Context, string) error { f.log("stop"); return nil }
func (f *fakeARI) ControlPlayback(_ context.Context, _ string, op ari.PlaybackOperation) error {
	f.log("control " + string(op))
	return nil
}
func (f *fakeARI) Record(_ context.Context, _ string, o ari.RecordOptions) (ari.LiveRecording, error) {
	f.log("record " + o.Name)
	return ari.LiveRecording{Name: o.Name}, nil
}
func (f *fakeARI) Hangup(context.Context, string, string) error { f.log("hangup"); return nil }
func (f *fakeARI) SetVariable(_ context.Context, _, name, value string) error {
	f.log("set " + name + "=" + value)
	return nil
}
func (f *fakeARI) Continue(context.Context, string, string, string, int, string) error {
	f.log("continue")
	return nil
}

type fakeStore struct {
	mu        sync.Mutex
	deposited []state.Message
	depErr    error
	// failures makes the next Deposit calls fail as if Redis were down.
	failures int
	deleted  []string
	seconds  int
	// sessErr is what SaveSession returns.
	sessErr error
}

func (f *fakeStore) Authenticate(context.Context, state.MailboxID, string) (state.Mailbox, error) {
	return state.Mailbox{}, state.ErrWrongPIN
}
func (f *fakeStore) Counts(context.Context, state.MailboxID) (state.Counts, error) {
	return state.Counts{}, nil
}
func (f *fakeStore) Greetings(context.Context, state.MailboxID) (map[state.GreetingKind]string, error) {
	return nil, nil
}
func (f *fakeStore) Copy(context.Context, string, string) error { return nil }
func (f *fakeStore) SaveSession(context.Context, state.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessErr
}
func (f *fakeStore) EndSession(context.Context, string, int64) error { return nil }
func (f *fakeStore) Own(context.Context, string, string, bool) error { return nil }
func (f *fakeStore) Deposit(_ context.Context, m state.Message) (state.MWI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.depErr != nil {
		return state.MWI{}, f.depErr
	}
	if f.failures > 0 {
		f.failures--
		return state.MWI{}, errors.New("redis: connection refused")
	}
	f.deposited = append(f.deposited, m)
	return state.MWI{New: len(f.deposited), Version: int64(len(f.deposited))}, nil
}
func (f *fakeStore) Messages(context.Context, state.MailboxID, state.Folder) ([]state.Message, error) {
	return nil, nil
}
func (f *fakeStore) Move(context.Context, state.MailboxID, string, state.Folder) (state.MWI, error) {
	return state.MWI{}, nil
}
func (f *fakeStore) CloseFolder(context.Context, state.MailboxID, state.Folder, []string, []string) ([]string, state.MWI, error) {
	return nil, state.MWI{}, nil
}
func (f *fakeStore) Delete(_ context.Context, names ...string) error {
	f.mu.Lock()
	f.deleted = append(f.deleted, names...)
	f.mu.Unlock()
	return nil
}
func (f *fakeStore) Seconds(context.Context, string) (int, error) { return f.seconds, nil }

type fakeMWI struct {
	mu      sync.Mutex
	changed []state.MailboxID
}

func (f *fakeMWI) Changed(id state.MailboxID) {
	f.mu.Lock()
	f.changed = append(f.changed, id)
	f.mu.Unlock()
}

func newTestCall(t *testing.T) (*call, *fakeARI, *fakeStore, *fakeMWI) {
	t.Helper()
	engine, err := menus.New(menus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fa, fs, fm := &fakeARI{}, &fakeStore{}, &fakeMWI{}
	deps := &callDeps{engine: engine, player: fa, recorder: fa, channel: fa, auth: fs, sessions: fs,
		messages: fs, audio: fs, mwi: fm, cfg: DefaultConfig().Voicemail}
	return newCall("ch-1", deps, zap.NewNop()), fa, fs, fm
}

func testDeposit() *menus.Deposit {
	return &menus.Deposit{Mailbox: "1001@default", Number: "1001", MinSeconds: 2, MaxSeconds: 60,
		MessageID: "m1", Recording: "voicemail/default/1001/msg/m1", CallerNum: "2001", CallerName: "Carol"}
}

// drain applies the queued events (results the call pushed to itself).
func drain(t *testing.T, c *call) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for {
		c.in.mu.Lock()
		n := len(c.in.items)
		c.in.mu.Unlock()
		if n == 0 {
			return
		}
		it, ok := c.in.pop(ctx)
		if !ok {
			t.Fatal("inbox did not drain")
		}
		if it.fn != nil {
			it.fn(ctx)
			continue
		}
		c.step(ctx, it.ev)
	}
}

func TestCallDepositSavesEnvelopeAndTellsMWI(t *testing.T) {
	c, fa, fs, fm := newTestCall(t)
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	c.step(ctx, menus.Digit('#'))
	c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: "voicemail/default/1001/msg/m1", Duration: 6}})
	drain(t, c)
	if len(fs.deposited) != 1 {
		t.Fatalf("deposited %d messages, want 1", len(fs.deposited))
	}
	m := fs.deposited[0]
	if m.CallerNum != "2001" || m.CallerName != "Carol" || m.Duration != 6*time.Second || m.Recording != "voicemail/default/1001/msg/m1" || m.Origin != "1001@default" {
		t.Errorf("envelope %+v", m)
	}
	if len(fm.changed) != 1 || fm.changed[0].String() != "1001@default" {
		t.Errorf("MWI told %v, want 1001@default once", fm.changed)
	}
	want := []string{"play sound:vm-theperson", "stop", "record voicemail/default/1001/msg/m1", "play sound:vm-msgsaved"}
	if got := fa.calls; len(got) != len(want) {
		t.Fatalf("ARI calls %q, want %q", got, want)
	}
	for i := range want {
		if fa.calls[i] != want[i] {
			t.Errorf("ARI call %d = %q, want %q", i, fa.calls[i], want[i])
		}
	}
}

func TestCallHangupBeforeRecordingEndMeasuresAudio(t *testing.T) {
	for _, tt := range []struct {
		seconds    int
		wantSaved  bool
		wantDelete bool
	}{
		{seconds: 9, wantSaved: true},
		{seconds: 1, wantDelete: true},
	} {
		c, _, fs, _ := newTestCall(t)
		fs.seconds = tt.seconds
		ctx := context.Background()
		c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
		c.step(ctx, menus.Digit('#'))
		c.step(ctx, menus.Event{Kind: menus.EvHangup})
		if got := len(fs.deposited) == 1; got != tt.wantSaved {
			t.Errorf("%ds: saved = %v, want %v", tt.seconds, got, tt.wantSaved)
		}
		if tt.wantSaved && fs.deposited[0].Duration != time.Duration(tt.seconds)*time.Second {
			t.Errorf("%ds: duration %s", tt.seconds, fs.deposited[0].Duration)
		}
		if got := len(fs.deleted) == 1; got != tt.wantDelete {
			t.Errorf("%ds: audio deleted = %v, want %v", tt.seconds, got, tt.wantDelete)
		}
	}
}

func TestCallFullMailboxAtSaveDiscardsAudio(t *testing.T) {
	c, fa, fs, _ := newTestCall(t)
	fs.depErr = state.ErrMailboxFull
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	c.step(ctx, menus.Digit('#'))
	c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: "voicemail/default/1001/msg/m1", Duration: 6}})
	drain(t, c)
	if len(fs.deleted) != 1 {
		t.Errorf("audio of the refused message not deleted: %v", fs.deleted)
	}
	if last := fa.calls[len(fa.calls)-1]; last != "play sound:vm-mailboxfull" {
		t.Errorf("last ARI call %q, want the mailbox-full prompt", last)
	}
}

func TestCallRetriesDepositWhileRedisIsDown(t *testing.T) {
	c, _, fs, _ := newTestCall(t)
	fs.failures = 3
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	c.step(ctx, menus.Digit('#'))
	c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: "voicemail/default/1001/msg/m1", Duration: 6}})
	drain(t, c)
	if len(fs.deposited) != 1 {
		t.Fatalf("deposited %d messages after Redis came back, want 1", len(fs.deposited))
	}
	if len(fs.deleted) != 0 {
		t.Errorf("audio deleted: %v", fs.deleted)
	}
}

// An instance that was presumed dead and lost the call (its session save
// is refused as stale) does nothing more for it: no prompt, no hang-up.
func TestCallTakenOverElsewhereStops(t *testing.T) {
	c, fa, fs, _ := newTestCall(t)
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: "1001@default"}})
	played := len(fa.calls)
	fs.mu.Lock()
	fs.sessErr = fmt.Errorf("state: save session: %w", state.ErrStaleEpoch)
	fs.mu.Unlock()
	c.step(ctx, menus.Timeout(c.s.TimerGen))
	c.step(ctx, menus.PromptDone(c.s.Playback))
	if !c.gone {
		t.Fatal("a stale save did not make the call leave")
	}
	if len(fa.calls) != played {
		t.Errorf("after losing the call it still did %v", fa.calls[played:])
	}
}

func TestMediaURI(t *testing.T) {
	for in, want := range map[string]string{
		"vm-login":                    "sound:vm-login",
		"digits/1":                    "sound:digits/1",
		"recording:voicemail/x/msg/m": "recording:voicemail/x/msg/m",
	} {
		if got := mediaURI(in); got != want {
			t.Errorf("mediaURI(%q) = %q, want %q", in, got, want)
		}
	}
}
