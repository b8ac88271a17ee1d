package call

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakes of the call's own consumer interfaces: they record what the call
// asked for.
type fakeARI struct {
	mu    sync.Mutex
	calls []string
	// recordErr is what Record returns once recordErrs, what the next
	// Record calls return, is used up.
	recordErr  error
	recordErrs []error
	// ifExists are the record requests' ifExists, in order.
	ifExists []string
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
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ifExists = append(f.ifExists, o.IfExists)
	if len(f.recordErrs) > 0 {
		err := f.recordErrs[0]
		f.recordErrs = f.recordErrs[1:]
		return ari.LiveRecording{Name: o.Name}, err
	}
	return ari.LiveRecording{Name: o.Name}, f.recordErr
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

// errTimeout is a reply lost on the way back: the command may have run.
var errTimeout = errors.New("redis: i/o timeout")

// errRefused is Redis out of reach: the command did not run.
var errRefused = errors.New("redis: connection refused")

// fakeStore is Redis and the recordings for one mailbox, 1001@default. Its
// failure knobs fail the next calls of one operation, as Redis or ARI
// would: some before the command ran, some (the *Stored ones) after.
type fakeStore struct {
	mu        sync.Mutex
	deposited []state.Message
	depErr    error
	// failures makes the next Deposit calls fail as if Redis were down;
	// depStored makes the next ones store the message and then fail as if
	// the reply were lost.
	failures  int
	depStored int
	deleted   []string
	copied    []string
	seconds   int
	// secErrs are what the next Seconds calls return instead.
	secErrs []error
	// sessErr is what SaveSession returns once saveErrs is used up;
	// saveErrs are what the next SaveSession calls return.
	sessErr  error
	saveErrs []error
	// saved counts the sessions stored, and sessions holds them; ended
	// and unowned say whether the session was ended and the call
	// forgotten.
	saved    int
	sessions []state.Session
	ended    bool
	unowned  bool
	// endErrs fail the next EndSession calls; ends counts the calls.
	endErrs []error
	ends    int
	// menus are the menu states of the sessions stored, in order.
	menus [][]byte
	// ops logs the store's writes in order: save, deposit, close,
	// greeting, pin, delete.
	ops []string
	// msgs are the messages of the mailbox: id to recording.
	msgs map[string]string
	// closeErrs fail the next CloseFolder calls before they run;
	// closeStored makes the next ones apply and then fail.
	closeErrs   []error
	closeStored int
	closes      int
	// greetings are the mailbox's greetings; greetStored makes the next
	// SetGreeting calls store and then fail.
	greetings   map[state.GreetingKind]string
	greetStored int
	// pin is the mailbox's PIN; pinStored makes the next SetPIN calls
	// store and then fail.
	pin       string
	pinStored int
	// pinDeadline says whether the last SetPIN had a deadline.
	pinDeadline bool
	// authErrs fail the next Authenticate calls, as Redis out of reach
	// does; auths counts the calls.
	authErrs []error
	auths    int
	// saveGate, when set, holds each SaveSession until it can receive.
	saveGate chan struct{}
}

func (f *fakeStore) Authenticate(_ context.Context, _ state.MailboxID, pin string) (state.Mailbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auths++
	if len(f.authErrs) > 0 {
		err := f.authErrs[0]
		f.authErrs = f.authErrs[1:]
		return state.Mailbox{}, err
	}
	if f.pin == "" || pin != f.pin {
		return state.Mailbox{}, state.ErrWrongPIN
	}
	return state.Mailbox{}, nil
}
func (f *fakeStore) Counts(context.Context, state.MailboxID) (state.Counts, error) {
	return state.Counts{}, nil
}
func (f *fakeStore) Greetings(context.Context, state.MailboxID) (map[state.GreetingKind]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.greetings), nil
}
func (f *fakeStore) Copy(_ context.Context, from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied = append(f.copied, to)
	return nil
}
func (f *fakeStore) SaveSession(_ context.Context, sess state.Session) error {
	if f.saveGate != nil {
		<-f.saveGate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.sessErr
	if len(f.saveErrs) > 0 {
		err, f.saveErrs = f.saveErrs[0], f.saveErrs[1:]
	}
	if err == nil {
		f.saved++
		f.sessions = append(f.sessions, sess)
		f.ops = append(f.ops, "save")
		f.menus = append(f.menus, sess.Menu)
	}
	return err
}
func (f *fakeStore) EndSession(context.Context, string, int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ends++
	if len(f.endErrs) > 0 {
		err := f.endErrs[0]
		f.endErrs = f.endErrs[1:]
		return err
	}
	f.ended = true
	return nil
}
func (f *fakeStore) Own(_ context.Context, _, _ string, own bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !own {
		f.unowned = true
	}
	return nil
}
func (f *fakeStore) Deposit(_ context.Context, m state.Message) (state.MWI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.depErr != nil {
		return state.MWI{}, f.depErr
	}
	if f.failures > 0 {
		f.failures--
		return state.MWI{}, errRefused
	}
	if !slices.ContainsFunc(f.deposited, func(d state.Message) bool { return d.ID == m.ID && d.Mailbox == m.Mailbox }) {
		f.deposited = append(f.deposited, m)
		f.ops = append(f.ops, "deposit")
	}
	if f.depStored > 0 {
		f.depStored--
		return state.MWI{}, errTimeout
	}
	return state.MWI{New: len(f.deposited), Version: int64(len(f.deposited))}, nil
}
func (f *fakeStore) Messages(context.Context, state.MailboxID, state.Folder) ([]state.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []state.Message
	for _, id := range slices.Sorted(maps.Keys(f.msgs)) {
		out = append(out, state.Message{ID: id, Recording: f.msgs[id], Folder: state.FolderNew, Received: time.Now(), Duration: 5 * time.Second})
	}
	return out, nil
}
func (f *fakeStore) Message(_ context.Context, id state.MailboxID, msgID string) (state.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.msgs[msgID]
	if !ok {
		// A message deposited (a forward's copy) is found in its mailbox.
		for _, d := range f.deposited {
			if d.ID == msgID && d.Mailbox == id {
				return d, nil
			}
		}
		return state.Message{}, state.ErrMessageNotFound
	}
	return state.Message{ID: msgID, Mailbox: id, Recording: rec, Folder: state.FolderNew, Received: time.Now(), Duration: 5 * time.Second}, nil
}
func (f *fakeStore) Move(context.Context, state.MailboxID, string, state.Folder) (state.MWI, error) {
	return state.MWI{}, nil
}
func (f *fakeStore) CloseFolder(_ context.Context, _ state.MailboxID, _ state.Folder, _, deleted []string) ([]string, state.MWI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	if len(f.closeErrs) > 0 {
		err := f.closeErrs[0]
		f.closeErrs = f.closeErrs[1:]
		return nil, state.MWI{}, err
	}
	var removed []string
	for _, id := range deleted {
		if rec, ok := f.msgs[id]; ok {
			removed = append(removed, rec)
			delete(f.msgs, id)
		}
	}
	f.ops = append(f.ops, "close")
	if f.closeStored > 0 {
		f.closeStored--
		return nil, state.MWI{}, errTimeout
	}
	return removed, state.MWI{New: len(f.msgs)}, nil
}
func (f *fakeStore) SetGreeting(_ context.Context, _ state.MailboxID, kind state.GreetingKind, rec string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.greetings == nil {
		f.greetings = map[state.GreetingKind]string{}
	}
	prev := f.greetings[kind]
	f.greetings[kind] = rec
	f.ops = append(f.ops, "greeting")
	if f.greetStored > 0 {
		f.greetStored--
		return "", errTimeout
	}
	if prev == rec {
		return "", nil
	}
	return prev, nil
}
func (f *fakeStore) ClearGreeting(_ context.Context, _ state.MailboxID, kind state.GreetingKind) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.greetings[kind]
	delete(f.greetings, kind)
	f.ops = append(f.ops, "greeting")
	return prev, nil
}
func (f *fakeStore) SetPIN(ctx context.Context, _ state.MailboxID, pin string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, f.pinDeadline = ctx.Deadline()
	f.pin = pin
	f.ops = append(f.ops, "pin")
	if f.pinStored > 0 {
		f.pinStored--
		return errTimeout
	}
	return nil
}
func (f *fakeStore) Delete(_ context.Context, names ...string) error {
	f.mu.Lock()
	f.deleted = append(f.deleted, names...)
	f.ops = append(f.ops, "delete")
	f.mu.Unlock()
	return nil
}

