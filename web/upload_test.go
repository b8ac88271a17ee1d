package web

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// soxFile is a test recording of seconds at 44.1 kHz stereo, in the
// format of name's extension, made by sox (testenv/up installs it).
func soxFile(t *testing.T, name string, seconds int) []byte {
	t.Helper()
	return soxFileAt(t, name, seconds, 44100, 2)
}

// soxFileAt is soxFile at a sample rate and a number of channels.
func soxFileAt(t *testing.T, name string, seconds, rate, channels int) []byte {
	t.Helper()
	if _, err := exec.LookPath("sox"); err != nil {
		t.Fatalf("sox is not installed (testenv/up installs it): %v", err)
	}
	return testkit.ToneFile(t, name, seconds, rate, channels)
}

// TestGreetingUpload uploads a greeting through the page with the real
// converter (sox) into a recording directory: the file becomes the
// mailbox's greeting as 8 kHz WAV, and bad files get the page again with
// what was wrong, changing nothing.
func TestGreetingUpload(t *testing.T) {
	dir := t.TempDir()
	spool, err := recordings.NewSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	conv := audioconv.NewSox("sox", audioconv.Limits{MaxDuration: 60 * time.Second})
	e := newEnv(t, state.Config{}, admin.WithUpload(conv, spool))
	b := e.browser()
	b.mustLogin("1001", "97531")

	page := b.get("/greetings")
	for _, want := range []string{`action="/greetings/unavail/upload"`, `enctype="multipart/form-data"`, `name="audio"`, "at most 20 MB"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("greetings page lacks %q", want)
		}
	}

	a := b.upload("/greetings/unavail/upload", b.csrf("/greetings"), "hello.wav", soxFile(t, "hello.wav", 2))
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/greetings?ok=greet.uploaded" {
		t.Fatalf("upload: %d %s %q", a.status, a.header.Get("Location"), a.body)
	}
	greetings, err := e.store.Greetings(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	name := greetings[mailbox.GreetingUnavail]
	if name == "" {
		t.Fatalf("no unavailable greeting after the upload: %+v", greetings)
	}
	wav, err := os.ReadFile(filepath.Join(dir, name+".wav"))
	if err != nil {
		t.Fatalf("uploaded greeting not in the recording directory: %v", err)
	}
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || le32(wav[24:28]) != 8000 {
		t.Fatalf("stored greeting is not 8 kHz WAV: % x", wav[:min(len(wav), 44)])
	}
	if page := b.get("/greetings?ok=greet.uploaded"); !strings.Contains(page.body, "callers hear it from their next call") {
		t.Error("no notice after the upload")
	}

	// An MP3 is taken too.
	if a := b.upload("/greetings/busy/upload", b.csrf("/greetings"), "busy.mp3", soxFile(t, "busy.mp3", 2)); a.status != http.StatusSeeOther {
		t.Fatalf("MP3 upload: %d %q", a.status, a.body)
	}

	for _, tc := range []struct {
		name, file string
		audio      []byte
		status     int
		says       string
	}{
		{"not audio", "x.wav", []byte("hello, this is not a recording"), http.StatusUnsupportedMediaType, "not a WAV or MP3"},
		{"too long", "long.wav", soxFileAt(t, "long.wav", 61, 8000, 1), http.StatusBadRequest, "too long"},
		{"too large", "big.wav", make([]byte, maxUpload+1<<20), http.StatusRequestEntityTooLarge, "too large"},
		{"no file", "", nil, http.StatusBadRequest, "Choose a WAV or MP3 file"},
	} {
		var a answer
		if tc.file == "" {
			a = b.post("/greetings/temp/upload", map[string][]string{"csrf": {b.csrf("/greetings")}})
		} else {
			a = b.upload("/greetings/temp/upload", b.csrf("/greetings"), tc.file, tc.audio)
		}
		if a.status != tc.status || !strings.Contains(a.body, tc.says) {
			t.Errorf("%s: %d, want %d saying %q", tc.name, a.status, tc.status, tc.says)
		}
	}
	after, err := e.store.Greetings(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if after[mailbox.GreetingTemp] != "" || after[mailbox.GreetingBusy] == "" {
		t.Errorf("after the refused uploads: %v; want a busy greeting and no temporary one", after)
	}

	// Without the CSRF token nothing is stored.
	if a := b.upload("/greetings/temp/upload", "", "hello.wav", soxFile(t, "hello2.wav", 2)); a.status != http.StatusForbidden {
		t.Errorf("upload without a CSRF token: %d, want 403", a.status)
	}
	if g, _ := e.store.Greetings(t.Context(), alice); g[mailbox.GreetingTemp] != "" {
		t.Error("an upload without a CSRF token set the temporary greeting")
	}
}

// TestGreetingUploadOff: an instance without a recording directory says
// so on the page and refuses an upload, storing nothing.
func TestGreetingUploadOff(t *testing.T) {
	e := newEnv(t, state.Config{})
	b := e.browser()
	b.mustLogin("1001", "97531")
	page := b.get("/greetings")
	if strings.Contains(page.body, "/upload") || !strings.Contains(page.body, "not available on this system") {
		t.Errorf("greetings page without uploads: %q", page.body)
	}
	if a := b.upload("/greetings/unavail/upload", b.csrf("/greetings"), "hello.wav", soxFile(t, "hello.wav", 2)); a.status != http.StatusServiceUnavailable {
		t.Errorf("upload: %d, want 503", a.status)
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
