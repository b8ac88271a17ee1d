package app

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// takeoverRig is an instance of the app, "survivor", on a fake Asterisk and
// a private Redis, where instance "dead" (app voicemail-dead) owned call c1,
// a caller being asked for their mailbox, and its lease ran out.
type takeoverRig struct {
	t     *testing.T
	ctx   context.Context
	srv   *aritest.Server
	cfg   Config
	store *state.Store // the test's own look at Redis
}

func newTakeoverRig(t *testing.T) *takeoverRig {
	t.Helper()
	engine, err := menus.New(menus.Config{})
	must(t, err)
	st, _ := engine.Step(menus.State{Channel: "c1"}, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain}})
	return newRigOf(t, "dead", time.Millisecond, st)
}

// newRigOf is newTakeoverRig for call c1 in state st, owned by instance
// owner (app voicemail-owner), whose lease has lease left.
func newRigOf(t *testing.T, owner string, lease time.Duration, st menus.State) *takeoverRig {
	t.Helper()
	srv := aritest.NewServer(t)
	rdb := redistest.Start(t)
	cfg := DefaultConfig()
	cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = srv.URL(), aritest.DefaultUsername, aritest.DefaultPassword
	cfg.ARI.Broadcast = true
	cfg.Redis.Addrs = []string{rdb.Options().Addr}
	cfg.Ops.Listen = ""
	cfg.Instance.ID = "survivor"
	cfg.Instance.Lease = 500 * time.Millisecond
	cfg.Voicemail.PINHashCost = 4
	store, err := newStore(cfg, rdb, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	r := &takeoverRig{t: t, ctx: ctx, srv: srv, cfg: cfg, store: store}

	engine, err := menus.New(menus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	menu, err := json.Marshal(st.Split(engine.Tree()))
	must(t, err)
	app := "voicemail-" + owner
	must(t, store.SaveSession(ctx, state.Session{ChannelID: "c1", Instance: owner, App: app, Epoch: 1, Menu: menu}))
	must(t, store.Own(ctx, owner, "c1", true))
	must(t, store.Renew(ctx, owner, app, lease))
	srv.Handle(http.MethodGet, "/ari/applications/"+app, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"` + app + `","channel_ids":["c1"],"bridge_ids":[],"endpoint_ids":[],"device_names":[]}`))
	})
	return r
}

// run starts the survivor; it stops when the test ends.
func (r *takeoverRig) run() {
	a, err := New(r.cfg, zaptest.NewLogger(r.t))
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// arrive waits for the survivor to move c1 into its app and then sends
// the StasisStart that Asterisk sends for a moved channel.
func (r *takeoverRig) arrive() {
	r.t.Helper()
	req, err := r.srv.WaitRequest(r.ctx, http.MethodPost, "/ari/channels/c1/move")
	must(r.t, err)
	if req.Query.Get("app") != "voicemail-survivor" || req.Query.Get("appArgs") != resumeArg {
		r.t.Fatalf("move %s, want app voicemail-survivor with %s", req.RawQuery, resumeArg)
	}
	must(r.t, r.srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail-survivor"},
		Args: []string{resumeArg}, Channel: ari.Channel{ID: "c1", State: "Up"}}))
	waitPlay(r.t, r.ctx, r.srv, menus.Apology)
}

// count returns how many requests of method on path the server got.
func (r *takeoverRig) count(method, path string) int {
	n := 0
	for _, q := range r.srv.Requests() {
		if q.Method == method && q.Path == path {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or the rig's context ends.
func (r *takeoverRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	for !cond() {
		select {
		case <-r.ctx.Done():
			r.t.Fatalf("gave up waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// listed reports whether Redis still lists the instance id.
func (r *takeoverRig) listed(id string) bool {
	ins, err := r.store.Instances(r.ctx)
	must(r.t, err)
	return slices.ContainsFunc(ins, func(in state.Instance) bool { return in.ID == id })
}

// channelAnswer answers GET /channels/c1 with 500 while fail says so, and
// with the channel otherwise.
func channelAnswer(fail func() bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if fail() {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message":"Internal Server Error"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"c1","name":"PJSIP/1001-00000001","state":"Up"}`))
	}
}