// Exists reports a recording as stored unless it was deleted.
func (f *fakeStore) Exists(_ context.Context, name string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !slices.Contains(f.deleted, name), nil
}
func (f *fakeStore) Seconds(context.Context, string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.secErrs) > 0 {
		err := f.secErrs[0]
		f.secErrs = f.secErrs[1:]
		return 0, err
	}
	return f.seconds, nil
}

type fakeMWI struct {
	mu      sync.Mutex
	changed []state.MailboxID
}

func (f *fakeMWI) Changed(id state.MailboxID) {
	f.mu.Lock()
	f.changed = append(f.changed, id)
	f.mu.Unlock()
}

// testConfig is the app's default voicemail settings.
var testConfig = Config{Defaults: state.Settings{Envelope: true, SayDuration: true, MinMessage: 2 * time.Second,
	MaxMessage: 5 * time.Minute, MaxSilence: 10 * time.Second, MaxMessages: 100}}

func newTestCall(t *testing.T) (*call, *fakeARI, *fakeStore, *fakeMWI) {
	t.Helper()
	engine, err := menus.New(menus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fa, fs, fm := &fakeARI{}, &fakeStore{}, &fakeMWI{}
	deps := &callDeps{engine: engine, player: fa, recorder: fa, channel: fa, auth: fs, sessions: fs,
		messages: fs, reader: fs, owner: fs, audio: fs, mwi: fm, cfg: testConfig}
	return newCall("ch-1", deps, zap.NewNop()), fa, fs, fm
}

func testDeposit() *menus.Deposit {
	return &menus.Deposit{Mailbox: mailbox.MustParseID("1001@default"), Number: "1001", MinSeconds: 2, MaxSeconds: 60,
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
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: mailbox.MustParseID("1001@default")}})
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
	c.step(ctx, menus.Digit('1'))
	if len(fa.calls) != played {
		t.Errorf("a key after losing the call was acted on: %v", fa.calls[played:])
	}
}

