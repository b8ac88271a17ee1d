package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// apiClient calls an instance's admin API.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and returns the status and body.
func (c apiClient) do(ctx context.Context, method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rdr io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(c.t, err)
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rdr)
	must(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	must(c.t, err)
	return resp.StatusCode, out
}

// json sends a request that must answer want, and decodes the answer.
func (c apiClient) json(ctx context.Context, method, path string, body any, want int, v any) {
	c.t.Helper()
	status, out := c.do(ctx, method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, status, out, want)
	}
	if v != nil {
		must(c.t, json.Unmarshal(out, v))
	}
}

// waitMessages polls the API until the folder lists want messages.
func (c apiClient) waitMessages(ctx context.Context, mb, folder string, want int) []admin.MessageView {
	c.t.Helper()
	for {
		var list admin.MessageListView
		c.json(ctx, http.MethodGet, "/api/v1/mailboxes/"+mb+"/messages?folder="+folder, nil, http.StatusOK, &list)
		if len(list.Messages) == want {
			return list.Messages
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("%s of %s lists %d messages, want %d", folder, mb, len(list.Messages), want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lamp waits for a NOTIFY of new/old on the watcher.
func lamp(t *testing.T, ctx context.Context, w *sipp.Watcher, newMsgs, old int) {
	t.Helper()
	if _, err := w.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == newMsgs && s.Old == old }); err != nil {
		t.Fatalf("no message-waiting NOTIFY %d/%d: %v", newMsgs, old, err)
	}
}

// TestIntegrationAdminAPIAndCLI is issue 15's acceptance path: while the
// app runs, a mailbox is created through one instance's admin API; another
// instance, started before it existed, takes a real call that leaves it a
// message and lights its lamp; the API lists, downloads and deletes the
// message (to the trash: the lamp goes off, the audio stays) and purges
// it (the audio goes); the CLI does the same for a second
// message (the running instances publish the counts it changes); a PIN
// reset forces the walk-through at the next phone login; an instance
// provisioned from a YAML that lists the mailbox neither overwrites nor
// removes it; the mailbox is deleted; the audit trail holds it all.
func TestIntegrationAdminAPIAndCLI(t *testing.T) {
	secret, tok, err := admin.NewToken("it-ops")
	must(t, err)
	// Instance A serves the admin API under an app name no dialplan uses:
	// every call goes to instance B.
	h := startHarness(t, func(c *Config) {
		c.ARI.App = "vm-admin-it"
		c.Instance.ID = "it-admin"
		c.Mailboxes = []MailboxConfig{{Mailbox: "1001", Name: "Alice", PIN: "1234"}}
		c.Admin.Listen = "127.0.0.1:0"
		c.Admin.Tokens = []AdminToken{{Name: "it-ops", SHA256: tok.HexHash()}}
	})
	h.startInstance(func(c *Config) {
		c.Mailboxes = []MailboxConfig{{Mailbox: "1001", Name: "Alice", PIN: "1234"}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	api := apiClient{t: t, base: "http://" + h.app.admin.Addr(), token: secret}
	light := h.watch(ctx, "1002")

	// Created through the API while both instances run.
	var created admin.MailboxView
	api.json(ctx, http.MethodPost, "/api/v1/mailboxes", map[string]any{
		"mailbox": "1002", "name": "Bob API", "pin": "97531", "must_change": false}, http.StatusCreated, &created)
	if created.Mailbox != "1002@default" || created.ManagedBy != "api" {
		t.Fatalf("created %+v", created)
	}

	// Instance B, which started before it existed, takes a message for it.
	call := h.dial(ctx, "1002", "Carol <2001>")
	must(t, call.Expect(ctx, "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/2", "vm-isunavail", "vm-intro"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Talk(ctx, 4*time.Second))
	must(t, call.WaitEnded(ctx))
	lamp(t, ctx, light, 1, 0)

	// Listed, downloaded, deleted and purged through the API; the lamp
	// goes off.
	msgs := api.waitMessages(ctx, "1002", "new", 1)
	if msgs[0].CallerNumber != "2001" || msgs[0].CallerName != "Carol" || msgs[0].DurationSeconds < 2 {
		t.Errorf("message %+v", msgs[0])
	}
	status, wav := api.do(ctx, http.MethodGet, "/api/v1/mailboxes/1002/messages/"+msgs[0].ID+"/audio", nil)
	if status != http.StatusOK || !bytes.HasPrefix(wav, []byte("RIFF")) || len(wav) < 2*16000 {
		t.Fatalf("audio: %d, %d bytes", status, len(wav))
	}
	t.Logf("downloaded %s: %d bytes of WAV", msgs[0].ID, len(wav))
	stored, err := h.app.store.Message(ctx, mailbox.MustParseID("1002"), msgs[0].ID)
	must(t, err)
	if s, _ := api.do(ctx, http.MethodDelete, "/api/v1/mailboxes/1002/messages/"+msgs[0].ID, nil); s != http.StatusNoContent {
		t.Fatalf("delete message: %d", s)
	}
	lamp(t, ctx, light, 0, 0)
	// Deleted to the trash: its audio stays until it is purged.
	if !h.storedExists(ctx, stored.Recording) {
		t.Fatalf("the audio of a message in the trash, %s, is gone", stored.Recording)
	}
	if s, body := api.do(ctx, http.MethodGet, "/api/v1/mailboxes/1002/trash", nil); s != http.StatusOK || !bytes.Contains(body, []byte(msgs[0].ID)) {
		t.Fatalf("trash: %d %s", s, body)
	}
	if s, _ := api.do(ctx, http.MethodDelete, "/api/v1/mailboxes/1002/trash/"+msgs[0].ID, nil); s != http.StatusNoContent {
		t.Fatalf("purge message: %d", s)
	}
	for h.storedExists(ctx, stored.Recording) {
		select {
		case <-ctx.Done():
			t.Fatalf("the purged message's audio %s is still stored", stored.Recording)
		case <-time.After(50 * time.Millisecond):
		}
	}

	// The same through the CLI, against the same Redis and Asterisk.
	h.leaveMessage(ctx, "1002", "Dave <2002>", 4*time.Second)
	lamp(t, ctx, light, 1, 0)
	msgs = api.waitMessages(ctx, "1002", "new", 1)
	cli := &cliEnv{t: t, redis: h.rdb.Options().Addr, ariURL: h.env.ARIURL, ariUser: h.env.ARIUser, ariPass: h.env.ARIPass}
	out, err := cli.run("", nil, "message", "list", "1002")
	if err != nil || !strings.Contains(out, msgs[0].ID) || !strings.Contains(out, "Dave <2002>") {
		t.Fatalf("CLI message list: %q, %v", out, err)
	}
	dir := t.TempDir()
	if out, err = cli.run("", nil, "message", "export", "1002", msgs[0].ID, "--out", dir); err != nil {
		t.Fatalf("CLI export: %q, %v", out, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, msgs[0].ID+".wav")); err != nil || len(b) < 2*16000 {
		t.Fatalf("exported audio: %d bytes, %v", len(b), err)
	}
	if _, err = cli.run("", nil, "message", "move", "1002", msgs[0].ID, "old"); err != nil {
		t.Fatal(err)
	}
	lamp(t, ctx, light, 0, 1) // published by an instance that heard the CLI
	if _, err = cli.run("", nil, "message", "delete", "1002", msgs[0].ID, "--yes"); err != nil {
		t.Fatal(err)
	}
	lamp(t, ctx, light, 0, 0)

	// A one-time PIN: the next phone login walks the owner through
	// choosing a PIN, as on the default one.
	var reset admin.PINResultView
	api.json(ctx, http.MethodPost, "/api/v1/mailboxes/1002/pin", nil, http.StatusOK, &reset)
	owner := h.dial(ctx, "*97", "Bob <1002>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, reset.PIN+"#"))
	must(t, owner.WaitFor(ctx, "vm-newuser"))
	must(t, owner.Hangup(ctx))

	// An instance provisioned from a YAML that lists 1002 otherwise
	// leaves the API's mailbox alone.
	h.startInstance(func(c *Config) {
		c.ARI.App = "vm-seed-it"
		c.Instance.ID = "it-seed"
		c.Mailboxes = []MailboxConfig{{Mailbox: "1002", Name: "Bob YAML", PIN: "4321"}}
	})
	var got admin.MailboxView
	api.json(ctx, http.MethodGet, "/api/v1/mailboxes/1002", nil, http.StatusOK, &got)
	if got.Name != "Bob API" || got.PINSetBy != "admin" || !got.PINMustChange {
		t.Errorf("after another instance's provisioning: %+v", got)
	}

	// Deleted: gone for every instance.
	if s, _ := api.do(ctx, http.MethodDelete, "/api/v1/mailboxes/1002", nil); s != http.StatusNoContent {
		t.Fatalf("delete mailbox: %d", s)
	}
	if s, _ := api.do(ctx, http.MethodGet, "/api/v1/mailboxes/1002", nil); s != http.StatusNotFound {
		t.Errorf("GET after delete: %d", s)
	}
	if _, err := h.app.store.Mailbox(ctx, mailbox.MustParseID("1002")); err == nil {
		t.Error("the mailbox is still in Redis")
	}

	// The audit trail names who did what, through the API and the CLI.
	var audit admin.AuditPageView
	api.json(ctx, http.MethodGet, "/api/v1/audit", nil, http.StatusOK, &audit)
	var trail []string
	for _, e := range audit.Entries {
		trail = append(trail, e.Source+" "+e.Action+" "+e.Result)
		if e.Source == "api" && e.Actor != "it-ops" || e.Source == "cli" && !strings.HasPrefix(e.Actor, "cli:") {
			t.Errorf("entry %+v", e)
		}
	}
	want := "api mailbox.delete ok|api mailbox.reset_pin ok|cli message.delete ok|cli message.move ok|api message.purge ok|api message.delete ok|api mailbox.create ok"
	if got := strings.Join(trail, "|"); got != want {
		t.Errorf("audit trail:\n%s\nwant\n%s", got, want)
	}
}

// decode sends req, which must answer want, and decodes the JSON answer.
func (c apiClient) decode(req *http.Request, want int, v any) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	must(c.t, err)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", req.Method, req.URL.Path, resp.StatusCode, out, want)
	}
	must(c.t, json.Unmarshal(out, v))
}