// Asking Asterisk where the dead instance's call is fails once, and so
// does the first Move: the survivor asks again, moves the call again, and
// the caller goes on; only then is the dead instance forgotten (review H3).
func TestTakeoverRetriesLocateAndMove(t *testing.T) {
	r := newTakeoverRig(t)
	var gets, moves atomic.Int32
	r.srv.Handle(http.MethodGet, "/ari/channels/c1", channelAnswer(func() bool { return gets.Add(1) == 1 }))
	r.srv.Handle(http.MethodPost, "/ari/channels/c1/move", func(w http.ResponseWriter, req *http.Request) {
		if moves.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r.run()
	r.waitFor("a second move", func() bool { return moves.Load() >= 2 })
	r.arrive()
	sess, err := r.store.LoadSession(r.ctx, "c1")
	must(t, err)
	if sess.Instance != "survivor" || sess.Epoch < 2 {
		t.Errorf("session after the takeover: owner %q epoch %d, want survivor and a new epoch", sess.Instance, sess.Epoch)
	}
	r.waitFor("the dead instance to be forgotten", func() bool { return !r.listed("dead") })
}

// While no Asterisk can say where the dead instance's call is, the call is
// not claimed and the dead instance is not forgotten: its lease entry and
// its list of calls stay, and a later pass takes the call over once
// Asterisk answers again (review H3).
func TestTakeoverKeepsTheDeadWhileLocateFails(t *testing.T) {
	r := newTakeoverRig(t)
	var gets atomic.Int32
	var fixed atomic.Bool
	r.srv.Handle(http.MethodGet, "/ari/channels/c1", channelAnswer(func() bool { gets.Add(1); return !fixed.Load() }))
	r.run()
	// The first pass asks a few times and gives up; a second pass starts
	// once the first one let go of the dead instance.
	first := len(locateRetries) + 1
	r.waitFor("a second pass", func() bool { return gets.Load() > int32(first) })
	sess, err := r.store.LoadSession(r.ctx, "c1")
	must(t, err)
	if sess.Instance != "dead" || sess.Epoch != 1 {
		t.Errorf("call claimed though nobody knows where it is: owner %q epoch %d", sess.Instance, sess.Epoch)
	}
	owned, err := r.store.Owned(r.ctx, "dead")
	must(t, err)
	if !r.listed("dead") || !slices.Equal(owned, []string{"c1"}) {
		t.Errorf("dead instance forgotten (listed %v, calls %v) while its call is unresolved", r.listed("dead"), owned)
	}
	if n := r.count(http.MethodPost, "/ari/channels/c1/move"); n != 0 {
		t.Errorf("%d moves of a call nobody located", n)
	}
	fixed.Store(true)
	r.arrive()
	r.waitFor("the dead instance to be forgotten", func() bool { return !r.listed("dead") })
	sess, err = r.store.LoadSession(r.ctx, "c1")
	must(t, err)
	// Claimed once by the takeover, once more when the call arrived.
	if sess.Instance != "survivor" || sess.Epoch != 3 {
		t.Errorf("session after the takeover: owner %q epoch %d, want survivor at epoch 3", sess.Instance, sess.Epoch)
	}
}

// A process restarted with the same instance.id before its lease ran out
// (systemd's RestartSec of 2 s against a 2 s lease) renews that lease, so
// no other instance reaps the calls of the run that died: their channels
// sit in its app, listed as its own. It takes them over itself: the caller
// hears the apology and the menu again, at a new epoch, without a Move
// (chaos seed 1796318094633831024: two callers left in silence).
func TestRestartWithTheSameIDTakesItsEarlierCallsOver(t *testing.T) {
	engine, err := menus.New(menus.Config{})
	must(t, err)
	st, _ := engine.Step(menus.State{Channel: "c1"}, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain}})
	r := newRigOf(t, "survivor", time.Minute, st)
	ctx, cancel := context.WithTimeout(r.ctx, 15*time.Second)
	defer cancel()
	r.run()
	waitPlay(t, ctx, r.srv, menus.Apology)
	sess, err := r.store.LoadSession(r.ctx, "c1")
	must(t, err)
	if sess.Instance != "survivor" || sess.Epoch != 2 {
		t.Errorf("session after the restart: owner %q epoch %d, want survivor at epoch 2", sess.Instance, sess.Epoch)
	}
	if n := r.count(http.MethodPost, "/ari/channels/c1/move"); n != 0 {
		t.Errorf("%d moves of a call already in the app", n)
	}
}

// A call of the earlier run that is still recording a message when the
// restarted process takes it over waits for the recording's end, which
// comes to the same app: the message is measured by Asterisk, not cut
// half-way, and the caller hears "saved" rather than an apology.
func TestRestartWithTheSameIDWaitsForARecordingUnderWay(t *testing.T) {
	engine, err := menus.New(menus.Config{})
	must(t, err)
	st, _ := engine.Step(menus.State{Channel: "c1"}, menus.Event{Kind: menus.EvStart,
		Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: testDeposit()}})
	st, _ = engine.Step(st, menus.Digit('#'))
	if st.Phase != menus.PhaseRecording {
		t.Fatalf("phase %s, want recording", st.Phase)
	}
	r := newRigOf(t, "survivor", time.Minute, st)
	r.cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", Name: "Alice", PIN: "1234"}}
	r.run()
	ctx, cancel := context.WithTimeout(r.ctx, 15*time.Second)
	defer cancel()
	r.waitFor("the live recording to be looked at", func() bool {
		return slices.ContainsFunc(r.srv.Requests(), func(q aritest.Request) bool {
			return q.Method == http.MethodGet && strings.HasPrefix(q.Path, "/ari/recordings/live/")
		})
	})
	rec := ari.LiveRecording{Name: "voicemail/default/1001/msg/m1", Format: "wav", TargetURI: "channel:c1", State: "done", Duration: 6}
	must(t, r.srv.Send(ari.RecordingFinished{Meta: ari.Meta{Type: "RecordingFinished", Application: "voicemail-survivor"}, Recording: rec}))
	waitPlay(t, ctx, r.srv, "vm-msgsaved")
	for _, q := range r.srv.Requests() {
		if q.Method == http.MethodPost && strings.Contains(q.Query.Get("media"), menus.Apology) {
			t.Errorf("the caller heard the apology while the recording went on: %s", q.RawQuery)
		}
	}
	msgs, err := r.store.Messages(r.ctx, mailbox.MustParseID("1001@default"), state.FolderNew)
	must(t, err)
	if len(msgs) != 1 || msgs[0].Duration != 6*time.Second {
		t.Errorf("messages %+v, want the message of 6s", msgs)
	}
}

// testDeposit is a message being left in mailbox 1001 (call's tests have
// their own).
func testDeposit() *menus.Deposit {
	return &menus.Deposit{Mailbox: mailbox.MustParseID("1001@default"), Number: "1001", MinSeconds: 2, MaxSeconds: 60,
		MessageID: "m1", Recording: "voicemail/default/1001/msg/m1", CallerNum: "2001", CallerName: "Carol"}
}
