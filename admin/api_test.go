package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// TestRoutesMatchOpenAPI holds the router and the document to each other:
// no route undocumented, no documented operation without a route.
func TestRoutesMatchOpenAPI(t *testing.T) {
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	h := &handler{spec: sp}
	if err := chi.Walk(h.routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+route)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range sp.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.yaml documents %s, which has no route", d)
		}
	}
	if len(routes) < 17 {
		t.Errorf("only %d routes: %v", len(routes), routes)
	}
}

func TestTokensGuardEverythingButTheDocument(t *testing.T) {
	e := newEnv(t, state.Config{})
	for _, token := range []string{"", "wrong", e.token + "x", strings.TrimPrefix(e.token, tokenPrefix)} {
		r := e.callAs(token, http.MethodGet, "/api/v1/mailboxes", nil)
		if r.status != http.StatusUnauthorized || r.code(t) != "unauthorized" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("token %q: %d %s", token, r.status, r.body)
		}
		r = e.callAs(token, http.MethodPost, "/api/v1/mailboxes", map[string]any{"mailbox": "1001"})
		if r.status != http.StatusUnauthorized {
			t.Errorf("token %q may create: %d %s", token, r.status, r.body)
		}
	}
	for _, path := range []string{"/api/v1/openapi.json", "/api/v1/openapi.yaml"} {
		if r := e.callAs("", http.MethodGet, path, nil); r.status != http.StatusOK || len(r.body) < 1000 {
			t.Errorf("GET %s: %d, %d bytes", path, r.status, len(r.body))
		}
	}
	if r := e.call(http.MethodGet, "/api/v1/nothing", nil); r.status != http.StatusNotFound || r.code(t) != "not_found" {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodPut, "/api/v1/mailboxes", nil); r.status != http.StatusMethodNotAllowed || r.code(t) != "method_not_allowed" {
		t.Errorf("PUT: %d %s", r.status, r.body)
	}
	// An unauthenticated request is not audited (anyone could fill the
	// trail); an authenticated one is.
	entries, _, err := e.store.AuditLog(t.Context(), "", 0)
	if err != nil || len(entries) != 0 {
		t.Errorf("audit trail after refused requests: %v, %v", entries, err)
	}
}

