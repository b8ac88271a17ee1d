package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// TestZeroWhileRecordingStopsTheRecording: with the mailbox's operator
// option on, 0 while a caller's message is recorded reaches ARI as the stop
// of the live recording (through the instrumented recorder), so that its
// end, with the audio, comes back as for '#'.
func TestZeroWhileRecordingStopsTheRecording(t *testing.T) {
	srv := aritest.NewServer(t)
	rdb := redistest.Start(t)
	on := true
	cfg := DefaultConfig()
	cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = srv.URL(), aritest.DefaultUsername, aritest.DefaultPassword
	cfg.Redis.Addrs = []string{rdb.Options().Addr}
	cfg.Ops.Listen = ""
	cfg.Voicemail.PINHashCost = 4
	cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234", Operator: &on}}
	a, err := New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	must(t, srv.WaitConnected(ctx, 1))
	ch := ari.Channel{ID: "c1", State: "Ring", Caller: ari.CallerID{Number: "2001"}}
	must(t, srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail"}, Args: []string{"deposit", "1001"}, Channel: ch}))
	waitPlay(t, ctx, srv, "vm-intro")
	dtmf := func(d string) {
		must(t, srv.Send(ari.ChannelDtmfReceived{Meta: ari.Meta{Type: "ChannelDtmfReceived", Application: "voicemail"}, Digit: d, Channel: ch}))
	}
	dtmf("#")
	rec, err := srv.WaitRequest(ctx, "POST", "/ari/channels/c1/record")
	must(t, err)
	name := rec.Query.Get("name")
	if name == "" {
		t.Fatal("record request without a name")
	}
	dtmf("0")
	stop, err := srv.WaitRequest(ctx, "POST", "/ari/recordings/live/")
	must(t, err)
	if !strings.HasSuffix(stop.Path, "/stop") || !strings.Contains(stop.Path, strings.ReplaceAll(name, "/", "%2F")) && !strings.Contains(stop.Path, name) {
		t.Fatalf("stopped %s, want the recording %s", stop.Path, name)
	}
}
