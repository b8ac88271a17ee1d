package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// lamps records the mailboxes whose counts changed (a fake of the admin
// package's Lamps).
type lamps struct {
	mu sync.Mutex
	n  map[mailbox.ID]int
}

func (l *lamps) Changed(_ context.Context, id mailbox.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n[id]++
}

func (l *lamps) count(id mailbox.ID) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[id]
}

// wavBytes is a WAV file of one second of silence.
func wavBytes() []byte {
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	var b []byte
	b = append(b, "RIFF"...)
	b = append(b, le32(0)...)
	b = append(b, "WAVEfmt "...)
	b = append(b, le32(16)...)
	b = append(b, le16(1)...)
	b = append(b, le16(1)...)
	b = append(b, le32(8000)...)
	b = append(b, le32(16000)...)
	b = append(b, le16(2)...)
	b = append(b, le16(16)...)
	b = append(b, "data"...)
	b = append(b, le32(16000)...)
	b = append(b, make([]byte, 16000)...)
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	return b
}

// env is the pages on a private Redis and a fake ARI.
type env struct {
	t      testing.TB
	store  *state.Store
	lamps  *lamps
	svc    *admin.Service
	h      *Handler
	srv    *httptest.Server
	secret string
	copies *copyLog
}

// copyLog records the recordings the fake Asterisk copied, "from>to".
type copyLog struct {
	mu   sync.Mutex
	done []string
}

func (c *copyLog) add(from, to string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = append(c.done, from+">"+to)
}

func (c *copyLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.done...)
}

var alice = mailbox.MustParseID("1001")

// newEnv starts the pages; opts are more options of the admin service
// (admin.WithUpload).
func newEnv(t *testing.T, cfg state.Config, opts ...admin.Option) *env {
	t.Helper()
	return newEnvTB(t, cfg, opts...)
}

func newEnvTB(t testing.TB, cfg state.Config, opts ...admin.Option) *env {
	t.Helper()
	return newEnvWith(t, cfg, nil, opts...)
}

// newEnvWith is newEnv with the pages' configuration changed by tweak.
func newEnvWith(t testing.TB, cfg state.Config, tweak func(*Config), opts ...admin.Option) *env {
	t.Helper()
	t.Cleanup(testkit.CheckRoutines(t))
	rdb := redistest.Start(t)
	cfg.PINHashCost = 4
	log := zap.NewNop()
	if _, ok := t.(*testing.B); !ok {
		log = zaptest.NewLogger(t)
	}
	store, err := state.New(cfg, rdb, state.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Provision(t.Context(), []state.MailboxConfig{{ID: alice, Name: "Alice", PIN: "97531", Notify: state.NotifySettings{Timezone: "Europe/Paris"}}}); err != nil {
		t.Fatal(err)
	}
	fake := aritest.NewServer(t)
	wav := wavBytes()
	fake.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(wav)
	})
	fake.Handle(http.MethodDelete, "/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	copies := &copyLog{}
	fake.Handle(http.MethodPost, "/recordings/stored/{name}/copy", func(w http.ResponseWriter, r *http.Request) {
		copies.add(r.PathValue("name"), r.URL.Query().Get("destinationRecordingName"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"name":%q,"format":"wav"}`, r.URL.Query().Get("destinationRecordingName"))
	})
	client, err := ari.New(ari.Config{URL: fake.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	l := &lamps{n: map[mailbox.ID]int{}}
	svc, err := admin.NewService(admin.Config{PINPolicy: mailbox.PINPolicy{MinLength: 4, DefaultPIN: "1234"}}, store,
		recordings.New(client, log), l, append([]admin.Option{admin.WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := admin.NewToken("ops")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := admin.NewTokens([]admin.Token{tok})
	if err != nil {
		t.Fatal(err)
	}
	wcfg := DefaultConfig()
	wcfg.PollInterval = 200 * time.Millisecond
	if tweak != nil {
		tweak(&wcfg)
	}
	h, err := New(wcfg, svc, tokens, rdb, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)
	return &env{t: t, store: store, lamps: l, svc: svc, h: h, srv: srv, secret: secret, copies: copies}
}

// browser is a client with cookies that does not follow redirects.
type browser struct {
	e      *env
	c      *http.Client
	origin string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{e: e, c: c, origin: e.srv.URL}
}

// page is an answer.
type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) answer {
	t := b.e.t
	t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string, header ...string) answer {
	b.e.t.Helper()
	req, err := http.NewRequestWithContext(b.e.t.Context(), http.MethodGet, b.e.srv.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) answer {
	b.e.t.Helper()
	req, err := http.NewRequestWithContext(b.e.t.Context(), http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

// upload posts file as the form field "audio" of a multipart form, with
// the CSRF token tok.
func (b *browser) upload(path, tok, filename string, file []byte) answer {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", tok)
	fw, err := mw.CreateFormFile("audio", filename)
	if err != nil {
		b.e.t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(b.e.t.Context(), http.MethodPost, b.e.srv.URL+path, &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.origin)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the forms of the page at path.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	a := b.get(path)
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		b.e.t.Fatalf("GET %s: %d, no CSRF token in %q", path, a.status, a.body)
	}
	return m[1]
}

// login signs in as mailbox with pin and returns the answer.
func (b *browser) login(mb, pin string) answer {
	b.e.t.Helper()
	tok := b.csrf("/login")
	return b.post("/login", url.Values{"csrf": {tok}, "mailbox": {mb}, "pin": {pin}})
}

// adminLogin signs in as the administrator of the env's token, or fails
// the test.
func (b *browser) adminLogin() {
	b.e.t.Helper()
	tok := b.csrf("/admin/login")
	if a := b.post("/admin/login", url.Values{"csrf": {tok}, "token": {b.e.secret}}); a.status != http.StatusSeeOther {
		b.e.t.Fatalf("admin sign-in: %d %q", a.status, a.body)
	}
}

// mustLogin signs in or fails the test.
func (b *browser) mustLogin(mb, pin string) {
	b.e.t.Helper()
	if a := b.login(mb, pin); a.status != http.StatusSeeOther || a.header.Get("Location") != "/folders/new" {
		b.e.t.Fatalf("login %s: %d %s %q", mb, a.status, a.header.Get("Location"), a.body)
	}
}

// deposit leaves a message for mailbox id.
func (e *env) deposit(id mailbox.ID, caller string, at time.Time) state.Message {
	e.t.Helper()
	msgID := state.NewMessageID(at)
	m := state.Message{ID: msgID, Mailbox: id, Folder: state.FolderNew,
		Recording: fmt.Sprintf("voicemail/%s/%s/msg/%s", id.Context, id.Number, msgID),
		CallerNum: "5551234", CallerName: caller, Received: at, Duration: 65 * time.Second}
	if _, err := e.store.Deposit(e.t.Context(), m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// events reads server-sent events of an open stream.
type events struct {
	sc *bufio.Scanner
}

// next returns the next event's name and data.
func (ev events) next() (string, string, error) {
	var name, data string
	for ev.sc.Scan() {
		line := ev.sc.Text()
		switch {
		case line == "" && name != "":
			return name, data, nil
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	if err := ev.sc.Err(); err != nil {
		return "", "", err
	}
	return "", "", io.EOF
}

var adminActor = admin.Actor{Name: "test", Source: "cli"}

func adminPIN(pin string) admin.PINReset { return admin.PINReset{PIN: pin} }

func httpReq(t *testing.T, path string) *http.Request {
	t.Helper()
	return httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