// A prompt sent along with its step's save (saveAlong) whose save is
// refused as stale is stopped at once, and nothing more is done.
func TestCallTakenOverStopsThePromptSentAlong(t *testing.T) {
	c, fa, fs := loggedIn(t)
	fs.mu.Lock()
	fs.sessErr = fmt.Errorf("state: save session: %w", state.ErrStaleEpoch)
	fs.mu.Unlock()
	played := len(fa.calls)
	c.step(context.Background(), menus.Digit('1'))
	if !c.gone {
		t.Fatal("a stale save did not make the call leave")
	}
	got := fa.calls[played:]
	if len(got) != 2 || !strings.HasPrefix(got[0], "play ") || got[1] != "stop" {
		t.Errorf("after losing the call it did %v, want its prompt stopped and nothing more", got)
	}
	c.step(context.Background(), menus.PromptDone(c.s.Playback))
	if len(fa.calls) != played+2 {
		t.Errorf("after losing the call it still did %v", fa.calls[played+2:])
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

const (
	recM1 = "voicemail/default/1001/msg/m1"
	recM2 = "voicemail/default/1001/msg/m2"
)

// loggedIn returns a call logged in to 1001@default, whose New folder
// holds m1 and m2, at the main menu with its prompt ended.
func loggedIn(t *testing.T) (*call, *fakeARI, *fakeStore) {
	t.Helper()
	c, fa, fs, _ := newTestCall(t)
	fs.pin = "2580"
	fs.msgs = map[string]string{"m1": recM1, "m2": recM2}
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: mailbox.MustParseID("1001@default")}})
	for _, d := range "2580#" {
		c.step(ctx, menus.Digit(byte(d)))
	}
	drain(t, c)
	if c.s.Box == nil || len(c.s.Box.Msgs) != 2 {
		t.Fatalf("login: menu %s, box %+v", c.s.Menu, c.s.Box)
	}
	c.step(ctx, menus.PromptDone(c.s.Playback))
	return c, fa, fs
}

// deleteFirst marks m1 deleted: 1 plays it, 7 deletes it.
func deleteFirst(t *testing.T, c *call) {
	t.Helper()
	ctx := context.Background()
	c.step(ctx, menus.Digit('1'))
	c.step(ctx, menus.PromptDone(c.s.Playback))
	c.step(ctx, menus.PromptDone(c.s.Playback))
	c.step(ctx, menus.Digit('7'))
	if !c.s.Box.Msgs[0].Deleted {
		t.Fatalf("m1 not marked deleted: %+v", c.s.Box.Msgs[0])
	}
}

// inReview returns a call that has recorded a take of the unavailable
// greeting and is reviewing it.
func inReview(t *testing.T) (*call, *fakeStore) {
	t.Helper()
	c, _, fs := loggedIn(t)
	ctx := context.Background()
	c.step(ctx, menus.Digit('0'))
	c.step(ctx, menus.Digit('1'))
	c.step(ctx, menus.PromptDone(c.s.Playback))
	drain(t, c) // the take is named (EvTakeNamed), then recorded
	if c.recording == "" {
		t.Fatal("no greeting take started")
	}
	c.step(ctx, menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: c.recording, Duration: 4}})
	if c.s.Menu != menus.MenuGreetingReview {
		t.Fatalf("menu %s, want the review", c.s.Menu)
	}
	return c, fs
}

// recording returns a call recording a message for 1001.
func recording(t *testing.T) (*call, *fakeStore) {
	t.Helper()
	c, _, fs, _ := newTestCall(t)
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	c.step(ctx, menus.Digit('#'))
	if c.s.Phase != menus.PhaseRecording {
		t.Fatalf("phase %s, want recording", c.s.Phase)
	}
	return c, fs
}

// hangup applies a hang-up as the call's goroutine does, with what it
// queues, until the call ends or leaves; it fails the test if that takes
// longer than limit.
func hangup(t *testing.T, c *call, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c.in.push(item{ev: menus.Event{Kind: menus.EvHangup}})
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx) }()
	select {
	case <-done:
	case <-time.After(limit + 5*time.Second):
		t.Fatal("the call did not end")
	}
}

// result returns the event the call queued for itself.
func result(t *testing.T, c *call) menus.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	it, ok := c.in.pop(ctx)
	if !ok || it.fn != nil {
		t.Fatal("no result queued")
	}
	return it.ev
}