func TestMailboxLifecycle(t *testing.T) {
	e := newEnv(t, state.Config{})
	ctx := t.Context()

	// Created without a PIN: a one-time PIN, shown once.
	r := e.call(http.MethodPost, "/api/v1/mailboxes", map[string]any{
		"mailbox": "2001@sales", "name": "Zoë Martin", "email": "zoe@example.com", "language": "fr"})
	var created MailboxView
	r.json(t, &created)
	if r.status != http.StatusCreated || created.Mailbox != "2001@sales" || len(created.PIN) != 6 ||
		!created.PINMustChange || created.ManagedBy != "api" || created.PINSetBy != "admin" || created.Review != nil {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r.header.Get("Location") != "/api/v1/mailboxes/2001@sales" {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	id := mailbox.MustParseID("2001@sales")
	if mb, err := e.store.Authenticate(ctx, id, created.PIN); err != nil || !mb.PINIsDefault {
		t.Fatalf("login with the one-time PIN: %+v, %v; want the walk-through", mb, err)
	}
	if r := e.call(http.MethodPost, "/api/v1/mailboxes", map[string]any{"mailbox": "2001@sales", "pin": "2580"}); r.status != http.StatusConflict || r.code(t) != "mailbox_exists" {
		t.Errorf("second create: %d %s", r.status, r.body)
	}
	// With a PIN, kept (not shown), not to be changed.
	r = e.call(http.MethodPost, "/api/v1/mailboxes", map[string]any{"mailbox": "2002", "pin": "97531", "must_change": false, "review": true})
	var second MailboxView
	r.json(t, &second)
	if r.status != http.StatusCreated || second.PIN != "" || second.PINMustChange || second.Review == nil || !*second.Review {
		t.Fatalf("create with a PIN: %d %s", r.status, r.body)
	}

	// Read, list, search, page.
	r = e.call(http.MethodGet, "/api/v1/mailboxes/2001@sales", nil)
	var got MailboxView
	r.json(t, &got)
	if r.status != http.StatusOK || got.Name != "Zoë Martin" || got.Counts == nil || got.Lockout == nil || got.PIN != "" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/2002", nil); r.status != http.StatusOK {
		t.Errorf("get by number alone: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/2001%40sales", nil); r.status != http.StatusOK {
		t.Errorf("get with an escaped @: %d %s", r.status, r.body)
	}
	var page MailboxPageView
	e.call(http.MethodGet, "/api/v1/mailboxes?limit=1", nil).json(t, &page)
	if len(page.Mailboxes) != 1 || page.Next == nil {
		t.Fatalf("first page: %+v", page)
	}
	var page2 MailboxPageView
	e.call(http.MethodGet, "/api/v1/mailboxes?limit=1&after="+*page.Next, nil).json(t, &page2)
	if len(page2.Mailboxes) != 1 || page2.Next != nil || page2.Mailboxes[0].Mailbox == page.Mailboxes[0].Mailbox {
		t.Errorf("second page: %+v", page2)
	}
	var found MailboxPageView
	e.call(http.MethodGet, "/api/v1/mailboxes?q=ZOË", nil).json(t, &found)
	if len(found.Mailboxes) != 1 || found.Mailboxes[0].Mailbox != "2001@sales" {
		t.Errorf("search: %+v", found)
	}
	e.call(http.MethodGet, "/api/v1/mailboxes?context=default", nil).json(t, &found)
	if len(found.Mailboxes) != 1 || found.Mailboxes[0].Mailbox != "2002@default" {
		t.Errorf("by context: %+v", found)
	}

	// Update; review back to the system's with null.
	r = e.call(http.MethodPatch, "/api/v1/mailboxes/2002", `{"name":"Bob","review":null}`)
	var upd MailboxView
	r.json(t, &upd)
	if r.status != http.StatusOK || upd.Name != "Bob" || upd.Review != nil {
		t.Errorf("update: %d %s", r.status, r.body)
	}
	// Options: set, read back, one put back on the system's setting.
	r = e.call(http.MethodPatch, "/api/v1/mailboxes/2002",
		`{"options":{"saycid":true,"envelope":false,"max_messages":25,"max_silence":0},"timezone":"Europe/Paris","pager":"bob@example.test"}`)
	r.json(t, &upd)
	if r.status != http.StatusOK || upd.Options.String() != "envelope=false saycid=true max_messages=25 max_silence=0" ||
		upd.Timezone != "Europe/Paris" || upd.Pager != "bob@example.test" {
		t.Errorf("update options: %d %s", r.status, r.body)
	}
	r = e.call(http.MethodPatch, "/api/v1/mailboxes/2002", `{"options":{"saycid":null}}`)
	upd = MailboxView{}
	r.json(t, &upd)
	if r.status != http.StatusOK || upd.Options.String() != "envelope=false max_messages=25 max_silence=0" {
		t.Errorf("reset an option: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodPatch, "/api/v1/mailboxes/2999", `{"name":"x"}`); r.status != http.StatusNotFound || r.code(t) != "mailbox_not_found" {
		t.Errorf("update unknown: %d %s", r.status, r.body)
	}

	// PIN resets: weak refused, given kept, generated shown.
	if r := e.call(http.MethodPost, "/api/v1/mailboxes/2002/pin", map[string]any{"pin": "1111"}); r.status != http.StatusBadRequest || r.code(t) != "weak_pin" {
		t.Errorf("weak PIN: %d %s", r.status, r.body)
	}
	var pin PINResultView
	r = e.call(http.MethodPost, "/api/v1/mailboxes/2002/pin", map[string]any{"pin": "86420", "must_change": false})
	r.json(t, &pin)
	if r.status != http.StatusOK || pin.PIN != "" || pin.MustChange {
		t.Errorf("set PIN: %d %s", r.status, r.body)
	}
	if _, err := e.store.Authenticate(ctx, mailbox.MustParseID("2002"), "86420"); err != nil {
		t.Errorf("login with the PIN set: %v", err)
	}
	r = e.call(http.MethodPost, "/api/v1/mailboxes/2002/pin", nil)
	r.json(t, &pin)
	if r.status != http.StatusOK || len(pin.PIN) != 6 || !pin.MustChange {
		t.Errorf("generated PIN: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodPost, "/api/v1/mailboxes/2002/pin", map[string]any{"must_change": false}); r.status != http.StatusBadRequest {
		t.Errorf("a generated PIN that need not change: %d %s", r.status, r.body)
	}

	// Lockout: shown, cleared.
	for range 10 {
		_, _ = e.store.Authenticate(ctx, mailbox.MustParseID("2002"), "0000")
	}
	var lock LockoutView
	e.call(http.MethodGet, "/api/v1/mailboxes/2002/lockout", nil).json(t, &lock)
	if !lock.Locked || lock.RemainingSeconds <= 0 {
		t.Errorf("lockout after 10 wrong PINs: %+v", lock)
	}
	var un UnlockedView
	e.call(http.MethodDelete, "/api/v1/mailboxes/2002/lockout", nil).json(t, &un)
	if !un.WasLocked {
		t.Errorf("unlock: %+v", un)
	}
	e.call(http.MethodGet, "/api/v1/mailboxes/2002/lockout", nil).json(t, &lock)
	if lock.Locked || lock.Failures != 0 {
		t.Errorf("lockout after clearing: %+v", lock)
	}

	// Delete: gone, its lamps told, its audio deleted.
	deposit(t, e.store, id, "m1", state.FolderNew)
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/2001@sales", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if e.lamps.count(id) != 1 {
		t.Errorf("lamps told %d times of the deletion", e.lamps.count(id))
	}
	if !e.ariDeleted("voicemail%2Fsales%2F2001%2Fmsg%2Fm1") {
		t.Errorf("the message's audio was not deleted: %v", e.ari.Requests())
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/2001@sales", nil); r.status != http.StatusNotFound || r.code(t) != "mailbox_not_found" {
		t.Errorf("get after delete: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/2001@sales", nil); r.status != http.StatusNotFound {
		t.Errorf("second delete: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/counts", "/lockout", "/messages"} {
		if r := e.call(http.MethodGet, "/api/v1/mailboxes/2001@sales"+path, nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s of a deleted mailbox: %d %s", path, r.status, r.body)
		}
	}
}

// deposit leaves a message in mailbox id and moves it to folder f.
func deposit(t *testing.T, s *state.Store, id mailbox.ID, msgID string, f mailbox.Folder) state.Message {
	t.Helper()
	m := state.Message{ID: msgID, Mailbox: id, Folder: state.FolderNew,
		Recording: fmt.Sprintf("voicemail/%s/%s/msg/%s", id.Context, id.Number, msgID),
		CallerNum: "5551234", CallerName: "Carol", Received: time.Now(), Duration: 4 * time.Second}
	if _, err := s.Deposit(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if f != state.FolderNew {
		if _, err := s.Move(t.Context(), id, msgID, f); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// ariDeleted reports whether the fake ARI was asked to delete the stored
// recording of that escaped name.
func (e *env) ariDeleted(escaped string) bool {
	for _, r := range e.ari.Requests() {
		if r.Method == http.MethodDelete && strings.HasSuffix(r.Path, "/recordings/stored/"+escaped) {
			return true
		}
	}
	return false
}

func TestMessages(t *testing.T) {
	e := newEnv(t, state.Config{MaxMessages: 2})
	ctx := t.Context()
	id := mailbox.MustParseID("3001")
	if _, err := e.store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	deposit(t, e.store, id, "m3", state.FolderWork)
	deposit(t, e.store, id, "m1", state.FolderNew)
	deposit(t, e.store, id, "m2", state.FolderNew)

	var list MessageListView
	e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages", nil).json(t, &list)
	if len(list.Messages) != 3 || list.Messages[0].ID != "m1" || list.Messages[2].ID != "m3" || list.Messages[2].Folder != "work" {
		t.Fatalf("all messages: %+v", list)
	}
	e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages?folder=new", nil).json(t, &list)
	if len(list.Messages) != 2 || list.Messages[0].CallerName != "Carol" || list.Messages[0].DurationSeconds != 4 {
		t.Fatalf("New: %+v", list)
	}
	var m MessageView
	e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages/m1", nil).json(t, &m)
	if m.ID != "m1" || m.Folder != "new" || m.Origin != "3001@default" {
		t.Errorf("message: %+v", m)
	}
	r := e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages/m1/audio", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "audio/wav" || string(r.body[:4]) != "RIFF" {
		t.Errorf("audio: %d %s, %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages/nope/audio", nil); r.status != http.StatusNotFound || r.code(t) != "message_not_found" {
		t.Errorf("audio of no message: %d %s", r.status, r.body)
	}

	// Heard: New → Old; unheard: Old → New; Work has no heard state.
	lamps := e.lamps.count(id)
	r = e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m1", map[string]any{"heard": true})
	r.json(t, &m)
	if r.status != http.StatusOK || m.Folder != "old" {
		t.Errorf("mark heard: %d %s", r.status, r.body)
	}
	if e.lamps.count(id) != lamps+1 {
		t.Error("lamps not told of a message heard")
	}
	e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m1", map[string]any{"heard": false}).json(t, &m)
	if m.Folder != "new" {
		t.Errorf("mark unheard: %+v", m)
	}
	if r := e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m3", map[string]any{"heard": true}); r.status != http.StatusConflict || r.code(t) != "no_heard_state" {
		t.Errorf("heard in Work: %d %s", r.status, r.body)
	}
	// Move; a full folder refuses.
	e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m1", map[string]any{"folder": "work"}).json(t, &m)
	if m.Folder != "work" {
		t.Errorf("move: %+v", m)
	}
	if r := e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m2", map[string]any{"folder": "work"}); r.status != http.StatusConflict || r.code(t) != "folder_full" {
		t.Errorf("move into a full folder: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodPatch, "/api/v1/mailboxes/3001/messages/m2", map[string]any{"folder": "work", "heard": true}); r.status != http.StatusBadRequest {
		t.Errorf("folder and heard at once: %d %s", r.status, r.body)
	}
	// Delete: to the trash, audio kept, lamps told.
	lamps = e.lamps.count(id)
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/3001/messages/m2", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if e.ariDeleted("voicemail%2Fdefault%2F3001%2Fmsg%2Fm2") || e.lamps.count(id) != lamps+1 {
		t.Errorf("delete to the trash: audio deleted %v, lamps told %d", e.ariDeleted("voicemail%2Fdefault%2F3001%2Fmsg%2Fm2"), e.lamps.count(id)-lamps)
	}
	var counts CountsView
	e.call(http.MethodGet, "/api/v1/mailboxes/3001/counts", nil).json(t, &counts)
	if counts != (CountsView{Work: 2}) {
		t.Errorf("counts: %+v", counts)
	}
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/3001/messages/m2", nil); r.status != http.StatusNotFound || r.code(t) != "message_not_found" {
		t.Errorf("second delete: %d %s", r.status, r.body)
	}
	var trash MessageListView
	e.call(http.MethodGet, "/api/v1/mailboxes/3001/trash", nil).json(t, &trash)
	if len(trash.Messages) != 1 || trash.Messages[0].ID != "m2" || trash.Messages[0].Folder != "new" || trash.Messages[0].Deleted == nil {
		t.Fatalf("trash: %+v", trash)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/3999/trash", nil); r.status != http.StatusNotFound || r.code(t) != "mailbox_not_found" {
		t.Errorf("trash of an unknown mailbox: %d %s", r.status, r.body)
	}
	// Restore: back in New, the lamp told.
	lamps = e.lamps.count(id)
	var back MessageView
	e.call(http.MethodPost, "/api/v1/mailboxes/3001/trash/m2/restore", nil).json(t, &back)
	if back.Folder != "new" || back.Deleted != nil || e.lamps.count(id) != lamps+1 {
		t.Errorf("restore: %+v, lamps told %d", back, e.lamps.count(id)-lamps)
	}
	if r := e.call(http.MethodPost, "/api/v1/mailboxes/3001/trash/m2/restore", nil); r.status != http.StatusNotFound || r.code(t) != "message_not_found" {
		t.Errorf("restore of a message not in the trash: %d %s", r.status, r.body)
	}
	// Purge: only from the trash, and then the audio goes.
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/3001/trash/m2", nil); r.status != http.StatusNotFound || r.code(t) != "message_not_found" {
		t.Errorf("purge of a message not in the trash: %d %s", r.status, r.body)
	}
	e.call(http.MethodDelete, "/api/v1/mailboxes/3001/messages/m2", nil)
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/3001/trash/m2", nil); r.status != http.StatusNoContent {
		t.Fatalf("purge: %d %s", r.status, r.body)
	}
	if !e.ariDeleted("voicemail%2Fdefault%2F3001%2Fmsg%2Fm2") {
		t.Errorf("purge: audio not deleted")
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/3001/messages/m2", nil); r.status != http.StatusNotFound {
		t.Errorf("message after the purge: %d %s", r.status, r.body)
	}
}

// TestBadInputNeverReachesRedis sends requests the API must refuse before
// they reach Redis, and counts the commands sent meanwhile.
func TestBadInputNeverReachesRedis(t *testing.T) {
	e := newEnv(t, state.Config{})
	if _, err := e.store.CreateMailbox(t.Context(), state.NewMailbox{ID: mailbox.MustParseID("4001"), PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path string
		body         any
		code         string
	}{
		{http.MethodGet, "/api/v1/mailboxes/..%2F4001", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes/4001@a*b", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes/123456789012345678901", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes?limit=0", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes?limit=5000", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes?after=nope", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes?context=a/b", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes/4001/messages?folder=inbox", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/mailboxes/4001/messages/a.b", nil, "invalid_request"},
		{http.MethodGet, "/api/v1/audit?before=x", nil, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","admin":true}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","pin":"12ab"}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","language":"../../etc"}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","name":"` + strings.Repeat("x", 101) + `"}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002"`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"name":"no id"}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","email":"not an address"}`, "invalid_field"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","name":"a\u0007b"}`, "invalid_field"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","pin":"4002"}`, "weak_pin"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{"review":"yes"}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{"options":{"max_messages":0}}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{"options":{"saycid":"yes"}}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{"options":{"nosuch":true}}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001", `{"timezone":"Mars/Olympus"}`, "invalid_field"},
		{http.MethodPost, "/api/v1/mailboxes", `{"mailbox":"4002","options":{"min_secs":61}}`, "invalid_request"},
		{http.MethodPost, "/api/v1/mailboxes/4001/pin", `{"pin":"123456789012345678901"}`, "invalid_request"},
		{http.MethodPatch, "/api/v1/mailboxes/4001/messages/m1", `{"folder":"spam"}`, "invalid_request"},
		{http.MethodDelete, "/api/v1/mailboxes/4001/messages/..", nil, "invalid_request"},
	} {
		before := e.cmds.n.Load()
		r := e.call(tt.method, tt.path, tt.body)
		if r.status != http.StatusBadRequest || r.code(t) != tt.code {
			t.Errorf("%s %s %v: %d %s; want 400 %s", tt.method, tt.path, tt.body, r.status, r.body, tt.code)
		}
		if n := e.cmds.n.Load() - before; n != 0 {
			t.Errorf("%s %s %v: %d Redis commands besides the audit trail", tt.method, tt.path, tt.body, n)
		}
	}
}

func TestAuditTrail(t *testing.T) {
	e := newEnv(t, state.Config{})
	e.call(http.MethodPost, "/api/v1/mailboxes", map[string]any{"mailbox": "5001", "pin": "97531"})
	e.call(http.MethodPost, "/api/v1/mailboxes", map[string]any{"mailbox": "5001", "pin": "97531"})
	e.call(http.MethodPost, "/api/v1/mailboxes/5001/pin", map[string]any{"pin": "2468"})
	e.call(http.MethodDelete, "/api/v1/mailboxes/5001", nil)
	e.call(http.MethodGet, "/api/v1/mailboxes/5001", nil) // reads are not audited
	e.call(http.MethodPatch, "/api/v1/mailboxes/5001", `{"colour":"red"}`)

	var page AuditPageView
	r := e.call(http.MethodGet, "/api/v1/audit?limit=3", nil)
	r.json(t, &page)
	if r.status != http.StatusOK || len(page.Entries) != 3 || page.Next == nil {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	var rest AuditPageView
	e.call(http.MethodGet, "/api/v1/audit?before="+*page.Next, nil).json(t, &rest)
	all := append(page.Entries, rest.Entries...)
	var got []string
	for _, a := range all {
		got = append(got, a.Action+" "+a.Target+" "+a.Result)
		if a.Actor != "ops" || a.Source != "api" || !strings.HasPrefix(a.Remote, "127.0.0.1:") || time.Since(a.Time) > time.Minute {
			t.Errorf("entry %+v", a)
		}
		if strings.Contains(a.Detail, "97531") || strings.Contains(a.Detail, "2468") {
			t.Errorf("a PIN in the audit trail: %+v", a)
		}
	}
	want := []string{
		"mailbox.update 5001 invalid_request",
		"mailbox.delete 5001@default ok",
		"mailbox.reset_pin 5001@default ok",
		"mailbox.create 5001@default mailbox_exists",
		"mailbox.create 5001@default ok",
	}
	if !slices.Equal(got, want) || rest.Next != nil {
		t.Errorf("audit trail, newest first:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
