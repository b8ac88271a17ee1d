package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// TestEventStreamDropDuringCall: the ARI WebSocket drops while a caller is
// at the password prompt and the prompt ends while it is down. After the
// reconnect the app reconciles the call (the channel is still there, the
// prompt is gone) and the call goes on: the caller's keys log them in.
func TestEventStreamDropDuringCall(t *testing.T) {
	srv := aritest.NewServer(t)
	cfg := fakeARIConfig(t, srv)
	cfg.Voicemail.DefaultPIN = "0000"
	cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234"}}
	cfg.Voicemail.ForceName = false // 1001 has no recorded name: straight in
	// While the stream is down, the prompt ended: ARI no longer knows it.
	srv.Handle("GET", "/ari/playbacks/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Playback not found"}`))
	})
	ctx := runApp(t, cfg, srv)
	ch := ari.Channel{ID: "c1", State: "Ring", Caller: ari.CallerID{Number: "1001"}}
	must(t, srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail"}, Args: []string{"main", "1001"}, Channel: ch}))
	waitPlay(t, ctx, srv, "vm-password")

	srv.DropConnections()
	must(t, srv.WaitConnected(ctx, 2))
	if _, err := srv.WaitRequest(ctx, "GET", "/ari/channels/c1"); err != nil {
		t.Fatalf("no reconciliation of the call after the reconnect: %v", err)
	}
	for _, d := range "1234#" {
		must(t, srv.Send(ari.ChannelDtmfReceived{Meta: ari.Meta{Type: "ChannelDtmfReceived", Application: "voicemail"}, Digit: string(d), Channel: ch}))
	}
	waitPlay(t, ctx, srv, "vm-youhave")
}

// fakeARIConfig is the app's configuration against srv and a private
// Redis, with cheap PIN hashes and no ops server.
func fakeARIConfig(t *testing.T, srv *aritest.Server) Config {
	t.Helper()
	rdb := redistest.Start(t)
	cfg := DefaultConfig()
	cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = srv.URL(), aritest.DefaultUsername, aritest.DefaultPassword
	cfg.Redis.Addrs = []string{rdb.Options().Addr}
	cfg.Ops.Listen = ""
	cfg.Voicemail.PINHashCost = 4
	return cfg
}

// runApp runs the app with cfg until the test ends and returns once it is
// connected to srv; the context it returns bounds the test's waits.
func runApp(t *testing.T, cfg Config, srv *aritest.Server) context.Context {
	t.Helper()
	a, err := New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	must(t, srv.WaitConnected(ctx, 1))
	return ctx
}

// waitPlay waits for a play request on c1 whose media includes sound.
func waitPlay(t *testing.T, ctx context.Context, srv *aritest.Server, sound string) {
	t.Helper()
	for {
		for _, r := range srv.Requests() {
			if r.Method == "POST" && strings.HasPrefix(r.Path, "/ari/channels/c1/play") && strings.Contains(r.Query.Get("media"), "sound:"+sound) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no play of %s", sound)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
