package admin

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// lamps records the mailboxes whose counts the service said changed (a
// fake of our own Lamps).
type lamps struct {
	mu      sync.Mutex
	changed []mailbox.ID
}

func (l *lamps) Changed(_ context.Context, id mailbox.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changed = append(l.changed, id)
}

func (l *lamps) count(id mailbox.ID) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.changed {
		if c == id {
			n++
		}
	}
	return n
}

// commandCounter counts the Redis commands sent, apart from the audit
// trail's XADD: bad input must not reach Redis.
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "xadd" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// env is an admin API on a private Redis and a fake ARI.
type env struct {
	t     *testing.T
	store *state.Store
	rdb   *redis.Client
	ari   *aritest.Server
	lamps *lamps
	svc   *Service
	srv   *httptest.Server
	token string
	cmds  *commandCounter
}

// wavBytes is a WAV file of half a second of silence, as Asterisk stores
// a recording.
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
	b = append(b, le32(8000)...)
	b = append(b, make([]byte, 8000)...)
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	return b
}

// newEnv starts the API; cfg tweaks the store's settings.
func newEnv(t *testing.T, cfg state.Config) *env {
	t.Helper()
	t.Cleanup(testkit.CheckRoutines(t))
	rdb := redistest.Start(t)
	cfg.PINHashCost = 4
	log := zaptest.NewLogger(t)
	store, err := state.New(cfg, rdb, state.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	fake := aritest.NewServer(t)
	wav := wavBytes()
	fake.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(wav)
	})
	fake.Handle(http.MethodPost, "/recordings/stored/{name}/copy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"name":%q,"format":"wav"}`, r.URL.Query().Get("destinationRecordingName"))
	})
	client, err := ari.New(ari.Config{URL: fake.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	l := &lamps{}
	svc, err := NewService(Config{PINPolicy: mailbox.PINPolicy{MinLength: 4, DefaultPIN: "1234"}}, store,
		recordings.New(client, log), l, WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := NewToken("ops")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := NewTokens([]Token{tok})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(svc, tokens, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cmds := &commandCounter{}
	rdb.AddHook(cmds)
	return &env{t: t, store: store, rdb: rdb, ari: fake, lamps: l, svc: svc, srv: srv, token: secret, cmds: cmds}
}

// reply is an answer of the API.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test if it cannot.
func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d %q: %v", r.status, r.body, err)
	}
}

// code is the error code of an error answer.
func (r reply) code(t *testing.T) string {
	t.Helper()
	var e ErrorView
	r.json(t, &e)
	return e.Code
}

// call sends a request with the env's token and checks the answer against
// the OpenAPI document (status and body of the operation).
func (e *env) call(method, path string, body any) reply {
	e.t.Helper()
	return e.callAs(e.token, method, path, body)
}

func (e *env) callAs(token, method, path string, body any) reply {
	t := e.t
	t.Helper()
	var rdr io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	if raw != nil {
		rdr = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rdr)
	if err != nil {
		t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: got}
	checkAnswer(t, req, raw, r)
	return r
}

// checkAnswer validates an answer against the OpenAPI document, so that
// the document says what the server does.
func checkAnswer(t *testing.T, req *http.Request, body []byte, r reply) {
	t.Helper()
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(sp.doc)
	if err != nil {
		t.Fatal(err)
	}
	req = req.Clone(context.Background())
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		// A path the document's router cannot split (an escaped "/" in a
		// mailbox id) is refused by the server as a bad parameter.
		if r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed && r.status != http.StatusBadRequest {
			t.Errorf("%s %s is not in the document, yet answered %d", req.Method, req.URL.Path, r.status)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d %s, which the document does not describe: %v",
			req.Method, req.URL.Path, r.status, strings.TrimSpace(string(r.body)), err)
	}
}

func init() {
	openapi3filter.RegisterBodyDecoder("audio/wav", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.FileBodyDecoder)
}
