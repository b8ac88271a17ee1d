package testenv

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
)

func fakeEnv(srv *aritest.Server) Env {
	return Env{ARIURL: srv.URL(), ARIUser: aritest.DefaultUsername, ARIPass: aritest.DefaultPassword}
}

func newTestCaller(t *testing.T, srv *aritest.Server, opts ...CallerOption) *Caller {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := NewCaller(ctx, fakeEnv(srv), nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// The client's handshake can finish before the server has recorded the
	// connection; events sent in between would find nobody to send to.
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return c
}

func meta(typ string) ari.Meta {
	return ari.Meta{Type: typ, Application: "vmtest", Timestamp: ari.Time{Time: time.Now()}}
}

func channel(id, name, state, number string) ari.Channel {
	return ari.Channel{ID: id, Name: name, State: state, Caller: ari.CallerID{Number: number}}
}

// send pushes events to the Caller's WebSocket.
func send(t *testing.T, srv *aritest.Server, events ...any) {
	t.Helper()
	for _, ev := range events {
		if err := srv.Send(ev); err != nil {
			t.Fatal(err)
		}
	}
}

// enterStasis sends StasisStart for channel id once the Caller has asked to
// create it, as Asterisk does when the channel's thread enters the app.
func enterStasis(t *testing.T, srv *aritest.Server, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		if _, err := srv.WaitRequest(ctx, http.MethodPost, "/channels/create"); err != nil {
			return
		}
		_ = srv.Send(&ari.StasisStart{Meta: meta("StasisStart"), Channel: channel(id, "Local/*97@vm-test-00000001;1", "Down", "")})
	}()
}

