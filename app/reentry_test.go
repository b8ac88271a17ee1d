package app

import (
	"net/http"
	"sync"
	"testing"

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
	continued, release := make(chan struct{}), make(chan struct{})
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
	ctx := runApp(t, cfg, srv)
	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "1001"}}
	send := func(ev any) { t.Helper(); must(t, srv.Send(ev)) }
	meta := func(typ string) ari.Meta { return ari.Meta{Type: typ, Application: "voicemail"} }
	// A deposit for a mailbox that does not exist goes back to the dialplan.
	send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"deposit", "9999"}, Channel: ch})
	select {
	case <-continued:
	case <-ctx.Done():
		t.Fatal("the refused deposit did not go back to the dialplan")
	}
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
	continued, release := make(chan struct{}), make(chan struct{})
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
	ctx := runApp(t, cfg, srv)
	ch := ari.Channel{ID: "c1", State: "Up", Caller: ari.CallerID{Number: "1001"}}
	meta := func(typ string) ari.Meta { return ari.Meta{Type: typ, Application: "voicemail"} }
	must(t, srv.Send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"deposit", "9999"}, Channel: ch}))
	select {
	case <-continued:
	case <-ctx.Done():
		t.Fatal("the refused deposit did not go back to the dialplan")
	}
	must(t, srv.Send(ari.StasisEnd{Meta: meta("StasisEnd"), Channel: ch}))
	must(t, srv.Send(ari.StasisStart{Meta: meta("StasisStart"), Args: []string{"resume"}, Channel: ch}))
	close(release)
	if _, err := srv.WaitRequest(ctx, "DELETE", "/ari/channels/c1"); err != nil {
		t.Fatalf("the channel moved back was never acted on: %v", err)
	}
}
