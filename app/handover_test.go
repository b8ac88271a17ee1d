package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// moverFunc is a call.Mover made of a function.
type moverFunc func(ctx context.Context, channelID, app string) error

func (f moverFunc) Move(ctx context.Context, channelID, app string, _ []string) error {
	return f(ctx, channelID, app)
}

// handoverRig is instance "leaver" on a fake Asterisk and a private Redis,
// with a live peer "peer" (app voicemail-peer) and call c1 at the main
// menu's login, whose handover Moves go to mover.
type handoverRig struct {
	t     *testing.T
	ctx   context.Context
	srv   *aritest.Server
	cfg   Config
	store *state.Store // the test's own look at Redis
}

func newHandoverRig(t *testing.T) *handoverRig {
	t.Helper()
	srv := aritest.NewServer(t)
	rdb := redistest.Start(t)
	cfg := DefaultConfig()
	cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = srv.URL(), aritest.DefaultUsername, aritest.DefaultPassword
	cfg.ARI.Broadcast = true
	cfg.Redis.Addrs = []string{rdb.Options().Addr}
	cfg.Ops.Listen = ""
	cfg.Instance.ID = "leaver"
	cfg.Instance.Lease = 500 * time.Millisecond
	cfg.Voicemail.PINHashCost = 4
	store, err := newStore(cfg, rdb, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	must(t, store.Renew(ctx, "peer", "voicemail-peer", time.Minute))
	return &handoverRig{t: t, ctx: ctx, srv: srv, cfg: cfg, store: store}
}

// session returns c1's session.
func (r *handoverRig) session() state.Session {
	r.t.Helper()
	s, err := r.store.LoadSession(r.ctx, "c1")
	must(r.t, err)
	return s
}

// owned reports whether c1 is listed among the leaver's calls.
func (r *handoverRig) owned() bool {
	r.t.Helper()
	ids, err := r.store.Owned(r.ctx, "leaver")
	must(r.t, err)
	return slices.Contains(ids, "c1")
}

// A handover counts only when the receiver confirms it (its claim bumps
// the session's epoch). A Move that never left the process, one that got
// no answer, and one that Asterisk took but that never reached the peer
// leave the call this instance's: still listed as its own, its session
// untouched (review H2).
func TestHandOverCountsOnlyConfirmedMoves(t *testing.T) {
	notSent := fmt.Errorf("ari: POST /channels/c1/move: %w: %w", ari.ErrNotSent, context.DeadlineExceeded)
	noAnswer := fmt.Errorf("ari: POST /channels/c1/move: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		name   string
		move   func(r *handoverRig) error
		handed bool
		// then says what becomes of a call not handed over: left to a
		// reaper (no Move can be pending) or ended here (one may be).
		then string
	}{
		{"not sent", func(*handoverRig) error { return notSent }, false, "leave"},
		{"no answer", func(*handoverRig) error { return noAnswer }, false, "end"},
		{"refused", func(*handoverRig) error {
			return &ari.StatusError{Method: "POST", Path: "/channels/c1/move", Status: 500, Message: "Failed to switch Stasis applications"}
		}, false, "leave"},
		{"accepted, never arrives", func(*handoverRig) error { return nil }, false, "end"},
		{"accepted, claimed by the peer", func(r *handoverRig) error {
			// The peer's StasisStart, then its claim (adopt).
			_, err := r.store.ClaimSession(r.ctx, "c1", "peer", "voicemail-peer", "")
			return err
		}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newHandoverRig(t)
			a, err := New(r.cfg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			deps := *a.nodes[0].deps
			deps.Lease = nil // no lease loop runs here: self-fencing is fence_test.go's
			var moved []string
			deps.Mover = moverFunc(func(_ context.Context, id, app string) error {
				moved = append(moved, id+" to "+app)
				return tc.move(r)
			})
			c := call.New("c1", &deps, a.log)
			cctx, stop := context.WithCancel(r.ctx)
			done := make(chan struct{})
			go func() { defer close(done); c.Run(cctx) }()
			defer func() { stop(); <-done }()
			started := make(chan struct{})
			c.Do(func(ctx context.Context) {
				must(t, deps.Sessions.Own(ctx, "leaver", "c1", true))
				c.Step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain}})
				close(started)
			})
			<-started

			hctx, cancel := context.WithTimeout(r.ctx, time.Second)
			defer cancel()
			out := a.handOver(hctx, []*liveCall{{Call: c}})
			if !slices.Equal(moved, []string{"c1 to voicemail-peer"}) {
				t.Errorf("moves %q, want c1 to voicemail-peer", moved)
			}
			if handed := len(out.end)+len(out.leave) == 0; handed != tc.handed {
				t.Fatalf("handed over: %v, want %v", handed, tc.handed)
			}
			if then := map[bool]string{true: "end"}[len(out.end) > 0] + map[bool]string{true: "leave"}[len(out.leave) > 0]; then != tc.then {
				t.Errorf("a call not handed over is to %q, want %q", then, tc.then)
			}
			stop()
			<-done
			if c.Gone() != tc.handed {
				t.Errorf("call gone from this instance: %v, want %v", c.Gone(), tc.handed)
			}
			if owned := r.owned(); owned == tc.handed {
				t.Errorf("still listed as the leaver's: %v, want %v", owned, !tc.handed)
			}
			if s := r.session(); !tc.handed && (s.Instance != "leaver" || s.Epoch != 1) {
				t.Errorf("session owned by %q at epoch %d, want the leaver's at 1", s.Instance, s.Epoch)
			}
		})
	}
}

