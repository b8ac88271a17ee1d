package app

import (
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
)

// TestKeyWhileRecordingStopsTheRecording: '#' while a caller's message is
// recorded, and 0 with the mailbox's operator option on, reach ARI as the
// stop of the live recording (through the instrumented recorder), so that
// its end, with the audio, comes back as for Asterisk's own '#'. The app
// does not wait for that one: a short key reaches the recording a frame
// late (docs/asterisk.md).
func TestKeyWhileRecordingStopsTheRecording(t *testing.T) {
	on := true
	for _, tc := range []struct {
		key      string
		operator *bool
	}{
		{"#", nil},
		{"0", &on},
	} {
		t.Run(tc.key, func(t *testing.T) {
			srv := aritest.NewServer(t)
			cfg := fakeARIConfig(t, srv)
			cfg.Mailboxes = []MailboxConfig{{Mailbox: "1001", PIN: "1234", Operator: tc.operator}}
			ctx := runApp(t, cfg, srv)
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
			dtmf(tc.key)
			stop, err := srv.WaitRequest(ctx, "POST", "/ari/recordings/live/")
			must(t, err)
			if !strings.HasSuffix(stop.Path, "/stop") || !strings.Contains(stop.Path, strings.ReplaceAll(name, "/", "%2F")) && !strings.Contains(stop.Path, name) {
				t.Fatalf("stopped %s, want the recording %s", stop.Path, name)
			}
		})
	}
}