// TestCallerSubscribesToWhatItFollows is defect 12 of issue 12: the test
// caller registered a subscribeAll app, and Asterisk 22.10 can deadlock
// its application registry when such an app leaves
// (asterisk/asterisk#2170). The Caller's WebSocket must not ask for every
// event, and a Dial must create the Local channel, subscribe to its ;2
// half and only then dial it, so no event of the voicemail side is missed.
func TestCallerSubscribesToWhatItFollows(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestCaller(t, srv, WithAppName("vmtest"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ws, err := srv.WaitRequest(ctx, http.MethodGet, "/events")
	if err != nil {
		t.Fatal(err)
	}
	if got := ws.Query.Get("subscribeAll"); got == "true" {
		t.Errorf("the caller's WebSocket asks for subscribeAll=%s", got)
	}

	enterStasis(t, srv, "t1-a")
	var seen []string
	hooked := make(chan struct{}, 16)
	call, err := c.Dial(ctx, "*97", "vm-test", "Alice <1001>", WithCallID("t1"), WithEvents(func(ev ari.Event, onB bool) {
		if onB {
			seen = append(seen, ev.EventType())
		}
		hooked <- struct{}{}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if call.A != "t1-a" || call.B != "t1-b" {
		t.Errorf("channels %s and %s, want t1-a and t1-b", call.A, call.B)
	}
	var got []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost {
			got = append(got, r.Path+"?"+r.RawQuery)
		}
	}
	want := []string{
		"/ari/channels/create?app=vmtest&channelId=t1-a&endpoint=Local%2F%2A97%40vm-test&otherChannelId=t1-b",
		"/ari/applications/vmtest/subscription?eventSource=channel%3At1-b",
		"/ari/channels/t1-a/dial?timeout=30",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n%q\nwant\n%q", got, want)
	}
	create, _ := srv.WaitRequest(ctx, http.MethodPost, "/channels/create")
	var body struct{ Variables map[string]string }
	if err := json.Unmarshal(create.Body, &body); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"CALLERID(all)": "Alice <1001>", "CONNECTEDLINE(all,i)": "Alice <1001>"}; !reflect.DeepEqual(body.Variables, want) {
		t.Errorf("create variables %v, want %v", body.Variables, want)
	}

	// A is in the app from its creation (its StasisStart came before the
	// dial): only its going Up is the answer.
	send(t, srv, &ari.ChannelStateChange{Meta: meta("ChannelStateChange"), Channel: channel("t1-b", "Local/*97@vm-test-00000001;2", "Up", "1001")})
	<-hooked
	<-hooked
	if call.Answered() {
		t.Error("answered before A went Up")
	}
	send(t, srv,
		&ari.ChannelStateChange{Meta: meta("ChannelStateChange"), Channel: channel("t1-a", "Local/*97@vm-test-00000001;1", "Up", "")},
		&ari.PlaybackStarted{Meta: meta("PlaybackStarted"), Playback: ari.Playback{ID: "p1", MediaURI: "sound:vm-password", TargetURI: "channel:t1-b"}},
		&ari.RecordingStarted{Meta: meta("RecordingStarted"), Recording: ari.LiveRecording{Name: "r", TargetURI: "channel:t1-b"}},
		&ari.ChannelDestroyed{Meta: meta("ChannelDestroyed"), Cause: 16, Channel: channel("t1-b", "Local/*97@vm-test-00000001;2", "Up", "1001")})
	if err := call.WaitAnswered(ctx); err != nil || !call.Answered() {
		t.Fatalf("WaitAnswered = %v, answered %v", err, call.Answered())
	}
	if err := call.Expect(ctx, "vm-password"); err != nil {
		t.Error(err)
	}
	if err := call.WaitRecording(ctx); err != nil {
		t.Error(err)
	}
	if cause, err := call.WaitDestroyed(ctx); err != nil || cause != 16 {
		t.Errorf("WaitDestroyed = %d, %v; want 16", cause, err)
	}
	for range 4 {
		<-hooked
	}
	if want := []string{"ChannelStateChange", "PlaybackStarted", "RecordingStarted", "ChannelDestroyed"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("the hook saw %v on B, want %v", seen, want)
	}
}

// A Dial whose subscription fails hangs A up rather than leave it in the
// app.
func TestCallerDialFailureHangsUp(t *testing.T) {
	srv := aritest.NewServer(t)
	srv.Handle(http.MethodPost, "/applications/{name}/subscription", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"message":"Provided channel was not found"}`))
	})
	c := newTestCaller(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Dial(ctx, "1001", "vm-test", "", WithCallID("t2")); err == nil {
		t.Fatal("Dial succeeded though the subscription failed")
	}
	if _, err := srv.WaitRequest(ctx, http.MethodDelete, "/channels/t2-a"); err != nil {
		t.Error(err)
	}
	for _, r := range srv.Requests() {
		if r.Path == "/ari/channels/t2-a/dial" {
			t.Error("dialled though the subscription failed")
		}
	}
}

// Follow subscribes to the endpoint while it follows a call there, binds
// the call to the first channel of that endpoint with the caller number,
// and unsubscribes when the last followed call is forgotten.
func TestCallerFollow(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestCaller(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	digits := make(chan string, 8)
	call, err := c.Follow(ctx, "PJSIP/sipp", "9100001", WithEvents(func(ev ari.Event, onB bool) {
		if d, ok := ev.(*ari.ChannelDtmfReceived); ok && onB {
			digits <- d.Digit
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Follow(ctx, "PJSIP/sipp", "9100002")
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Subscriptions(c.App()); !reflect.DeepEqual(got, []string{"endpoint:PJSIP/sipp"}) {
		t.Errorf("subscriptions %v, want [endpoint:PJSIP/sipp]", got)
	}
	if _, err := c.Follow(ctx, "PJSIP/sipp", "9100001"); err == nil {
		t.Error("a number followed twice at once")
	}

	send(t, srv,
		// Another endpoint's channel with the same number, and another
		// number on the endpoint: neither is the call.
		&ari.ChannelDtmfReceived{Meta: meta("ChannelDtmfReceived"), Digit: "9", Channel: channel("x1", "PJSIP/mwi-1001-00000001", "Up", "9100001")},
		&ari.ChannelDtmfReceived{Meta: meta("ChannelDtmfReceived"), Digit: "8", Channel: channel("x2", "PJSIP/sipp-00000002", "Up", "9100003")},
		&ari.ChannelDtmfReceived{Meta: meta("ChannelDtmfReceived"), Digit: "1", Channel: channel("s1", "PJSIP/sipp-00000003", "Up", "9100001")},
		&ari.PlaybackStarted{Meta: meta("PlaybackStarted"), Playback: ari.Playback{ID: "p1", MediaURI: "sound:vm-youhave", TargetURI: "channel:s1"}},
		&ari.ChannelDtmfReceived{Meta: meta("ChannelDtmfReceived"), Digit: "2", Channel: channel("s1", "PJSIP/sipp-00000003", "Up", "9100001")})
	if err := call.WaitFor(ctx, "vm-youhave"); err != nil {
		t.Fatal(err)
	}
	if call.B != "s1" {
		t.Errorf("followed channel %q, want s1", call.B)
	}
	// The hook saw the call's digits from the one that bound it on.
	for _, want := range []string{"1", "2"} {
		select {
		case d := <-digits:
			if d != want {
				t.Errorf("the hook saw digit %s, want %s", d, want)
			}
		case <-ctx.Done():
			t.Fatalf("the hook did not see digit %s", want)
		}
	}
	if err := call.Press(ctx, "1"); err == nil {
		t.Error("Press on a followed call succeeded")
	}
	c.Forget(call)
	if got := srv.Subscriptions(c.App()); len(got) != 1 {
		t.Errorf("unsubscribed with a followed call left: %v", got)
	}
	c.Forget(other)
	c.Forget(other) // twice is harmless
	if got := srv.Subscriptions(c.App()); len(got) != 0 {
		t.Errorf("subscriptions after the last Forget: %v", got)
	}
}

// A Recordable call is originated: no /channels/create, no subscription to
// B, and A is answered once it is both Up and in the Caller's app.
func TestCallerRecordable(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestCaller(t, srv, WithAppName("vmtest"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := c.Dial(ctx, "talk", "vm-load", `"Load seed" <8000>`, WithCallID("t3"), Recordable())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost {
			got = append(got, r.Path+"?"+r.RawQuery)
		}
	}
	want := []string{`/ari/channels?app=vmtest&callerId=%22Load+seed%22+%3C8000%3E&channelId=t3-a&endpoint=Local%2Ftalk%40vm-load&otherChannelId=t3-b&timeout=30`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n%q\nwant\n%q", got, want)
	}
	send(t, srv, &ari.ChannelStateChange{Meta: meta("ChannelStateChange"), Channel: channel("t3-a", "Local/talk@vm-load-00000001;1", "Up", "8000")})
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	if err := call.WaitAnswered(short); err == nil {
		t.Error("answered before A entered the app")
	}
	send(t, srv, &ari.StasisStart{Meta: meta("StasisStart"), Channel: channel("t3-a", "Local/talk@vm-load-00000001;1", "Up", "8000")})
	if err := call.WaitAnswered(ctx); err != nil || !call.Answered() {
		t.Errorf("WaitAnswered = %v, answered %v", err, call.Answered())
	}
}

// After its WebSocket comes back from an Asterisk restart, the Caller
// subscribes again to the endpoints it follows (the restarted Asterisk
// knows no subscription of its app) and ends the calls whose channels did
// not survive (their StasisEnd went to nobody).
func TestCallerAfterAsteriskRestart(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestCaller(t, srv, WithAppName("vmtest"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	followed, err := c.Follow(ctx, "PJSIP/sipp", "9100001")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Forget(followed)
	enterStasis(t, srv, "t1-a")
	call, err := c.Dial(ctx, "*97", "vm-test", "Alice <1001>", WithCallID("t1"))
	if err != nil {
		t.Fatal(err)
	}

	// The restarted Asterisk has neither the call's channels nor any
	// subscription: subscribing to t1-b is refused as Asterisk refuses a
	// channel it does not have (422).
	srv.Handle(http.MethodPost, "/applications/{name}/subscription", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("eventSource") == "channel:t1-b" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"message":"Provided channel was not found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"vmtest"}`))
	})
	before := len(srv.Requests())
	srv.Restart()
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := call.WaitEnded(ctx); err != nil {
		t.Fatalf("the call whose channels the restart took is not over: %v", err)
	}
	var again []string
	for _, r := range srv.Requests()[before:] {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/subscription") {
			again = append(again, r.Query["eventSource"]...)
		}
	}
	slices.Sort(again)
	if want := []string{"channel:t1-b", "endpoint:PJSIP/sipp"}; !reflect.DeepEqual(again, want) {
		t.Errorf("subscribed again to %q, want %q", again, want)
	}
}

