package email

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// memAudio is a hand-written Audio: recordings by name, in memory, with
// what was deleted.
type memAudio struct {
	mu      sync.Mutex
	files   map[string][]byte
	deleted []string
}

func newMemAudio() *memAudio { return &memAudio{files: map[string][]byte{}} }

func (a *memAudio) put(name string, wav []byte) {
	a.mu.Lock()
	a.files[name] = wav
	a.mu.Unlock()
}

func (a *memAudio) File(_ context.Context, name string) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("memAudio: %s: %w", name, ari.ErrNotFound)
	}
	return b, nil
}

func (a *memAudio) Delete(_ context.Context, names ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range names {
		delete(a.files, n)
		a.deleted = append(a.deleted, n)
	}
	return nil
}

func (a *memAudio) deletedNames() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.deleted...)
}

var _ Audio = (*memAudio)(nil)

// needTools skips (or in CI fails) a test without the Debian tools it
// uses; testenv installs them.
func needTools(tb testing.TB, tools ...string) {
	tb.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("%s not installed (testenv/up installs it)", tool)
			}
			tb.Skipf("%s not installed (testenv/up installs it)", tool)
		}
	}
}

// speechWAV returns seconds of audio as Asterisk records it (8 kHz, 16-bit
// mono WAV): a tone sweep made by sox, real audio for lame to encode.
func speechWAV(tb testing.TB, seconds float64) []byte {
	tb.Helper()
	needTools(tb, "sox")
	out := filepath.Join(tb.TempDir(), "msg.wav")
	cmd := exec.Command("sox", "-n", "-r", "8000", "-b", "16", "-c", "1", out,
		"synth", fmt.Sprintf("%.3f", seconds), "sine", "300-3000", "vol", "0.5")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("sox: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rig is a Redis, a store on it, a relay and the audio of a test.
type rig struct {
	store *state.Store
	relay *smtptest.Server
	audio *memAudio
	addr  string // Redis
	rdb   *redis.Client
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	rdb := redistest.Start(tb)
	store, err := state.New(state.Config{PINHashCost: 4}, rdb)
	if err != nil {
		tb.Fatal(err)
	}
	return &rig{store: store, relay: smtptest.NewServer(tb, smtptest.Options{}), audio: newMemAudio(),
		addr: rdb.Options().Addr, rdb: rdb}
}

// config is a Mailer config for the rig's relay, with short waits.
func (r *rig) config() Config {
	return Config{
		From:        "voicemail@pbx.test",
		SMTP:        relayConfig(r.relay, SecurityStartTLS),
		Workers:     4,
		Poll:        100 * time.Millisecond,
		SendTimeout: time.Second,
		ClaimIdle:   2 * time.Second,
		RetryMin:    time.Second,
		RetryMax:    2 * time.Second,
		Location:    time.UTC,
	}
}

// mailer returns a Mailer of the rig.
func (r *rig) mailer(tb testing.TB, cfg Config, opts ...Option) *Mailer {
	tb.Helper()
	m, err := New(cfg, r.store, r.audio, opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return m
}

// run runs m until the test ends.
func run(tb testing.TB, m *Mailer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// provision makes a mailbox.
func (r *rig) provision(tb testing.TB, b state.MailboxConfig) {
	tb.Helper()
	if _, err := r.store.Provision(context.Background(), []state.MailboxConfig{b}); err != nil {
		tb.Fatal(err)
	}
}

// leave deposits a message of wav into mb, as a call would.
func (r *rig) leave(tb testing.TB, mb state.MailboxID, at time.Time, wav []byte, edit ...func(*state.Message)) state.Message {
	tb.Helper()
	id := state.NewMessageID(at)
	w, err := parseWAV(wav)
	if err != nil {
		tb.Fatal(err)
	}
	m := state.Message{ID: id, Mailbox: mb, Recording: "voicemail/" + mb.Context + "/" + mb.Number + "/msg/" + id,
		CallerNum: "5551234", CallerName: "Zoé Caller", Received: at, Duration: w.duration()}
	for _, e := range edit {
		e(&m)
	}
	r.audio.put(m.Recording, wav)
	if _, err := r.store.Deposit(context.Background(), m); err != nil {
		tb.Fatalf("Deposit: %v", err)
	}
	return m
}

// part is one MIME part of a received mail.
type part struct {
	contentType string
	params      map[string]string
	disposition string
	filename    string
	body        []byte // decoded
}

// parts splits a received mail into its decoded parts.
func parts(tb testing.TB, r smtptest.Received) []part {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		tb.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		tb.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decodeBody(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		if err != nil {
			tb.Fatal(err)
		}
		return []part{{contentType: mt, params: params, body: body}}
	}
	var out []part
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		ct, cparams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		disp, dparams, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		body, err := decodeBody(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, part{contentType: ct, params: cparams, disposition: disp, filename: dparams["filename"], body: body})
	}
}

// decodeHeader decodes an RFC 2047 header value.
func decodeHeader(tb testing.TB, v string) string {
	tb.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		tb.Fatalf("decode header %q: %v", v, err)
	}
	return s
}

// mustID parses a mailbox id.
func mustID(tb testing.TB, s string) state.MailboxID {
	tb.Helper()
	id, err := state.ParseMailbox(s)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// decodeBody undoes a Content-Transfer-Encoding.
func decodeBody(cte string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(cte) {
	case "base64":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, r))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	}
	return io.ReadAll(r)
}

// mp3Duration decodes an MP3 file with lame and measures it.
func mp3Duration(tb testing.TB, mp3 []byte) (time.Duration, int) {
	tb.Helper()
	dir := tb.TempDir()
	in, out := filepath.Join(dir, "a.mp3"), filepath.Join(dir, "a.wav")
	if err := os.WriteFile(in, mp3, 0o600); err != nil {
		tb.Fatal(err)
	}
	if b, err := exec.Command("lame", "--quiet", "--decode", in, out).CombinedOutput(); err != nil {
		tb.Fatalf("lame --decode: %v: %s", err, b)
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := parseWAV(wav)
	if err != nil {
		tb.Fatalf("decoded MP3: %v", err)
	}
	return w.duration(), int(binary.LittleEndian.Uint32(w.format[4:8]))
}
