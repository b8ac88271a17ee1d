package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

func TestWordsComplete(t *testing.T) {
	for lang, ws := range words {
		for k := range words["en"] {
			if ws[k] == "" {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for k := range ws {
			if _, ok := words["en"][k]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, k)
			}
		}
	}
}

func TestPickLang(t *testing.T) {
	for in, want := range map[string]string{"fr_CA": "fr", "fr-FR,fr;q=0.9,en;q=0.8": "fr", "de,en-GB;q=0.5": "en", "": "en", "en": "en"} {
		if got := pickLang(in); got != want {
			t.Errorf("pickLang(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOwnerFlow signs in, lists, plays with a range request, marks,
// moves and deletes, each change telling the lamps and the audit trail.
func TestOwnerFlow(t *testing.T) {
	e := newEnv(t, state.Config{})
	at := time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC)
	m := e.deposit(alice, "Carol", at)
	b := e.browser()

	if a := b.get("/folders/new"); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/login") {
		t.Fatalf("signed out: %d %s", a.status, a.header.Get("Location"))
	}
	if a := b.login("1001", "1111"); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "Wrong mailbox or PIN") {
		t.Fatalf("wrong PIN: %d", a.status)
	}
	if a := b.login("1999", "97531"); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "Wrong mailbox or PIN") {
		t.Fatalf("unknown mailbox: %d", a.status)
	}
	b.mustLogin("1001", "97531")
	cookies := b.c.Jar.Cookies(mustURL(t, e.srv.URL))
	var sess *http.Cookie
	for _, c := range cookies {
		if c.Name == "vm_session" {
			sess = c
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}

	page := b.get("/folders/new")
	if page.status != http.StatusOK {
		t.Fatalf("folder page: %d %s", page.status, page.body)
	}
	// 14:05 UTC is 15:05 in Paris, the mailbox's zone; 1:05 long.
	for _, want := range []string{"Carol &lt;5551234&gt;", "Sun 1 Mar 2026, 15:05", "1:05", `src="/messages/` + m.ID + `/audio"`,
		`data-folder="new">1<`, "<audio controls"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("folder page lacks %q", want)
		}
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}

	// A range request: what seeking and Safari ask.
	a := b.get("/messages/"+m.ID+"/audio", "Range", "bytes=0-43")
	if a.status != http.StatusPartialContent || len(a.body) != 44 || !strings.HasPrefix(a.body, "RIFF") ||
		a.header.Get("Content-Range") != "bytes 0-43/16044" || a.header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("range: %d %d bytes, %q %q", a.status, len(a.body), a.header.Get("Content-Range"), a.header.Get("Content-Type"))
	}
	if a := b.get("/messages/" + m.ID + "/audio?download=1"); a.status != http.StatusOK || len(a.body) != 16044 ||
		!strings.Contains(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %d %q", a.status, len(a.body), a.header.Get("Content-Disposition"))
	}

	tok := csrfField.FindStringSubmatch(page.body)[1]
	before := e.lamps.count(alice)
	if a := b.post("/messages/"+m.ID+"/heard", url.Values{"csrf": {tok}, "heard": {"1"}, "back": {"new"}}); a.status != http.StatusSeeOther {
		t.Fatalf("mark heard: %d %s", a.status, a.body)
	}
	if c, _ := e.store.Counts(t.Context(), alice); c.New != 0 || c.Old != 1 {
		t.Errorf("after mark heard: %+v", c)
	}
	if a := b.post("/messages/"+m.ID+"/move", url.Values{"csrf": {tok}, "folder": {"work"}, "back": {"old"}}); a.status != http.StatusSeeOther ||
		a.header.Get("Location") != "/folders/old?ok=msg.moved" {
		t.Fatalf("move: %d %s", a.status, a.header.Get("Location"))
	}
	if c, _ := e.store.Counts(t.Context(), alice); c.Old != 0 || c.Work != 1 {
		t.Errorf("after move: %+v", c)
	}
	if !strings.Contains(b.get("/folders/work").body, m.ID) {
		t.Error("the Work folder does not list the message moved")
	}
	a = b.post("/messages/"+m.ID+"/delete", url.Values{"csrf": {tok}, "back": {"work"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/folders/work?ok=msg.deleted&undo="+m.ID {
		t.Fatalf("delete: %d %s", a.status, a.header.Get("Location"))
	}
	if _, err := e.store.Message(t.Context(), alice, m.ID); !errors.Is(err, state.ErrMessageNotFound) {
		t.Errorf("after delete: %v", err)
	}
	// Deleted to the trash: the page offers to undo it, and the trash
	// lists it.
	if page := b.get(a.header.Get("Location")).body; !strings.Contains(page, `action="/trash/`+m.ID+`/restore"`) {
		t.Errorf("the folder page after a delete offers no undo:\n%s", page)
	}
	if page := b.get("/trash").body; !strings.Contains(page, `id="t-`+m.ID+`"`) || !strings.Contains(page, "From Work") {
		t.Errorf("the trash page does not list the message deleted from Work:\n%s", page)
	}
	if a := b.post("/trash/"+m.ID+"/restore", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther ||
		a.header.Get("Location") != "/folders/work?ok=trash.restored" {
		t.Fatalf("restore: %d %s", a.status, a.header.Get("Location"))
	}
	if c, _ := e.store.Counts(t.Context(), alice); c.Work != 1 {
		t.Errorf("after restore: %+v", c)
	}
	if a := b.post("/trash/"+m.ID+"/restore", url.Values{"csrf": {tok}}); a.header.Get("Location") != "/trash?err=trash.gone" {
		t.Errorf("restore of a message not in the trash: %d %s", a.status, a.header.Get("Location"))
	}
	b.post("/messages/"+m.ID+"/delete", url.Values{"csrf": {tok}, "back": {"work"}})
	if a := b.post("/trash/"+m.ID+"/purge", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("purge without the CSRF token: %d", a.status)
	}
	if a := b.post("/trash/"+m.ID+"/purge", url.Values{"csrf": {tok}}); a.header.Get("Location") != "/trash?ok=trash.purged" {
		t.Fatalf("purge: %d %s", a.status, a.header.Get("Location"))
	}
	if trash, _ := e.store.Trash(t.Context(), alice); len(trash) != 0 {
		t.Errorf("trash after the purge: %+v", trash)
	}
	if got := e.lamps.count(alice) - before; got != 5 {
		t.Errorf("lamps told %d times, want 5", got)
	}
	entries, _, err := e.svc.Audit(t.Context(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, en := range entries {
		trail = append(trail, en.Actor+" "+en.Source+" "+en.Action+" "+en.Result)
	}
	want := "owner:1001@default web message.purge ok|owner:1001@default web message.delete ok|owner:1001@default web message.restore message_not_found|owner:1001@default web message.restore ok|owner:1001@default web message.delete ok|owner:1001@default web message.move ok|owner:1001@default web message.mark_heard ok|owner:1001@default web owner.login ok"
	if got := strings.Join(trail, "|"); got != want {
		t.Errorf("audit trail\n%s\nwant\n%s", got, want)
	}

	// Another mailbox's message is not this owner's.
	other := mailbox.MustParseID("1002")
	if _, err := e.store.Provision(t.Context(), []state.MailboxConfig{{ID: alice, Name: "Alice", PIN: "97531"}, {ID: other, PIN: "86420"}}); err != nil {
		t.Fatal(err)
	}
	theirs := e.deposit(other, "Eve", at)
	if a := b.get("/messages/" + theirs.ID + "/audio"); a.status != http.StatusNotFound {
		t.Errorf("another mailbox's audio: %d", a.status)
	}
	if a := b.post("/messages/"+theirs.ID+"/delete", url.Values{"csrf": {tok}}); a.status != http.StatusNotFound {
		t.Errorf("another mailbox's delete: %d", a.status)
	}

	// Sign out: the session is gone from Redis, the cookie no longer works.
	if a := b.post("/logout", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", a.status)
	}
	b2 := e.browser()
	b2.c.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{sess})
	if a := b2.get("/folders/new"); a.status != http.StatusSeeOther {
		t.Errorf("the old cookie after sign-out: %d", a.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCSRF refuses a form without the session's token, with another
// session's, and one posted from another origin, changing nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t, state.Config{})
	m := e.deposit(alice, "Carol", time.Now())
	b := e.browser()
	// The sign-in form too.
	if a := b.post("/login", url.Values{"mailbox": {"1001"}, "pin": {"97531"}}); a.status != http.StatusForbidden {
		t.Fatalf("login without a token: %d", a.status)
	}
	b.mustLogin("1001", "97531")
	tok := b.csrf("/folders/new")
	other := e.browser()
	other.mustLogin("1001", "97531")
	otherTok := other.csrf("/folders/new")
	for name, form := range map[string]url.Values{
		"none":          {"folder": {"work"}},
		"empty":         {"folder": {"work"}, "csrf": {""}},
		"other session": {"folder": {"work"}, "csrf": {otherTok}},
	} {
		if a := b.post("/messages/"+m.ID+"/move", form); a.status != http.StatusForbidden {
			t.Errorf("%s: %d", name, a.status)
		}
	}
	b.origin = "http://evil.example"
	if a := b.post("/messages/"+m.ID+"/move", url.Values{"folder": {"work"}, "csrf": {tok}}); a.status != http.StatusForbidden {
		t.Errorf("cross-origin: %d", a.status)
	}
	if c, _ := e.store.Counts(t.Context(), alice); c.New != 1 {
		t.Errorf("a refused form changed the mailbox: %+v", c)
	}
	if e.lamps.count(alice) != 0 {
		t.Error("a refused form told the lamps")
	}
}

// TestLoginLockout: the phone's limit of wrong PINs locks the web sign-in
// and the phone alike, and the lock counts wrong PINs from either.
func TestLoginLockout(t *testing.T) {
	e := newEnv(t, state.Config{MaxFailures: 3})
	b := e.browser()
	// One wrong PIN by phone, two on the web.
	if _, err := e.store.Authenticate(t.Context(), alice, "1111"); !errors.Is(err, state.ErrWrongPIN) {
		t.Fatal(err)
	}
	for range 2 {
		if a := b.login("1001", "2222"); a.status != http.StatusUnauthorized {
			t.Fatalf("wrong PIN: %d", a.status)
		}
	}
	if a := b.login("1001", "97531"); a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "locked") {
		t.Fatalf("right PIN while locked: %d", a.status)
	}
	if _, err := e.store.Authenticate(t.Context(), alice, "97531"); !errors.Is(err, state.ErrLocked) {
		t.Fatalf("by phone while locked: %v", err)
	}
	if l, _ := e.store.Lockout(t.Context(), alice); l.Remaining <= 0 {
		t.Errorf("lockout %+v", l)
	}
}

// TestMustChangePIN keeps an owner on a one-time PIN on the PIN change,
// which follows the phone's rules.
func TestMustChangePIN(t *testing.T) {
	e := newEnv(t, state.Config{})
	if _, err := e.svc.ResetPIN(t.Context(), adminActor, alice, adminPIN("80235")); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("1001", "80235")
	if a := b.get("/folders/new"); a.status != http.StatusSeeOther || a.header.Get("Location") != "/settings" {
		t.Fatalf("before the change: %d %s", a.status, a.header.Get("Location"))
	}
	tok := b.csrf("/settings")
	for _, weak := range []string{"1234", "1111", "1001", "12"} {
		if a := b.post("/settings/pin", url.Values{"csrf": {tok}, "pin": {weak}, "pin2": {weak}}); a.status != http.StatusBadRequest ||
			!strings.Contains(a.body, "not allowed") {
			t.Errorf("weak PIN %s: %d", weak, a.status)
		}
	}
	if a := b.post("/settings/pin", url.Values{"csrf": {tok}, "pin": {"58203"}, "pin2": {"58204"}}); a.status != http.StatusBadRequest {
		t.Errorf("PINs that differ: %d", a.status)
	}
	if a := b.post("/settings/pin", url.Values{"csrf": {tok}, "pin": {"58203"}, "pin2": {"58203"}}); a.status != http.StatusSeeOther {
		t.Fatalf("PIN change: %d %s", a.status, a.body)
	}
	if a := b.get("/folders/new"); a.status != http.StatusOK {
		t.Errorf("after the change: %d", a.status)
	}
	mb, err := e.store.Authenticate(t.Context(), alice, "58203")
	if err != nil || mb.PINIsDefault {
		t.Errorf("the phone with the new PIN: %+v, %v", mb, err)
	}

	// Email and language, checked as the API checks them.
	if a := b.post("/settings/profile", url.Values{"csrf": {tok}, "email": {"not an address"}, "language": {"fr"}}); a.status != http.StatusBadRequest {
		t.Errorf("bad email: %d", a.status)
	}
	for _, bad := range []url.Values{{"attach": {"ogg"}}, {"timezone": {"Mars/Olympus"}}, {"timezone": {"../../etc/passwd"}}} {
		bad.Set("csrf", tok)
		bad.Set("language", "en")
		if a := b.post("/settings/profile", bad); a.status != http.StatusBadRequest {
			t.Errorf("%v: %d", bad, a.status)
		}
	}
	if a := b.post("/settings/profile", url.Values{"csrf": {tok}, "email": {"alice@example.com"}, "language": {"fr"},
		"attach": {"mp3"}, "timezone": {"America/Montreal"}}); a.status != http.StatusSeeOther {
		t.Fatalf("profile: %d %s", a.status, a.body)
	}
	got, _ := e.store.Mailbox(t.Context(), alice)
	if got.Email != "alice@example.com" || got.Language != "fr" || got.Notify.Attach != "mp3" || got.Notify.Timezone != "America/Montreal" {
		t.Errorf("mailbox %+v", got)
	}
	if a := b.get("/settings"); !strings.Contains(a.body, `lang="fr"`) || !strings.Contains(a.body, "Réglages") {
		t.Error("the pages are not in French after choosing it")
	}
}

// TestLiveEvents: an open stream sees a message deposited elsewhere.
func TestLiveEvents(t *testing.T) {
	e := newEnv(t, state.Config{})
	b := e.browser()
	b.mustLogin("1001", "97531")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/events", nil)
	b.c.Timeout = 0
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ev := events{sc: bufio.NewScanner(resp.Body)}
	var first mwiEvent
	name, data, err := ev.next()
	if err != nil || name != "mwi" || json.Unmarshal([]byte(data), &first) != nil || first.New != 0 {
		t.Fatalf("first event %q %q %v", name, data, err)
	}
	e.deposit(alice, "Dave", time.Now())
	name, data, err = ev.next()
	var second mwiEvent
	if err != nil || name != "mwi" || json.Unmarshal([]byte(data), &second) != nil || second.New != 1 || second.Version <= first.Version {
		t.Fatalf("after a deposit %q %q %v", name, data, err)
	}
	// Signed out: no stream.
	b2 := e.browser()
	if a := b2.get("/events"); a.status != http.StatusUnauthorized {
		t.Errorf("events signed out: %d", a.status)
	}
}

// TestSessionInRedis: a session lives in Redis with the idle timeout, so
// another instance's pages serve it.
func TestSessionInRedis(t *testing.T) {
	e := newEnv(t, state.Config{})
	b := e.browser()
	b.mustLogin("1001", "97531")
	// A second handler over the same Redis (another instance).
	h2, err := New(DefaultConfig(), e.svc, nil, e.h.sess.rdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	var tok string
	for _, c := range b.c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if c.Name == "vm_session" {
			tok = c.Value
		}
	}
	ttl, err := e.h.sess.rdb.TTL(t.Context(), sessionKey(tok)).Result()
	if err != nil || ttl <= 14*time.Minute || ttl > 15*time.Minute {
		t.Errorf("session TTL %s, %v", ttl, err)
	}
	req := httpReq(t, "/folders/new")
	req.AddCookie(&http.Cookie{Name: "vm_session", Value: tok})
	rec := newRecorder()
	h2.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("another instance: %d", rec.Code)
	}
	// A session past its lifetime is gone whatever its idle time.
	e.h.sess.now = func() time.Time { return time.Now().Add(13 * time.Hour) }
	if a := b.get("/folders/new"); a.status != http.StatusSeeOther {
		t.Errorf("past the lifetime: %d", a.status)
	}
}

// TestAdminPages: an administrator signs in with an API token (not a
// PIN), creates a mailbox, clears a lockout and reads the audit trail.
func TestAdminPages(t *testing.T) {
	e := newEnv(t, state.Config{MaxFailures: 2})
	b := e.browser()
	tok := b.csrf("/admin/login")
	if a := b.post("/admin/login", url.Values{"csrf": {tok}, "token": {"97531"}}); a.status != http.StatusUnauthorized {
		t.Fatalf("a PIN as a token: %d", a.status)
	}
	if a := b.post("/admin/login", url.Values{"csrf": {tok}, "token": {e.secret}}); a.status != http.StatusSeeOther {
		t.Fatalf("admin login: %d", a.status)
	}
	// An administrator is no owner, and the other way round.
	if a := b.get("/folders/new"); a.status != http.StatusSeeOther {
		t.Errorf("owner page as admin: %d", a.status)
	}
	tok = b.csrf("/admin/mailboxes")
	a := b.post("/admin/mailboxes", url.Values{"csrf": {tok}, "mailbox": {"2001@sales"}, "name": {"Bob"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "One-time PIN") {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if a := b.post("/admin/mailboxes", url.Values{"csrf": {tok}, "mailbox": {"2002"}, "pin": {"1234"}}); a.status != http.StatusBadRequest {
		t.Errorf("create with the default PIN: %d", a.status)
	}
	if a := b.get("/admin/mailboxes?q=Bob"); !strings.Contains(a.body, "2001@sales") || strings.Contains(a.body, ">1001@default<") {
		t.Errorf("search: %s", a.body)
	}
	for range 2 {
		_, _ = e.store.Authenticate(t.Context(), alice, "0000")
	}
	if a := b.get("/admin/mailboxes/1001@default"); !strings.Contains(a.body, "Locked out") {
		t.Error("the lockout is not shown")
	}
	if a := b.post("/admin/mailboxes/1001@default/unlock", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther {
		t.Fatalf("unlock: %d", a.status)
	}
	if _, err := e.store.Authenticate(t.Context(), alice, "97531"); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	if a := b.post("/admin/mailboxes/2001@sales", url.Values{"csrf": {tok}, "name": {"Bob B"}, "email": {"bob@example.com"},
		"language": {"fr"}, "attach": {"none"}, "timezone": {"Europe/Paris"}}); a.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", a.status, a.body)
	}
	if got, err := e.store.Mailbox(t.Context(), mailbox.MustParseID("2001@sales")); err != nil || got.Name != "Bob B" ||
		got.Notify.Attach != "none" || got.Notify.Timezone != "Europe/Paris" {
		t.Errorf("after the edit: %+v, %v", got, err)
	}
	if a := b.post("/admin/mailboxes/2001@sales", url.Values{"csrf": {tok}, "attach": {"flac"}}); a.status != http.StatusBadRequest {
		t.Errorf("edit with a bad attachment: %d", a.status)
	}
	if a := b.post("/admin/mailboxes/2001@sales/delete", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", a.status)
	}
	a = b.get("/admin/audit")
	for _, want := range []string{"mailbox.create", "mailbox.unlock", "mailbox.delete", "ops (web)"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	// A mailbox owner cannot reach the administrator pages.
	o := e.browser()
	o.mustLogin("1001", "97531")
	if a := o.get("/admin/mailboxes"); a.status != http.StatusSeeOther {
		t.Errorf("admin page as owner: %d", a.status)
	}
}

// TestTemplateWordsKnown: every text key the templates name is in words.
func TestTemplateWordsKnown(t *testing.T) {
	b, err := templateFS.ReadFile("templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`\{\{t [.$\w]+ "([^"]+)"\}\}`).FindAllStringSubmatch(string(b), -1)
	if len(keys) < 50 {
		t.Fatalf("found %d keys only", len(keys))
	}
	for _, k := range keys {
		if _, ok := words["en"][k[1]]; !ok {
			t.Errorf("the templates name %q, which words lacks", k[1])
		}
	}
	prefixed := regexp.MustCompile(`printf "([\w.]+)%s" \.(\w*)`).FindAllStringSubmatch(string(b), -1)
	for _, p := range prefixed {
		var suffixes []string
		switch p[1] {
		case "lang.":
			suffixes = languages
		case "set.attach.":
			suffixes = attachFormats
		case "greet.active.":
			suffixes = []string{"temp", "unavail", "default-name", "default-number"}
		case "greet.":
			suffixes = []string{"temp", "unavail", "busy", "name"}
		default:
			t.Errorf("unchecked key prefix %q", p[1])
		}
		for _, s := range suffixes {
			if _, ok := words["en"][p[1]+s]; !ok {
				t.Errorf("the templates name %q, which words lacks", p[1]+s)
			}
		}
	}
}