// WithVariables sets its variables on every call, dialled or originated,
// beside the caller id that a dialled call sets as variables too: the
// app's test shards route their calls so (VOICEMAIL_APP).
func TestCallerWithVariables(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestCaller(t, srv, WithAppName("vmtest"), WithVariables(map[string]string{"__VOICEMAIL_APP": "vm-shard"}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	enterStasis(t, srv, "t5-a")
	if _, err := c.Dial(ctx, "*97", "vm-test", "Alice <1001>", WithCallID("t5")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Dial(ctx, "talk", "vm-load", "", WithCallID("t6"), Recordable()); err != nil {
		t.Fatal(err)
	}
	bodies := map[string]map[string]string{}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodPost || (r.Path != "/ari/channels/create" && r.Path != "/ari/channels") {
			continue
		}
		var body struct {
			Variables map[string]string `json:"variables"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("%s body %q: %v", r.Path, r.Body, err)
		}
		bodies[r.Path] = body.Variables
	}
	want := map[string]map[string]string{
		"/ari/channels/create": {"__VOICEMAIL_APP": "vm-shard", "CALLERID(all)": "Alice <1001>", "CONNECTEDLINE(all,i)": "Alice <1001>"},
		"/ari/channels":        {"__VOICEMAIL_APP": "vm-shard"},
	}
	if !reflect.DeepEqual(bodies, want) {
		t.Errorf("variables sent %v, want %v", bodies, want)
	}
}
