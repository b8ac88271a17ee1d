package admin

import (
	"net/http"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

func TestGreetings(t *testing.T) {
	e := newEnv(t, state.Config{})
	ctx := t.Context()
	id := mailbox.MustParseID("7001")
	if _, err := e.store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	const name = "voicemail/default/7001/greeting/greet-v1"
	if _, err := e.store.SetGreeting(ctx, id, mailbox.GreetingName, name); err != nil {
		t.Fatal(err)
	}
	var got GreetingsView
	e.call(http.MethodGet, "/api/v1/mailboxes/7001/greetings", nil).json(t, &got)
	if !got.Greetings["name"] || got.Greetings["unavail"] || len(got.Greetings) != 4 {
		t.Errorf("greetings: %+v", got)
	}
	r := e.call(http.MethodGet, "/api/v1/mailboxes/7001/greetings/name/audio", nil)
	if r.status != http.StatusOK || string(r.body[:4]) != "RIFF" {
		t.Errorf("name audio: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/7001/greetings/busy/audio", nil); r.status != http.StatusNotFound || r.code(t) != "greeting_not_found" {
		t.Errorf("busy audio: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/7001/greetings/greet/audio", nil); r.status != http.StatusBadRequest {
		t.Errorf("an unknown kind: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/7001/greetings/name", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if !e.ariDeleted("voicemail%2Fdefault%2F7001%2Fgreeting%2Fgreet-v1") {
		t.Error("the greeting's audio was not deleted")
	}
	if g, _ := e.store.Greetings(ctx, id); len(g) != 0 {
		t.Errorf("greetings after delete: %v", g)
	}
	if r := e.call(http.MethodDelete, "/api/v1/mailboxes/7001/greetings/name", nil); r.status != http.StatusNotFound || r.code(t) != "greeting_not_found" {
		t.Errorf("second delete: %d %s", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/mailboxes/7999/greetings", nil); r.status != http.StatusNotFound || r.code(t) != "mailbox_not_found" {
		t.Errorf("greetings of no mailbox: %d %s", r.status, r.body)
	}
	entries, _, err := e.store.AuditLog(ctx, "", 0)
	if err != nil || len(entries) != 2 || entries[1].Action != "greeting.delete" || entries[1].Target != "7001@default/name" ||
		entries[1].Result != "ok" || entries[0].Result != "greeting_not_found" {
		t.Errorf("audit: %+v, %v", entries, err)
	}
}
