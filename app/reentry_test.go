package app

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
)

// TestChannelBackWhileItsCallFinishes: a channel handed back to the
// dialplan enters the app again before its earlier call here is over (the
// directory's choice rings the extension and takes a message within a
// millisecond: CI's TestIntegrationDirectoryFirstNameFrench lost its
// deposit so). The new call starts once the earlier one has finished, and
// the keys pressed meanwhile reach it, not the call that is finishing.
func TestChannelBackWhileItsCallFinishes(t *testing.T) {
	srv := aritest.NewServer(t)
	cfg := fakeARIConfig(t, srv)
	cfg.Voicemail.DefaultPIN = "0000"
	cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234"}}
	cfg.Voicemail.ForceName = false
	// The first hand-back to the dialplan is held until the channel has
	// come back: the earlier call is still finishing then.
	continued, release := holdFirstContinue(srv)
	ctx := runApp(t, cfg, srv)
	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "1001"}}
	send := func(ev any) { t.Helper(); must(t, srv.Send(ev)) }
	meta := func(typ string) ari.Meta { return ari.Meta{Type: typ, Application: "voicemail"} }
	refuseAndHold(t, ctx, srv, ch, continued)
	// Asterisk has sent the channel on; it is back, and the caller types
	// the password before the earlier call is over.
	send(ari.StasisEnd{Meta: meta("StasisEnd"), Channel: ch})
	send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"main", "1001"}, Channel: ch})
	for _, d := range "1234#" {
		send(ari.ChannelDtmfReceived{Meta: meta("ChannelDtmfReceived"), Digit: string(d), Channel: ch})
	}
	close(release)
	waitPlay(t, ctx, srv, "vm-password")
	waitPlay(t, ctx, srv, "vm-youhave")
}

// TestChannelMovedBackWhileItsCallFinishes: the same for a channel moved
// here to be resumed (a takeover's or a handover's Move, StasisStart with
// "resume") while this instance's earlier call on it is finishing: the
// resume is served once that call is over, not dropped as a duplicate.
// (The earlier call ended the session, so the resume finds nothing to
// resume and hangs up: what matters is that the channel is acted on.)
func TestChannelMovedBackWhileItsCallFinishes(t *testing.T) {
	srv := aritest.NewServer(t)
	cfg := fakeARIConfig(t, srv)
	cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234"}}
	continued, release := holdFirstContinue(srv)
	ctx := runApp(t, cfg, srv)
	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "1001"}}
	meta := func(typ string) ari.Meta { return ari.Meta{Type: typ, Application: "voicemail"} }
	refuseAndHold(t, ctx, srv, ch, continued)
	must(t, srv.Send(ari.StasisEnd{Meta: meta("StasisEnd"), Channel: ch}))
	must(t, srv.Send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"resume"}, Channel: ch}))
	close(release)
	if _, err := srv.WaitRequest(ctx, "DELETE", "/ari/channels/c1"); err != nil {
		t.Fatalf("the channel moved back was never acted on: %v", err)
	}
}

// TestChannelBackWhileTheInstanceStops: the instance stops while a
// channel waits for its earlier call here to finish. That call's channel
// is the new visit's now: shutdown neither hangs it up nor hands it over
// with the earlier call's state; once the earlier call is over, the
// channel goes back to the dialplan (VOICEMAIL_STATUS=FAILED) instead of
// a call starting while the event stream goes, and the stop completes.
func TestChannelBackWhileTheInstanceStops(t *testing.T) {
	srv := aritest.NewServer(t)
	cfg := fakeARIConfig(t, srv)
	cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234"}}
	continued, release := holdFirstContinue(srv)
	a, err := New(cfg, zaptest.NewLogger(t))
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	must(t, srv.WaitConnected(ctx, 1))

	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "2001"}}
	meta := func(typ string) ari.Meta { return ari.Meta{Type: typ, Application: "voicemail"} }
	refuseAndHold(t, ctx, srv, ch, continued)
	must(t, srv.Send(ari.StasisEnd{Meta: meta("StasisEnd"), Channel: ch}))
	must(t, srv.Send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"deposit", "1001"}, Channel: ch}))
	// The queued start is in place once the call's log says so; give the
	// dispatcher a moment, then stop.
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		queued := a.queued["c1"] != nil
		a.mu.Unlock()
		if queued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the channel's second StasisStart was not queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	time.Sleep(200 * time.Millisecond) // shutdown has looked at the calls
	close(release)
	select {
	case err := <-done:
		must(t, err)
	case <-ctx.Done():
		t.Fatal("the instance did not stop")
	}
	var continues, hangups, answers int
	for _, r := range srv.Requests() {
		switch {
		case r.Method == "POST" && r.Path == "/ari/channels/c1/continue":
			continues++
		case r.Method == "DELETE" && r.Path == "/ari/channels/c1":
			hangups++
		case r.Method == "POST" && r.Path == "/ari/channels/c1/answer":
			answers++
		}
	}
	if continues != 2 || hangups != 0 || answers != 0 {
		t.Errorf("c1: %d continues, %d hang-ups, %d answers; want 2 (the refused deposit, then the visit queued at the stop), 0, 0", continues, hangups, answers)
	}
}

// holdFirstContinue makes srv hold the first hand-back to the dialplan
// (continue) until release is closed; continued is closed when it comes.
func holdFirstContinue(srv *aritest.Server) (continued, release chan struct{}) {
	continued, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv.Handle("POST", "/ari/channels/{id}/continue", func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(continued)
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return continued, release
}

// refuseAndHold sends channel ch in for a deposit to a mailbox that does
// not exist, which the app hands back to the dialplan at once, and waits
// until that hand-back is held (holdFirstContinue): the call is finishing.
func refuseAndHold(t *testing.T, ctx context.Context, srv *aritest.Server, ch ari.Channel, continued chan struct{}) {
	t.Helper()
	must(t, srv.Send(ari.StasisStart{Meta: ari.Meta{Type: "StasisStart", Application: "voicemail"}, Args: []string{"deposit", "9999"}, Channel: ch}))
	select {
	case <-continued:
	case <-ctx.Done():
		t.Fatal("the refused deposit did not go back to the dialplan")
	}
}
