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