// An instance that stops while its handover of a call is not confirmed
// must not leave the cluster: Leave would delete its list of calls, and
// nobody would take that call over. A call whose Move Asterisk refused is
// left, untouched, to whoever reaps the instance, which lets its lease run
// out at once; a call whose Move Asterisk took but that never reached the
// peer is hung up cleanly here (review H2).
func TestStopWithUnconfirmedHandover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int  // the answer to the Move
		hungUp   bool // the call is ended here
		leaveNow bool // the instance leaves the cluster
	}{
		{"move refused", 500, false, false},
		{"move taken, never arrives", 204, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newHandoverRig(t)
			r.srv.Handle("POST", "/ari/channels/c1/move", func(w http.ResponseWriter, req *http.Request) {
				w.WriteHeader(tc.status)
			})
			a, err := New(r.cfg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(r.ctx)
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx) }()
			must(t, r.srv.WaitConnected(r.ctx, 1))
			must(t, r.srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail-leaver"},
				Args: []string{"main"}, Channel: ari.Channel{ID: "c1", State: "Up"}}))
			waitPlay(t, r.ctx, r.srv, "vm-login")
			stop() // SIGTERM
			select {
			case err := <-done:
				must(t, err)
			case <-r.ctx.Done():
				t.Fatal("Run did not return")
			}
			if _, err := r.srv.WaitRequest(r.ctx, "POST", "/ari/channels/c1/move"); err != nil {
				t.Fatal("no handover was tried")
			}
			hungUp := false
			for _, q := range r.srv.Requests() {
				hungUp = hungUp || q.Method == "DELETE" && q.Path == "/ari/channels/c1"
			}
			if hungUp != tc.hungUp {
				t.Errorf("hung up: %v, want %v", hungUp, tc.hungUp)
			}
			ins, err := r.store.Instances(r.ctx)
			must(t, err)
			i := slices.IndexFunc(ins, func(in state.Instance) bool { return in.ID == "leaver" })
			if left := i < 0; left != tc.leaveNow {
				t.Fatalf("left the cluster: %v, want %v (instances %+v)", left, tc.leaveNow, ins)
			}
			if tc.leaveNow {
				return
			}
			if !ins[i].Expired() {
				t.Errorf("a stopped instance's lease still runs for %v", ins[i].Left)
			}
			if !r.owned() {
				t.Error("the call is not listed among the stopped instance's for its reaper")
			}
			if s := r.session(); s.Instance != "leaver" || s.Epoch != 1 {
				t.Errorf("session owned by %q at epoch %d, want the leaver's at 1", s.Instance, s.Epoch)
			}
		})
	}
}

// A call being recorded at a stop is not moved: Asterisk would move it only
// once the recording ended, and a second Move by the reaper would then
// move it again. It is left, untouched, to whoever reaps the instance,
// whose lease ends at once; its Move comes from the reaper alone.
func TestStopLeavesARecordingToTheReaper(t *testing.T) {
	r := newHandoverRig(t)
	r.cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234"}}
	a, err := New(r.cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer stop()
	must(t, r.srv.WaitConnected(r.ctx, 1))
	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "2001"}}
	must(t, r.srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail-leaver"},
		Args: []string{"deposit", "1001"}, Channel: ch}))
	// The greeting ends; the recording starts.
	play, err := r.srv.WaitRequest(r.ctx, "POST", "/ari/channels/c1/play/")
	must(t, err)
	pb := play.Path[len("/ari/channels/c1/play/"):]
	must(t, r.srv.Send(ari.PlaybackFinished{Meta: ari.Meta{Type: "PlaybackFinished", Application: "voicemail-leaver"},
		Playback: ari.Playback{ID: pb, TargetURI: "channel:c1", State: "done"}}))
	_, err = r.srv.WaitRequest(r.ctx, "POST", "/ari/channels/c1/record")
	must(t, err)
	stop() // SIGTERM
	select {
	case err := <-done:
		must(t, err)
	case <-r.ctx.Done():
		t.Fatal("Run did not return")
	}
	for _, q := range r.srv.Requests() {
		if q.Path == "/ari/channels/c1/move" || q.Method == "DELETE" && q.Path == "/ari/channels/c1" {
			t.Errorf("%s %s at the stop: the recording is the reaper's to move", q.Method, q.Path)
		}
	}
	ins, err := r.store.Instances(r.ctx)
	must(t, err)
	i := slices.IndexFunc(ins, func(in state.Instance) bool { return in.ID == "leaver" })
	if i < 0 || !ins[i].Expired() || ins[i].App != "voicemail-leaver" {
		t.Fatalf("instances after the stop: %+v, want the leaver listed with its app, its lease over", ins)
	}
	if !r.owned() {
		t.Error("the recording call is not listed among the stopped instance's for its reaper")
	}
	if s := r.session(); s.Instance != "leaver" || s.Epoch != 1 || !strings.Contains(string(s.Menu), string(menus.PhaseRecording)) {
		t.Errorf("session owned by %q at epoch %d with %s, want the leaver's at 1, recording", s.Instance, s.Epoch, s.Menu)
	}
}
