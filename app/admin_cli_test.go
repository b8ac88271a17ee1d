package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// cliEnv runs the mailbox and message commands against a private Redis and
// a fake ARI, as an operator would type them.
type cliEnv struct {
	t                        *testing.T
	redis                    string
	ariURL, ariUser, ariPass string
	store                    *state.Store
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	rdb := redistest.Start(t)
	store, err := state.New(state.Config{PINHashCost: 4}, rdb)
	if err != nil {
		t.Fatal(err)
	}
	fake := aritest.NewServer(t)
	fake.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(silentWAV(8000))
	})
	fake.Handle(http.MethodPost, "/recordings/stored/{name}/copy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"name":%q,"format":"wav"}`, r.URL.Query().Get("destinationRecordingName"))
	})
	return &cliEnv{t: t, redis: rdb.Options().Addr, ariURL: fake.URL(), ariUser: aritest.DefaultUsername,
		ariPass: aritest.DefaultPassword, store: store}
}

// silentWAV is a WAV file of n bytes of 8 kHz 16-bit silence.
func silentWAV(n int) []byte {
	le32 := func(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
	b := append([]byte("RIFF"), le32(36+n)...)
	b = append(b, "WAVEfmt "...)
	b = append(b, le32(16)...)
	b = append(b, 1, 0, 1, 0)
	b = append(b, le32(8000)...)
	b = append(b, le32(16000)...)
	b = append(b, 2, 0, 16, 0)
	b = append(b, "data"...)
	b = append(b, le32(n)...)
	return append(b, make([]byte, n)...)
}

// run runs `voicemail ARGS…` with stdin and the environment env; it returns
// the standard output and the error.
func (e *cliEnv) run(stdin string, env map[string]string, args ...string) (string, error) {
	e.t.Helper()
	base := []string{"--redis.addrs", e.redis, "--ari.url", e.ariURL, "--ari.username", e.ariUser,
		"--ari.password_file", writeFile(e.t, "ari-password", e.ariPass),
		"--voicemail.pin_hash_cost", "4", "--ops.listen", ""}
	var fsck *fsckOptions
	var opts *adminOptions
	var flags *pflag.FlagSet
	cfg, rest, err := loadConfig(append(base, args...), envOf(env), func(fs *pflag.FlagSet) {
		flags, fsck, opts = fs, fsckFlags(fs), adminFlags(fs)
	})
	if err != nil {
		return "", err
	}
	if msg := misplacedFlag(flags, rest); msg != "" {
		return "", usageError("%s", msg)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = adminCommand(ctx, cfg, zaptest.NewLogger(e.t), rest, opts, fsck.JSON, strings.NewReader(stdin), &out,
		envOf(mergeEnv(env, map[string]string{"USER": "alice"})))
	return out.String(), err
}

func mergeEnv(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestMailboxCommands(t *testing.T) {
	e := newCLIEnv(t)
	ctx := t.Context()

	out, err := e.run("", nil, "mailbox", "add", "2001", "--name", "Alice Smith", "--email", "alice@example.com")
	if err != nil || !strings.Contains(out, "created 2001@default (Alice Smith)") || !strings.Contains(out, "one-time PIN: ") {
		t.Fatalf("add: %q, %v", out, err)
	}
	pin := strings.Fields(strings.SplitN(out, "one-time PIN: ", 2)[1])[0]
	if mb, err := e.store.Authenticate(ctx, mailbox.MustParseID("2001"), pin); err != nil || !mb.PINIsDefault {
		t.Errorf("login with the printed PIN: %+v, %v", mb, err)
	}
	// A PIN from standard input, or from the environment; never the
	// command line.
	if out, err = e.run("97531\n", nil, "mailbox", "add", "2002@sales", "--pin-stdin", "--must-change=false", "--review", "true"); err != nil || strings.Contains(out, "97531") {
		t.Fatalf("add with a PIN on stdin: %q, %v", out, err)
	}
	if _, err := e.store.Authenticate(ctx, mailbox.MustParseID("2002@sales"), "97531"); err != nil {
		t.Errorf("login with the PIN given on stdin: %v", err)
	}
	if _, err = e.run("", map[string]string{"NEWPIN": "86420"}, "mailbox", "reset-pin", "2002@sales", "--pin-env", "NEWPIN"); err != nil {
		t.Fatal(err)
	}
	if mb, err := e.store.Authenticate(ctx, mailbox.MustParseID("2002@sales"), "86420"); err != nil || !mb.PINIsDefault {
		t.Errorf("login with the PIN from the environment: %+v, %v", mb, err)
	}
	for _, bad := range [][]string{
		{"mailbox", "add", "2003", "--pin", "1234"},
		{"mailbox", "reset-pin", "2002@sales", "--pin-stdin", "--pin-env", "X"},
		{"mailbox", "reset-pin", "2002@sales", "--pin-env", "UNSET"},
		{"mailbox", "add", "../2003"},
		{"mailbox", "delete", "2001"},
		{"mailbox", "set", "2001"},
		{"mailbox", "frobnicate"},
		{"message", "list", "2001", "--name", "x"},
		{"lockout", "2001", "--yes"},
	} {
		if _, err := e.run("", nil, bad...); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	if _, err := e.run("1111\n", nil, "mailbox", "reset-pin", "2002@sales", "--pin-stdin"); err == nil || !strings.Contains(err.Error(), "too easy") {
		t.Errorf("a weak PIN: %v", err)
	}

	// --json prints the API's shapes.
	out, err = e.run("", nil, "mailbox", "list", "--json")
	var page admin.MailboxPageView
	if err != nil || json.Unmarshal([]byte(out), &page) != nil || len(page.Mailboxes) != 2 {
		t.Fatalf("list --json: %q, %v", out, err)
	}
	out, err = e.run("", nil, "mailbox", "set", "2001", "--review", "false", "--language", "fr", "--json")
	var mb admin.MailboxView
	if err != nil || json.Unmarshal([]byte(out), &mb) != nil || mb.Review == nil || *mb.Review || mb.Language != "fr" {
		t.Fatalf("set --json: %q, %v", out, err)
	}
	if out, err = e.run("", nil, "mailbox", "show", "2002@sales"); err != nil || !strings.Contains(out, "set by admin, must be changed") {
		t.Errorf("show: %q, %v", out, err)
	}

	// Messages: list, move, export, delete.
	id := mailbox.MustParseID("2001")
	for i, msgID := range []string{"m1", "m2"} {
		m := state.Message{ID: msgID, Mailbox: id, Folder: state.FolderNew, Recording: "voicemail/default/2001/msg/" + msgID,
			CallerNum: "5551234", CallerName: "Carol", Received: time.Now().Add(time.Duration(i) * time.Second), Duration: 3 * time.Second}
		if _, err := e.store.Deposit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if out, err = e.run("", nil, "message", "list", "2001", "--folder", "new"); err != nil || !strings.Contains(out, "m1") || !strings.Contains(out, "Carol <5551234>") {
		t.Errorf("message list: %q, %v", out, err)
	}
	if _, err = e.run("", nil, "message", "move", "2001", "m1", "work"); err != nil {
		t.Fatal(err)
	}
	if out, err = e.run("", nil, "message", "forward", "2001", "m2", "2002@sales"); err != nil || !strings.Contains(out, "forwarded m2 of 2001@default to 2002@sales as ") {
		t.Fatalf("forward: %q, %v", out, err)
	}
	if c, _ := e.store.Counts(ctx, mailbox.MustParseID("2002@sales")); c.New != 1 {
		t.Errorf("counts of the mailbox forwarded to: %+v", c)
	}
	if _, err = e.run("", nil, "message", "forward", "2001", "m2", "2001"); err == nil {
		t.Error("forward to the mailbox itself: no error")
	}
	dir := t.TempDir()
	if out, err = e.run("", nil, "message", "export", "2001", "--out", dir); err != nil || !strings.Contains(out, "2 messages exported") {
		t.Fatalf("export: %q, %v", out, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "m1.wav")); err != nil || !bytes.HasPrefix(b, []byte("RIFF")) {
		t.Errorf("exported audio: %d bytes, %v", len(b), err)
	}
	var env admin.MessageView
	if b, err := os.ReadFile(filepath.Join(dir, "m1.json")); err != nil || json.Unmarshal(b, &env) != nil || env.Folder != "work" {
		t.Errorf("exported envelope: %+v, %v", env, err)
	}
	if _, err = e.run("", nil, "message", "delete", "2001", "m1", "m2", "--yes"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.store.Counts(ctx, id); c != (state.Counts{}) {
		t.Errorf("counts after delete: %+v", c)
	}
	// Deleted to the trash: listed there, one restored, the other purged.
	if out, err = e.run("", nil, "message", "trash", "2001"); err != nil || !strings.Contains(out, "m1") || !strings.Contains(out, "m2") {
		t.Fatalf("trash: %q, %v", out, err)
	}
	if out, err = e.run("", nil, "message", "restore", "2001", "m1"); err != nil || !strings.Contains(out, "restored m1 of 2001@default to work") {
		t.Fatalf("restore: %q, %v", out, err)
	}
	if _, err = e.run("", nil, "message", "purge", "2001", "m2"); err == nil {
		t.Errorf("purge without --yes went ahead")
	}
	if out, err = e.run("", nil, "message", "purge", "2001", "m2", "--yes"); err != nil || !strings.Contains(out, "purged m2") {
		t.Fatalf("purge: %q, %v", out, err)
	}
	if c, _ := e.store.Counts(ctx, id); c != (state.Counts{Work: 1}) {
		t.Errorf("counts after restore: %+v, want Work 1", c)
	}
	if _, err = e.run("", nil, "mailbox", "delete", "2001", "--yes"); err != nil {
		t.Fatal(err)
	}

	// The same audit trail as the API, by the user who ran the CLI.
	entries, _, err := e.store.AuditLog(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range entries {
		if a.Actor != "cli:alice" && !strings.HasPrefix(a.Actor, "cli:") || a.Source != "cli" {
			t.Errorf("entry by %q from %q", a.Actor, a.Source)
		}
		actions = append(actions, a.Action+" "+a.Result)
	}
	want := "mailbox.delete ok|message.purge ok|message.restore ok|message.delete ok|message.delete ok|message.forward forward_to_self|message.forward ok|message.move ok|mailbox.update ok|mailbox.reset_pin weak_pin|mailbox.reset_pin ok|mailbox.create ok|mailbox.create ok"
	if got := strings.Join(actions, "|"); got != want {
		t.Errorf("audit trail:\n%s\nwant\n%s", got, want)
	}
}

func TestTokenCommand(t *testing.T) {
	var out bytes.Buffer
	if code := Main(context.Background(), []string{"token", "ops"}, &out, &out); code != 0 {
		t.Fatalf("token: %d %s", code, out.String())
	}
	lines := strings.Split(out.String(), "\n")
	secret := strings.TrimSpace(lines[1])
	var hash string
	for _, l := range lines {
		if h, ok := strings.CutPrefix(strings.TrimSpace(l), "sha256: "); ok {
			hash = h
		}
	}
	tok, err := admin.ParseToken("ops", hash)
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := admin.NewTokens([]admin.Token{tok})
	if name, ok := ts.Check(secret); !ok || name != "ops" {
		t.Errorf("the printed secret does not match the printed hash:\n%s", out.String())
	}
	if code := Main(context.Background(), []string{"token", "a b"}, &out, &out); code != 2 {
		t.Errorf("token with a bad name: %d", code)
	}
}

func TestAdminConfig(t *testing.T) {
	_, tok, _ := admin.NewToken("ops")
	good := AdminConfig{Listen: "127.0.0.1:0", Tokens: []AdminToken{{Name: "ops", SHA256: tok.HexHash()}}, AuditMax: 1000}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]AdminConfig{
		"listening without a token": {Listen: "127.0.0.1:0"},
		"bad listen":                {Listen: "nowhere"},
		"bad hash":                  {Tokens: []AdminToken{{Name: "ops", SHA256: "xyz"}}},
		"cert without key":          {TLSCertFile: "cert.pem"},
		"missing tokens file":       {TokensFile: filepath.Join(t.TempDir(), "none")},
		"missing certificate":       {TLSCertFile: "/nonexistent/cert.pem", TLSKeyFile: "/nonexistent/key.pem"},
	} {
		if err := c.validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := (AdminConfig{}).validate(); err != nil {
		t.Errorf("off: %v", err)
	}
}

// TestMailboxSetOptions checks that mailbox set reads --option KEY=VALUE
// (and --review) into the options to set and those to put back on the
// system's setting, and refuses what the store would.
func TestMailboxSetOptions(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		want  string
		reset []string
		ok    bool
	}{
		{[]string{"--option", "saycid=yes", "--option", "max_messages=20"}, "saycid=true max_messages=20", nil, true},
		{[]string{"--review", "false", "--option", "envelope=default"}, "review=false", []string{"envelope"}, true},
		{[]string{"--option", "saycid"}, "", nil, false},
		{[]string{"--option", "saycid=yes", "--option", "saycid=no"}, "", nil, false},
		{[]string{"--option", "max_secs=2"}, "", nil, false},
		{[]string{"--option", "nosuch=1"}, "", nil, false},
	} {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		o := adminFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		u, err := o.update()
		if (err == nil) != tt.ok {
			t.Errorf("%v: %v; want ok %v", tt.args, err, tt.ok)
			continue
		}
		if err == nil && (u.Options.String() != tt.want || !slices.Equal(u.Reset, tt.reset)) {
			t.Errorf("%v: options %q reset %v; want %q %v", tt.args, u.Options.String(), u.Reset, tt.want, tt.reset)
		}
	}
}
