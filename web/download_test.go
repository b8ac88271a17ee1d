package web

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/state"
)

// TestTranscriptAndMP3 shows a message's transcript in its folder, escaped,
// and serves its audio as MP3 when an encoder is configured.
func TestTranscriptAndMP3(t *testing.T) {
	if _, err := exec.LookPath("lame"); err != nil {
		t.Fatalf("lame is not installed (testenv/up installs it): %v", err)
	}
	e := newEnv(t, state.Config{})
	m := e.deposit(alice, "Carol", time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC))
	if err := e.store.SetTranscript(t.Context(), alice, m.ID, "call me back <soon> about the invoice"); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("1001", "97531")

	page := b.get("/folders/new")
	for _, want := range []string{"Transcript (automatic):", "call me back &lt;soon&gt; about the invoice"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("folder page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "format=mp3") {
		t.Error("MP3 download offered without an encoder")
	}
	if a := b.get("/messages/" + m.ID + "/audio?download=1&format=mp3"); a.header.Get("Content-Type") != "audio/wav" {
		t.Errorf("MP3 asked for without an encoder: %s, want the WAV", a.header.Get("Content-Type"))
	}

	e = newEnvWith(t, state.Config{}, func(c *Config) { c.Lame = "lame" })
	m = e.deposit(alice, "Carol", time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC))
	b = e.browser()
	b.mustLogin("1001", "97531")
	if page := b.get("/folders/new"); !strings.Contains(page.body, `/messages/`+m.ID+`/audio?download=1&amp;format=mp3`) {
		t.Error("no MP3 download link with an encoder")
	}
	a := b.get("/messages/" + m.ID + "/audio?download=1&format=mp3")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "audio/mpeg" ||
		!strings.Contains(a.header.Get("Content-Disposition"), m.ID+".mp3") {
		t.Fatalf("MP3 download: %d %s %s", a.status, a.header.Get("Content-Type"), a.header.Get("Content-Disposition"))
	}
	if k, ok := audioconv.Sniff([]byte(a.body)); !ok || k != audioconv.KindMP3 {
		t.Errorf("MP3 download sniffed as %q, %v", k, ok)
	}
}
