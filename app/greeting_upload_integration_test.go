package app

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// TestIntegrationUploadedGreetingsPlay is issue 15's upload path: an MP3
// and a WAV (44.1 kHz stereo, as a desktop tool writes them) uploaded
// through the admin API become 1001's unavailable and busy greetings, and
// real calls to 1001 hear them, from the recording directory that Asterisk
// shares with the app.
func TestIntegrationUploadedGreetingsPlay(t *testing.T) {
	dir := os.Getenv("VOICEMAIL_TEST_RECORDINGS")
	if dir == "" {
		testenv.Missing(t, "VOICEMAIL_TEST_RECORDINGS is not set (testenv/where prints it)")
	}
	for _, tool := range []string{"sox", "lame"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" is not installed (testenv/up installs it)")
		}
	}
	secret, tok, err := admin.NewToken("it-upload")
	must(t, err)
	h := startHarness(t, func(c *Config) {
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Tokens = []AdminToken{{Name: "it-upload", SHA256: tok.HexHash()}}
		c.Admin.RecordingsDir = dir
	})
	ctx := testkit.Timeout(t, 2*time.Minute)

	tmp := t.TempDir()
	wavPath := filepath.Join(tmp, "greeting.wav")
	out, err := exec.Command("sox", "-n", "-r", "44100", "-c", "2", "-b", "16", wavPath, "synth", "3", "sine", "300-900").CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	if out, err := exec.Command("lame", "--quiet", wavPath, wavPath+".mp3").CombinedOutput(); err != nil {
		t.Fatalf("lame: %v: %s", err, out)
	}
	wav, err := os.ReadFile(wavPath)
	must(t, err)
	mp3, err := os.ReadFile(wavPath + ".mp3")
	must(t, err)

	base := "http://" + h.app.admin.Addr()
	upload := func(greeting, ctype string, body []byte) admin.UploadedGreeting {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/api/v1/mailboxes/1001/greetings/"+greeting+"/audio", bytes.NewReader(body))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", ctype)
		var got admin.UploadedGreeting
		apiClient{t: t}.decode(req, http.StatusOK, &got)
		return got
	}
	if got := upload("unavail", "audio/mpeg", mp3); got.Format != "mp3" || got.Seconds < 2.9 || got.Seconds > 3.2 {
		t.Errorf("MP3 upload: %+v", got)
	}
	if got := upload("busy", "audio/wav", wav); got.Format != "wav" || got.Seconds != 3 {
		t.Errorf("WAV upload: %+v", got)
	}
	greetings, err := h.store().Greetings(ctx, box("1001"))
	must(t, err)
	for _, kind := range []state.GreetingKind{state.GreetingUnavail, state.GreetingBusy} {
		if greetings[kind] == "" || !h.storedExists(ctx, greetings[kind]) {
			t.Fatalf("greeting %s not stored: %v", kind, greetings)
		}
	}
	// Callers hear them: Asterisk plays the uploaded files.
	unavail := h.dial(ctx, "1001", "Eve <2005>")
	must(t, unavail.Expect(ctx, "recording:"+greetings[state.GreetingUnavail], "vm-intro"))
	must(t, unavail.Hangup(ctx))
	busy := h.dial(ctx, "b1001", "Eve <2005>")
	must(t, busy.Expect(ctx, "recording:"+greetings[state.GreetingBusy], "vm-intro"))
	must(t, busy.Hangup(ctx))
}
