package admin

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// withUpload serves e's API again from a Service that takes uploads into
// a temporary recording directory, which it returns.
func (e *env) withUpload(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"sox", "lame"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" is not installed (testenv/up installs it)")
		}
	}
	root := t.TempDir()
	spool, err := recordings.NewSpool(root)
	if err != nil {
		t.Fatal(err)
	}
	conv := audioconv.NewSox("", audioconv.Limits{MaxDuration: 30 * time.Second})
	if err := conv.Check(context.Background()); err != nil {
		testenv.Missing(t, err.Error())
	}
	e.svc.conv, e.svc.writer = conv, spool
	return root
}

// upload PUTs audio as a greeting, with contentType.
func (e *env) upload(path, contentType string, audio []byte) reply {
	t := e.t
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, e.srv.URL+path, bytes.NewReader(audio))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	checkAnswer(t, req, audio, r)
	return r
}

// tone is a WAV file of a 44.1 kHz stereo tone, and its MP3.
func tone(t *testing.T, secs string) (wav, mp3 []byte) {
	t.Helper()
	dir := t.TempDir()
	w := filepath.Join(dir, "t.wav")
	if out, err := exec.Command("sox", "-n", "-r", "44100", "-c", "2", "-b", "16", w, "synth", secs, "sine", "440").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	if out, err := exec.Command("lame", "--quiet", w, w+".mp3").CombinedOutput(); err != nil {
		t.Fatalf("lame: %v: %s", err, out)
	}
	wav, _ = os.ReadFile(w)
	mp3, _ = os.ReadFile(w + ".mp3")
	return wav, mp3
}

func TestUploadGreeting(t *testing.T) {
	e := newEnv(t, state.Config{})
	ctx := t.Context()
	id := mailbox.MustParseID("7101")
	if _, err := e.store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	// No recording directory: the instance says so.
	if r := e.upload("/api/v1/mailboxes/7101/greetings/unavail/audio", "audio/wav", wavBytes()); r.status != http.StatusServiceUnavailable || r.code(t) != "upload_unavailable" {
		t.Fatalf("upload without a directory: %d %s", r.status, r.body)
	}
	root := e.withUpload(t)
	wav, mp3 := tone(t, "2")

	var got UploadedGreeting
	r := e.upload("/api/v1/mailboxes/7101/greetings/unavail/audio", "audio/wav", wav)
	if r.status != http.StatusOK {
		t.Fatalf("WAV upload: %d %s", r.status, r.body)
	}
	r.json(t, &got)
	if got.Format != "wav" || got.Greeting != "unavail" || got.Mailbox != "7101@default" || got.Seconds < 1.99 || got.Seconds > 2.01 {
		t.Errorf("WAV upload: %+v", got)
	}
	first, _ := e.store.Greetings(ctx, id)
	name := first[mailbox.GreetingUnavail]
	if !strings.HasPrefix(name, "voicemail/default/7101/greeting/unavail-") {
		t.Fatalf("greeting recording %q", name)
	}
	stored, err := os.ReadFile(filepath.Join(root, name+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := recordings.WAVDuration(stored); err != nil || d != 2*time.Second || !bytes.Equal(stored[20:36], audioconv.WAV(nil)[20:36]) {
		t.Errorf("stored file: %s, %v, format % x", d, err, stored[20:36])
	}

	// An MP3 (sent as octet-stream by a careless client: the content
	// decides) replaces it; the first take's audio is deleted.
	r = e.upload("/api/v1/mailboxes/7101/greetings/unavail/audio", "audio/mpeg", mp3)
	if r.status != http.StatusOK {
		t.Fatalf("MP3 upload: %d %s", r.status, r.body)
	}
	r.json(t, &got)
	if got.Format != "mp3" || got.Seconds < 1.9 || got.Seconds > 2.2 {
		t.Errorf("MP3 upload: %+v", got)
	}
	second, _ := e.store.Greetings(ctx, id)
	if second[mailbox.GreetingUnavail] == name {
		t.Error("the MP3 did not replace the WAV")
	}
	if !e.ariDeleted(strings.ReplaceAll(name, "/", "%2F")) {
		t.Error("the replaced take's audio was not deleted")
	}

	// Refused: not audio, too short, an unknown greeting, no mailbox.
	for _, tt := range []struct {
		path, ctype string
		body        []byte
		status      int
		code        string
	}{
		{"/api/v1/mailboxes/7101/greetings/busy/audio", "audio/wav", []byte("not audio, only words"), http.StatusUnsupportedMediaType, "unsupported_audio"},
		{"/api/v1/mailboxes/7101/greetings/busy/audio", "audio/wav", audioconv.WAV(make([]byte, 800)), http.StatusUnprocessableEntity, "audio_too_short"},
		{"/api/v1/mailboxes/7101/greetings/greet/audio", "audio/wav", wav, http.StatusBadRequest, "invalid_request"},
		{"/api/v1/mailboxes/7999/greetings/busy/audio", "audio/wav", wav, http.StatusNotFound, "mailbox_not_found"},
		{"/api/v1/mailboxes/7101/greetings/busy/audio", "text/plain", wav, http.StatusBadRequest, "invalid_request"},
	} {
		if r := e.upload(tt.path, tt.ctype, tt.body); r.status != tt.status || r.code(t) != tt.code {
			t.Errorf("PUT %s (%s): %d %s, want %d %s", tt.path, tt.ctype, r.status, r.body, tt.status, tt.code)
		}
	}
	if g, _ := e.store.Greetings(ctx, id); g[mailbox.GreetingBusy] != "" {
		t.Errorf("a refused upload set a greeting: %v", g)
	}
	entries, _, err := e.store.AuditLog(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, en := range entries {
		if en.Action == "greeting.upload" {
			if en.Result == "ok" {
				ok++
			} else {
				refused++
			}
		}
	}
	if ok != 2 || refused != 6 {
		t.Errorf("audit: %d uploads ok, %d refused; want 2 and 6: %+v", ok, refused, entries)
	}
}

// TestUploadRefusesWhatAsteriskDoesNotSee: a recording directory that is
// not Asterisk's (ARI answers 404 for the new take) gives
// upload_unavailable and leaves no file behind.
func TestUploadRefusesWhatAsteriskDoesNotSee(t *testing.T) {
	e := newEnv(t, state.Config{})
	ctx := t.Context()
	id := mailbox.MustParseID("7102")
	if _, err := e.store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	root := e.withUpload(t)
	e.ari.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"Recording not found"}`, http.StatusNotFound)
	})
	wav, _ := tone(t, "1")
	if r := e.upload("/api/v1/mailboxes/7102/greetings/temp/audio", "audio/wav", wav); r.status != http.StatusServiceUnavailable || r.code(t) != "upload_unavailable" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var files []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
	if g, _ := e.store.Greetings(ctx, id); len(g) != 0 {
		t.Errorf("greetings: %v", g)
	}
}
