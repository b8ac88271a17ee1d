package ari

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari/aritest"
)

// testCtx returns a context that bounds every wait of a test.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newTestClient returns a Client for srv.
func newTestClient(t *testing.T, srv *aritest.Server, opts ...Option) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword}, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no URL", Config{Username: "u"}},
		{"bad scheme", Config{URL: "ftp://h/ari", Username: "u"}},
		{"no scheme", Config{URL: "127.0.0.1:8088/ari", Username: "u"}},
		{"no host", Config{URL: "http:///ari", Username: "u"}},
		{"query", Config{URL: "http://h/ari?x=1", Username: "u"}},
		{"credentials in URL", Config{URL: "http://u:p@h/ari", Username: "u"}},
		{"unparsable", Config{URL: "http://h/%zz", Username: "u"}},
		{"no username", Config{URL: "http://h/ari"}},
		{"negative timeout", Config{URL: "http://h/ari", Username: "u", Timeout: -time.Second}},
		{"negative connections", Config{URL: "http://h/ari", Username: "u", Connections: -1}},
		{"too many connections", Config{URL: "http://h/ari", Username: "u", Connections: 1001}},
		{"too many move connections", Config{URL: "http://h/ari", Username: "u", MoveConnections: 1001}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New(%+v) = %v, want ErrInvalidConfig", tc.cfg, err)
			}
		})
	}

	c, err := New(Config{URL: "https://h:8089/ari/", Username: "u"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if c.baseStr != "https://h:8089/ari" || c.timeout != DefaultTimeout {
		t.Errorf("base %q timeout %v, want https://h:8089/ari and %v", c.baseStr, c.timeout, DefaultTimeout)
	}
	tr, ok := c.http.Transport.(*http.Transport)
	// Enough idle connections for a busy instance, and no more than
	// Asterisk's default sessionlimit (100) leaves room for.
	if !ok || tr.MaxIdleConnsPerHost < 32 || tr.MaxConnsPerHost == 0 || tr.MaxConnsPerHost > 32 {
		t.Errorf("default transport %T: idle %d, max %d per host; want 32 and 32", c.http.Transport, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost)
	}
	// Move has a pool of its own.
	mt, ok := c.moves.Transport.(*http.Transport)
	if !ok || mt == tr || mt.MaxConnsPerHost != DefaultMoveConnections {
		t.Errorf("move transport %T (shared %v): max %d per host; want its own with %d", c.moves.Transport, mt == tr, mt.MaxConnsPerHost, DefaultMoveConnections)
	}
	c, err = New(Config{URL: "http://h/ari", Username: "u", Connections: 100, MoveConnections: 50})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if n, m := c.http.Transport.(*http.Transport).MaxConnsPerHost, c.moves.Transport.(*http.Transport).MaxConnsPerHost; n != 100 || m != 50 {
		t.Errorf("pools of %d and %d connections, want 100 and 50", n, m)
	}
}

// TestRequests checks the exact method, path, query and body of every call.
func TestRequests(t *testing.T) {
	const name = "vm/default/1001/msg1"
	const esc = "vm%2Fdefault%2F1001%2Fmsg1"
	tests := []struct {
		name   string
		call   func(context.Context, *Client) error
		method string
		path   string
		query  url.Values
		body   string
	}{
		{"GetChannel", func(ctx context.Context, c *Client) error { _, err := c.GetChannel(ctx, "c1"); return err },
			"GET", "/ari/channels/c1", nil, ""},
		{"ListChannels", func(ctx context.Context, c *Client) error { _, err := c.ListChannels(ctx); return err },
			"GET", "/ari/channels", nil, ""},
		{"Answer", func(ctx context.Context, c *Client) error { return c.Answer(ctx, "c1") },
			"POST", "/ari/channels/c1/answer", nil, ""},
		{"Hangup normal", func(ctx context.Context, c *Client) error { return c.Hangup(ctx, "c1", "") },
			"DELETE", "/ari/channels/c1", nil, ""},
		{"Hangup busy", func(ctx context.Context, c *Client) error { return c.Hangup(ctx, "c1", "busy") },
			"DELETE", "/ari/channels/c1", url.Values{"reason": {"busy"}}, ""},
		{"Play with id", func(ctx context.Context, c *Client) error {
			_, err := c.Play(ctx, "c1", "pb1", []string{"sound:vm-intro", "digits:12#"}, "en")
			return err
		}, "POST", "/ari/channels/c1/play/pb1", url.Values{"media": {"sound:vm-intro,digits:12#"}, "lang": {"en"}}, ""},
		{"Play without id", func(ctx context.Context, c *Client) error {
			_, err := c.Play(ctx, "c1", "", []string{"sound:beep"}, "")
			return err
		}, "POST", "/ari/channels/c1/play", url.Values{"media": {"sound:beep"}}, ""},
		{"Record full", func(ctx context.Context, c *Client) error {
			_, err := c.Record(ctx, "c1", RecordOptions{Name: name, Format: "wav", MaxDurationSeconds: 180,
				MaxSilenceSeconds: 5, IfExists: "overwrite", Beep: true, TerminateOn: "#"})
			return err
		}, "POST", "/ari/channels/c1/record", url.Values{"name": {name}, "format": {"wav"},
			"maxDurationSeconds": {"180"}, "maxSilenceSeconds": {"5"}, "ifExists": {"overwrite"},
			"beep": {"true"}, "terminateOn": {"#"}}, ""},
		{"Record minimal", func(ctx context.Context, c *Client) error {
			_, err := c.Record(ctx, "c1", RecordOptions{Name: "r", Format: "wav"})
			return err
		}, "POST", "/ari/channels/c1/record", url.Values{"name": {"r"}, "format": {"wav"}}, ""},
		{"Continue", func(ctx context.Context, c *Client) error { return c.Continue(ctx, "c1", "internal", "s", 2, "") },
			"POST", "/ari/channels/c1/continue", url.Values{"context": {"internal"}, "extension": {"s"}, "priority": {"2"}}, ""},
		{"Continue next", func(ctx context.Context, c *Client) error { return c.Continue(ctx, "c1", "", "", 0, "") },
			"POST", "/ari/channels/c1/continue", nil, ""},
		{"Continue label", func(ctx context.Context, c *Client) error { return c.Continue(ctx, "c1", "", "", 0, "done") },
			"POST", "/ari/channels/c1/continue", url.Values{"label": {"done"}}, ""},
		{"Move", func(ctx context.Context, c *Client) error { return c.Move(ctx, "c1", "other", []string{"a", "b"}) },
			"POST", "/ari/channels/c1/move", url.Values{"app": {"other"}, "appArgs": {"a,b"}}, ""},
		{"Move no args", func(ctx context.Context, c *Client) error { return c.Move(ctx, "c1", "other", nil) },
			"POST", "/ari/channels/c1/move", url.Values{"app": {"other"}}, ""},
		{"SendDTMF", func(ctx context.Context, c *Client) error {
			return c.SendDTMF(ctx, "c1", "12#", DTMFOptions{Before: time.Second, Between: 50 * time.Millisecond,
				Duration: 80 * time.Millisecond, After: 2 * time.Second})
		}, "POST", "/ari/channels/c1/dtmf", url.Values{"dtmf": {"12#"}, "before": {"1000"}, "between": {"50"},
			"duration": {"80"}, "after": {"2000"}}, ""},
		{"SendDTMF defaults", func(ctx context.Context, c *Client) error { return c.SendDTMF(ctx, "c1", "*", DTMFOptions{}) },
			"POST", "/ari/channels/c1/dtmf", url.Values{"dtmf": {"*"}}, ""},
		{"Originate app", func(ctx context.Context, c *Client) error {
			_, err := c.Originate(ctx, OriginateRequest{Endpoint: "Local/*97@internal", App: "vmtest",
				AppArgs: []string{"x", "y"}, CallerID: "Alice <1001>", Timeout: -1, ChannelID: "test-a",
				OtherChannelID: "test-b", Originator: "o1", Formats: "ulaw,alaw"})
			return err
		}, "POST", "/ari/channels", url.Values{"endpoint": {"Local/*97@internal"}, "app": {"vmtest"},
			"appArgs": {"x,y"}, "callerId": {"Alice <1001>"}, "timeout": {"-1"}, "channelId": {"test-a"},
			"otherChannelId": {"test-b"}, "originator": {"o1"}, "formats": {"ulaw,alaw"}}, ""},
		{"Originate dialplan with variables", func(ctx context.Context, c *Client) error {
			_, err := c.Originate(ctx, OriginateRequest{Endpoint: "Local/1001@vm-mwi", Extension: "1001",
				Context: "vm-mwi", Priority: 1, Label: "l", Variables: map[string]string{"__NEW": "2", "__OLD": "1"}})
			return err
		}, "POST", "/ari/channels", url.Values{"endpoint": {"Local/1001@vm-mwi"}, "extension": {"1001"},
			"context": {"vm-mwi"}, "priority": {"1"}, "label": {"l"}}, `{"variables":{"__NEW":"2","__OLD":"1"}}`},
		{"GetVariable", func(ctx context.Context, c *Client) error {
			_, err := c.GetVariable(ctx, "c1", "CALLERID(num)")
			return err
		},
			"GET", "/ari/channels/c1/variable", url.Values{"variable": {"CALLERID(num)"}}, ""},
		{"SetVariable", func(ctx context.Context, c *Client) error { return c.SetVariable(ctx, "c1", "VM_STATE", "main") },
			"POST", "/ari/channels/c1/variable", url.Values{"variable": {"VM_STATE"}, "value": {"main"}}, ""},
		{"SetVariable empty", func(ctx context.Context, c *Client) error { return c.SetVariable(ctx, "c1", "X", "") },
			"POST", "/ari/channels/c1/variable", url.Values{"variable": {"X"}, "value": {""}}, ""},
		{"StartSilence", func(ctx context.Context, c *Client) error { return c.StartSilence(ctx, "c1") },
			"POST", "/ari/channels/c1/silence", nil, ""},
		{"StopSilence", func(ctx context.Context, c *Client) error { return c.StopSilence(ctx, "c1") },
			"DELETE", "/ari/channels/c1/silence", nil, ""},
		{"GetPlayback", func(ctx context.Context, c *Client) error { _, err := c.GetPlayback(ctx, "pb1"); return err },
			"GET", "/ari/playbacks/pb1", nil, ""},
		{"StopPlayback", func(ctx context.Context, c *Client) error { return c.StopPlayback(ctx, "pb1") },
			"DELETE", "/ari/playbacks/pb1", nil, ""},
		{"ControlPlayback", func(ctx context.Context, c *Client) error { return c.ControlPlayback(ctx, "pb1", OpPause) },
			"POST", "/ari/playbacks/pb1/control", url.Values{"operation": {"pause"}}, ""},
		{"GetLiveRecording", func(ctx context.Context, c *Client) error { _, err := c.GetLiveRecording(ctx, name); return err },
			"GET", "/ari/recordings/live/" + esc, nil, ""},
		{"StopRecording", func(ctx context.Context, c *Client) error { return c.StopRecording(ctx, name) },
			"POST", "/ari/recordings/live/" + esc + "/stop", nil, ""},
		{"CancelRecording", func(ctx context.Context, c *Client) error { return c.CancelRecording(ctx, name) },
			"DELETE", "/ari/recordings/live/" + esc, nil, ""},
		{"ListStored", func(ctx context.Context, c *Client) error { _, err := c.ListStored(ctx); return err },
			"GET", "/ari/recordings/stored", nil, ""},
		{"GetStored", func(ctx context.Context, c *Client) error { _, err := c.GetStored(ctx, name); return err },
			"GET", "/ari/recordings/stored/" + esc, nil, ""},
		{"CopyStored", func(ctx context.Context, c *Client) error {
			_, err := c.CopyStored(ctx, name, "vm/default/1001/saved/msg1")
			return err
		}, "POST", "/ari/recordings/stored/" + esc + "/copy", url.Values{"destinationRecordingName": {"vm/default/1001/saved/msg1"}}, ""},
		{"DeleteStored", func(ctx context.Context, c *Client) error { return c.DeleteStored(ctx, name) },
			"DELETE", "/ari/recordings/stored/" + esc, nil, ""},
		{"StoredFile", func(ctx context.Context, c *Client) error { _, err := c.StoredFile(ctx, name); return err },
			"GET", "/ari/recordings/stored/" + esc + "/file", nil, ""},
		{"Application", func(ctx context.Context, c *Client) error { _, err := c.Application(ctx, "voicemail"); return err },
			"GET", "/ari/applications/voicemail", nil, ""},
		{"Subscribe", func(ctx context.Context, c *Client) error {
			_, err := c.Subscribe(ctx, "vmtest", ChannelSource("t-b"), EndpointSource("PJSIP/sipp"), BridgeSource("br1"))
			return err
		}, "POST", "/ari/applications/vmtest/subscription",
			url.Values{"eventSource": {"channel:t-b", "endpoint:PJSIP/sipp", "bridge:br1"}}, ""},
		{"CreateChannel", func(ctx context.Context, c *Client) error {
			_, err := c.CreateChannel(ctx, CreateRequest{Endpoint: "Local/*97@vm-test", App: "vmtest",
				AppArgs: []string{"x"}, ChannelID: "t-a", OtherChannelID: "t-b", Formats: "ulaw",
				Variables: map[string]string{"CALLERID(all)": "Alice <1001>"}})
			return err
		}, "POST", "/ari/channels/create", url.Values{"endpoint": {"Local/*97@vm-test"}, "app": {"vmtest"},
			"appArgs": {"x"}, "channelId": {"t-a"}, "otherChannelId": {"t-b"}, "formats": {"ulaw"}},
			`{"variables":{"CALLERID(all)":"Alice <1001>"}}`},
		{"Dial", func(ctx context.Context, c *Client) error { return c.Dial(ctx, "t-a", "", 30*time.Second) },
			"POST", "/ari/channels/t-a/dial", url.Values{"timeout": {"30"}}, ""},
		{"Dial for a caller", func(ctx context.Context, c *Client) error { return c.Dial(ctx, "t-a", "c1", 0) },
			"POST", "/ari/channels/t-a/dial", url.Values{"caller": {"c1"}}, ""},
		{"Claim", func(ctx context.Context, c *Client) error { return c.Claim(ctx, "c1", "voicemail-a") },
			"POST", "/ari/events/claim", url.Values{"channelId": {"c1"}, "application": {"voicemail-a"}}, ""},
		{"Ping", func(ctx context.Context, c *Client) error { _, err := c.Ping(ctx); return err },
			"GET", "/ari/asterisk/ping", nil, ""},
		{"Info", func(ctx context.Context, c *Client) error { _, err := c.Info(ctx); return err },
			"GET", "/ari/asterisk/info", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := aritest.NewServer(t)
			c := newTestClient(t, srv)
			if err := tc.call(testCtx(t), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1: %+v", len(reqs), reqs)
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			if !sameValues(r.Query, tc.query) {
				t.Errorf("query %v, want %v", r.Query, tc.query)
			}
			if tc.body == "" && len(r.Body) != 0 {
				t.Errorf("body %q, want none", r.Body)
			}
			if tc.body != "" && !sameJSON(t, r.Body, tc.body) {
				t.Errorf("body %s, want %s", r.Body, tc.body)
			}
		})
	}
}

func sameValues(a, b url.Values) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func TestEscaping(t *testing.T) {
	srv := aritest.NewServer(t)
	var seen string
	srv.Handle("GET", "/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
		seen = r.PathValue("name")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":%q,"format":"wav"}`, seen)
	})
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	rec, err := c.GetStored(ctx, "vm/default/1001/msg1")
	if err != nil {
		t.Fatal(err)
	}
	// One path segment on the wire, decoded back to the name.
	if seen != "vm/default/1001/msg1" || rec.Name != "vm/default/1001/msg1" {
		t.Errorf("server saw name %q, client got %q", seen, rec.Name)
	}

	// '#' and other reserved characters are percent-encoded in the query,
	// '?' and '#' in path segments too.
	if _, err := c.Record(ctx, "a?b#c", RecordOptions{Name: "n", Format: "wav", TerminateOn: "#"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SendDTMF(ctx, "c1", "1#", DTMFOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if got := reqs[1].Path; got != "/ari/channels/a%3Fb%23c/record" {
		t.Errorf("path %q, want /ari/channels/a%%3Fb%%23c/record", got)
	}
	if !strings.Contains(reqs[1].RawQuery, "terminateOn=%23") {
		t.Errorf("raw query %q lacks terminateOn=%%23", reqs[1].RawQuery)
	}
	if !strings.Contains(reqs[2].RawQuery, "dtmf=1%23") {
		t.Errorf("raw query %q lacks dtmf=1%%23", reqs[2].RawQuery)
	}
}

func TestEmptyIDRefusedLocally(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestClient(t, srv)
	// "." and ".." would walk the path: /channels/../answer.
	for _, id := range []string{"", ".", ".."} {
		if err := c.Answer(testCtx(t), id); !errors.Is(err, ErrBadRequest) {
			t.Fatalf("Answer(%q) = %v, want ErrBadRequest", id, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestResponses(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	pb, err := c.Play(ctx, "c1", "pb1", []string{"sound:vm-intro", "sound:beep"}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	want := Playback{ID: "pb1", MediaURI: "sound:vm-intro", TargetURI: "channel:c1", Language: "fr", State: "queued"}
	if pb != want {
		t.Errorf("Play = %+v, want %+v", pb, want)
	}

	rec, err := c.Record(ctx, "c1", RecordOptions{Name: "vm/1001/msg1", Format: "wav"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "vm/1001/msg1" || rec.State != "queued" || rec.TargetURI != "channel:c1" {
		t.Errorf("Record = %+v", rec)
	}

	ch, err := c.Originate(ctx, OriginateRequest{Endpoint: "Local/*97@internal", App: "vmtest", ChannelID: "test-a"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID != "test-a" || ch.State != "Down" || ch.CreationTime.IsZero() {
		t.Errorf("Originate = %+v", ch)
	}

	if err := c.SetVariable(ctx, "c1", "VM_BOX", "1001"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.GetVariable(ctx, "c1", "VM_BOX"); err != nil || v != "1001" {
		t.Errorf("GetVariable = %q, %v; want 1001", v, err)
	}

	b, err := c.StoredFile(ctx, "vm/1001/msg1")
	if err != nil || !strings.HasPrefix(string(b), "RIFF") {
		t.Errorf("StoredFile = %q, %v", b, err)
	}

	p, err := c.Ping(ctx)
	if err != nil || p.Ping != "pong" || p.AsteriskID != aritest.AsteriskID || p.Timestamp.IsZero() {
		t.Errorf("Ping = %+v, %v", p, err)
	}
}

// TestSubscriptions subscribes an app to a channel and an endpoint and
// reads the application back as the fake lists it; an empty list of
// sources is refused without a request, and so is a bad scheme by the
// server.
func TestSubscriptions(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	app, err := c.Subscribe(ctx, "vmtest", ChannelSource("t-b"), EndpointSource("PJSIP/sipp"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(app.ChannelIDs, []string{"t-b"}) || !reflect.DeepEqual(app.EndpointIDs, []string{"PJSIP/sipp"}) {
		t.Errorf("after Subscribe: channels %v endpoints %v", app.ChannelIDs, app.EndpointIDs)
	}
	app, err = c.Unsubscribe(ctx, "vmtest", EndpointSource("PJSIP/sipp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(app.EndpointIDs) != 0 || len(app.ChannelIDs) != 1 {
		t.Errorf("after Unsubscribe: channels %v endpoints %v", app.ChannelIDs, app.EndpointIDs)
	}
	if r := srv.Requests()[1]; r.Method != http.MethodDelete || r.Path != "/ari/applications/vmtest/subscription" ||
		!reflect.DeepEqual(r.Query, url.Values{"eventSource": {"endpoint:PJSIP/sipp"}}) {
		t.Errorf("Unsubscribe sent %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	if _, err := c.Unsubscribe(ctx, "vmtest", EndpointSource("PJSIP/sipp")); !errors.Is(err, ErrConflict) {
		t.Errorf("Unsubscribe of a source not subscribed = %v, want ErrConflict", err)
	}
	n := len(srv.Requests())
	if _, err := c.Subscribe(ctx, "vmtest"); !errors.Is(err, ErrBadRequest) {
		t.Errorf("Subscribe with no source = %v, want ErrBadRequest", err)
	}
	if len(srv.Requests()) != n {
		t.Error("Subscribe with no source sent a request")
	}
	if _, err := c.Subscribe(ctx, "vmtest", EventSource("nonsense:1")); !errors.Is(err, ErrBadRequest) {
		t.Errorf("Subscribe to a bad scheme = %v, want ErrBadRequest", err)
	}

	ch, err := c.CreateChannel(ctx, CreateRequest{Endpoint: "Local/*97@vm-test", App: "caller", ChannelID: "t-a"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID != "t-a" || ch.State != "Down" {
		t.Errorf("CreateChannel = %+v", ch)
	}
	if got := srv.Subscriptions("caller"); !reflect.DeepEqual(got, []string{"channel:t-a"}) {
		t.Errorf("the created channel's app is subscribed to %v, want [channel:t-a]", got)
	}
}

func TestDecodeModels(t *testing.T) {
	srv := aritest.NewServer(t)
	srv.Handle("GET", "/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"build":{"os":"Linux","kernel":"6.12.38","options":"","machine":"x86_64",
			"date":"2026-08-20 10:00:00 UTC","user":"pbuilder"},
			"system":{"version":"22.10.1","entity_id":"02:42:ac:11:00:09"},
			"config":{"name":"","default_language":"en","max_load":0.5,"setid":{"user":"asterisk","group":"asterisk"}},
			"status":{"startup_time":"2026-11-26T15:25:12.603+0000","last_reload_time":"2026-11-26T15:30:00.000+0100"}}`)
	})
	srv.Handle("GET", "/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"1764170712.42","name":"PJSIP/1001-00000003","state":"Up",
			"protocol_id":"abc","caller":{"name":"Alice","number":"1001"},"connected":{"name":"","number":""},
			"accountcode":"acct","dialplan":{"context":"internal","exten":"*97","priority":1,
			"app_name":"Stasis","app_data":"voicemail,main,1001"},"creationtime":"2026-11-26T15:25:12.603+0000",
			"language":"en","channelvars":{"VM_CTX":"default"}}`)
	})
	srv.Handle("GET", "/applications/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"voicemail","channel_ids":["a","b"],"bridge_ids":[],"endpoint_ids":["PJSIP/1001"],
			"device_names":["Stasis:x"],"events_allowed":[],"events_disallowed":[]}`)
	})
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	startup := time.Date(2026, 11, 26, 15, 25, 12, 603e6, time.UTC)
	if info.System.EntityID != "02:42:ac:11:00:09" || info.System.Version != "22.10.1" ||
		info.Build.OS != "Linux" || info.Build.User != "pbuilder" || info.Config.SetID.User != "asterisk" ||
		!info.Status.StartupTime.Equal(startup) ||
		!info.Status.LastReloadTime.Equal(time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC)) {
		t.Errorf("Info = %+v", info)
	}

	ch, err := c.GetChannel(ctx, "1764170712.42")
	if err != nil {
		t.Fatal(err)
	}
	wantCh := Channel{ID: "1764170712.42", Name: "PJSIP/1001-00000003", State: "Up",
		Caller: CallerID{Name: "Alice", Number: "1001"}, AccountCode: "acct",
		Dialplan:     DialplanCEP{Context: "internal", Exten: "*97", Priority: 1, AppName: "Stasis", AppData: "voicemail,main,1001"},
		CreationTime: Time{startup}, Language: "en", ChannelVars: map[string]string{"VM_CTX": "default"}}
	if !ch.CreationTime.Equal(wantCh.CreationTime.Time) {
		t.Errorf("creationtime %v, want %v", ch.CreationTime, wantCh.CreationTime)
	}
	ch.CreationTime = wantCh.CreationTime
	if !reflect.DeepEqual(ch, wantCh) {
		t.Errorf("GetChannel = %+v\nwant %+v", ch, wantCh)
	}

	app, err := c.Application(ctx, "voicemail")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(app.ChannelIDs, []string{"a", "b"}) || app.EndpointIDs[0] != "PJSIP/1001" || app.DeviceNames[0] != "Stasis:x" {
		t.Errorf("Application = %+v", app)
	}
}

func TestStatusErrors(t *testing.T) {
	all := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict,
		ErrNotInStasis, ErrRecordingInProgress, ErrPreconditionFailed, ErrUnprocessable, ErrServer}
	tests := []struct {
		status int
		body   string
		want   []error
		msg    string
		gone   bool
	}{
		{400, `{"message":"missing required parameter media"}`, []error{ErrBadRequest}, "missing required parameter media", false},
		{401, `{"message":"Authentication required"}`, []error{ErrUnauthorized}, "Authentication required", false},
		{403, `{"message":"Write access denied"}`, []error{ErrForbidden}, "Write access denied", false},
		{404, `{"message":"Channel not found"}`, []error{ErrNotFound}, "Channel not found", true},
		{409, `{"message":"Channel has already been claimed by another application"}`, []error{ErrConflict},
			"Channel has already been claimed by another application", false},
		{409, `{"message":"Channel not in Stasis application"}`, []error{ErrConflict, ErrNotInStasis},
			"Channel not in Stasis application", true},
		{409, `{"message":"Recording 'voicemail/default/1001/msg/m1-ab' already exists and can not be overwritten"}`,
			[]error{ErrConflict, ErrRecordingInProgress},
			"Recording 'voicemail/default/1001/msg/m1-ab' already exists and can not be overwritten", false},
		{412, `{"message":"Channel in invalid state"}`, []error{ErrPreconditionFailed}, "Channel in invalid state", false},
		{422, `{"message":"specified format is unknown on this system"}`, []error{ErrUnprocessable},
			"specified format is unknown on this system", false},
		{500, `{"error":"Allocation failed"}`, []error{ErrServer}, "Allocation failed", false},
		{503, ``, []error{ErrServer}, "Service Unavailable", false},
		{502, `bad gateway`, []error{ErrServer}, "bad gateway", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.msg), func(t *testing.T) {
			srv := aritest.NewServer(t)
			srv.Handle("POST", "/channels/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			c := newTestClient(t, srv)
			err := c.Answer(testCtx(t), "x")
			if err == nil {
				t.Fatal("Answer succeeded")
			}
			for _, s := range all {
				want := false
				for _, w := range tc.want {
					want = want || w == s
				}
				if errors.Is(err, s) != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, !want, want)
				}
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("%v is not a *StatusError", err)
			}
			if se.Status != tc.status || se.Message != tc.msg || se.Method != "POST" || se.Path != "/channels/x/answer" {
				t.Errorf("StatusError = %+v", se)
			}
			if IsGone(err) != tc.gone {
				t.Errorf("IsGone = %v, want %v", !tc.gone, tc.gone)
			}
		})
	}
}

func TestStatusErrorString(t *testing.T) {
	err := &StatusError{Method: "POST", Path: "/channels/x/answer", Status: 409, Message: "Channel not in Stasis application"}
	const want = "ari: POST /channels/x/answer: 409 Channel not in Stasis application"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if !IsGone(fmt.Errorf("wrapped: %w", err)) {
		t.Error("IsGone does not see through wrapping")
	}
	if IsGone(errors.New("other")) || IsGone(nil) {
		t.Error("IsGone true for an unrelated error")
	}
}

func TestUnknownRouteIsNotFound(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestClient(t, srv)
	err := c.do(testCtx(t), request{method: http.MethodPost, path: []string{"nosuch"}})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || se.Message != "Resource not found" {
		t.Errorf("err = %v, want 404 Resource not found", err)
	}
}

func TestWrongPassword(t *testing.T) {
	srv := aritest.NewServer(t)
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Answer(testCtx(t), "c1"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Answer = %v, want ErrUnauthorized", err)
	}
}

func TestContextCancel(t *testing.T) {
	srv := aritest.NewServer(t)
	arrived := make(chan struct{})
	srv.Handle("POST", "/channels/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // Never answers; the client gives up.
	})
	c := newTestClient(t, srv)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- c.Answer(ctx, "c1") }()
	select {
	case <-arrived:
	case <-testCtx(t).Done():
		t.Fatal("request never arrived")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Answer = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "POST /channels/c1/answer") {
			t.Errorf("error %q lacks method and path", err)
		}
		var se *StatusError
		if errors.As(err, &se) {
			t.Errorf("cancel gave a StatusError %v", se)
		}
	case <-testCtx(t).Done():
		t.Fatal("Answer ignored the cancelled context")
	}
}

func TestRequestTimeout(t *testing.T) {
	srv := aritest.NewServer(t)
	srv.Handle("GET", "/asterisk/ping", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	c, err := New(Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword,
		Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ping(testCtx(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ping = %v, want context.DeadlineExceeded", err)
	}
}

func TestNetworkError(t *testing.T) {
	srv := aritest.NewServer(t)
	c := newTestClient(t, srv)
	srv.Close()
	err := c.Hangup(testCtx(t), "c1", "")
	if err == nil {
		t.Fatal("Hangup on a closed server succeeded")
	}
	if !strings.HasPrefix(err.Error(), "ari: DELETE /channels/c1: ") {
		t.Errorf("error %q lacks method and path", err)
	}
	if IsGone(err) || errors.Is(err, ErrServer) {
		t.Errorf("network error %v classified as a status", err)
	}
}

// TestConfigValidateNamesTheField checks that Validate takes each field as
// it is (zero included) and names the one that is wrong, so that app can
// say which setting.
func TestConfigValidateNamesTheField(t *testing.T) {
	def := Config{URL: "http://h:8088/ari", Username: "u"}.WithDefaults()
	if def.Timeout != DefaultTimeout || def.Connections != DefaultConnections || def.MoveConnections != DefaultMoveConnections {
		t.Fatalf("WithDefaults() = %+v", def)
	}
	if err := def.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	for _, tt := range []struct {
		field string
		set   func(*Config)
	}{
		{"URL", func(c *Config) { c.URL = "" }},
		{"URL", func(c *Config) { c.URL = "http://h/ari#x" }},
		{"Username", func(c *Config) { c.Username = "" }},
		{"Timeout", func(c *Config) { c.Timeout = 0 }},
		{"Connections", func(c *Config) { c.Connections = 0 }},
		{"MoveConnections", func(c *Config) { c.MoveConnections = 1001 }},
	} {
		cfg := def
		tt.set(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: Validate() = %v, want a ConfigError naming it", tt.field, err)
		}
	}
}

// WithWroteAt tells when a request went out: before Asterisk's answer
// (here held back 20 ms), after the call began.
func TestWithWroteAtTimesTheWrite(t *testing.T) {
	srv := aritest.NewServer(t)
	srv.Handle("POST", "/channels/{id}/play/{pb}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"state":"queued"}`, r.PathValue("pb"))
	})
	c := newTestClient(t, srv)
	var at atomic.Int64
	began := time.Now()
	if _, err := c.Play(WithWroteAt(testCtx(t), &at), "c1", "pb1", []string{"sound:vm-intro"}, "en"); err != nil {
		t.Fatal(err)
	}
	answered := time.Now()
	wrote := time.Unix(0, at.Load())
	if wrote.Before(began.Round(0)) || answered.Round(0).Sub(wrote) < 20*time.Millisecond {
		t.Errorf("written at %v: want after %v and at least 20 ms before the answer at %v", wrote, began, answered)
	}
	// Without it, nothing is stored anywhere.
	if _, err := c.Play(testCtx(t), "c1", "pb2", []string{"sound:vm-intro"}, "en"); err != nil {
		t.Fatal(err)
	}
}

// Only a request sent without an answer leaves open what Asterisk did.
func TestMayHaveActed(t *testing.T) {
	for err, want := range map[error]bool{
		nil:                                      false,
		&StatusError{Status: 500}:                false,
		fmt.Errorf("x: %w", ErrNotSent):          false,
		fmt.Errorf("x: %w", context.Canceled):    true,
		errors.New("ari: POST /channels/c: EOF"): true,
	} {
		if got := MayHaveActed(err); got != want {
			t.Errorf("MayHaveActed(%v) = %v, want %v", err, got, want)
		}
	}
}
