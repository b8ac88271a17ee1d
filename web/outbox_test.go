package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// TestAdminOutbox lists an email given up on in the administrators'
// outbox page, retries it (it waits in the outbox again), then drops it;
// a notification that is gone meanwhile says so.
func TestAdminOutbox(t *testing.T) {
	e := newEnv(t, state.Config{})
	ctx := t.Context()
	bob := mailbox.MustParseID("1002")
	if _, err := e.store.Provision(ctx, []state.MailboxConfig{{ID: bob, Name: "Bob", PIN: "86420", Email: "bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	m := e.deposit(bob, "Carol", time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC))
	ns, _, err := e.store.TakeNotifications(ctx, bob, "it", time.Minute, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notifications of the deposit: %v, %v", ns, err)
	}
	policy := state.RetryPolicy{Backoff: time.Second, GiveUp: time.Hour, ClaimIdle: time.Minute}
	if _, _, err := e.store.NotificationFailed(ctx, ns[0], "it", "550 5.1.1 <bob@example.com>: no such user", true, policy); err != nil {
		t.Fatal(err)
	}

	rep, err := e.store.ListNotifications(ctx)
	if err != nil || len(rep.Dead) != 1 {
		t.Fatalf("dead letters: %+v, %v", rep, err)
	}
	n := rep.Dead[0].ID // a dead letter's own id

	b := e.browser()
	b.adminLogin()
	page := b.get("/admin/outbox")
	for _, want := range []string{"Given up (dead letters)", "1002@default", m.ID, "550 5.1.1 &lt;bob@example.com&gt;: no such user",
		`action="/admin/outbox/1002@default/` + n + `/retry"`, "No email is waiting."} {
		if !strings.Contains(page.body, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	tok := b.csrf("/admin/outbox")
	a := b.post("/admin/outbox/1002@default/"+n+"/retry", url.Values{"csrf": {tok}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/admin/outbox?ok=out.retried" {
		t.Fatalf("retry: %d %s", a.status, a.header.Get("Location"))
	}
	rep, err = e.store.ListNotifications(ctx)
	if err != nil || len(rep.Dead) != 0 || len(rep.Pending) != 1 {
		t.Fatalf("after the retry: %+v, %v", rep, err)
	}
	page = b.get("/admin/outbox")
	if !strings.Contains(page.body, "Waiting to be sent") || !strings.Contains(page.body, "No email was given up on.") {
		t.Errorf("after the retry the page shows %q", page.body)
	}
	pending := rep.Pending[0].ID
	if a := b.post("/admin/outbox/1002@default/"+pending+"/drop", url.Values{"csrf": {tok}}); a.header.Get("Location") != "/admin/outbox?ok=out.dropped" {
		t.Fatalf("drop: %d %s", a.status, a.header.Get("Location"))
	}
	if rep, _ := e.store.ListNotifications(ctx); len(rep.Dead)+len(rep.Pending) != 0 {
		t.Errorf("after the drop: %+v", rep)
	}
	a = b.post("/admin/outbox/1002@default/"+pending+"/drop", url.Values{"csrf": {tok}})
	if a.header.Get("Location") != "/admin/outbox?err=out.gone" {
		t.Fatalf("second drop: %d %s", a.status, a.header.Get("Location"))
	}
	if page := b.get(a.header.Get("Location")); !strings.Contains(page.body, "no longer there") {
		t.Error("the page does not say the notification is gone")
	}
	// Owners do not reach it; nor does a POST without the token.
	if a := b.post("/admin/outbox/1002@default/"+pending+"/retry", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("retry without the CSRF token: %d", a.status)
	}
	owner := e.browser()
	owner.mustLogin("1001", "97531")
	if a := owner.get("/admin/outbox"); a.status != http.StatusSeeOther {
		t.Errorf("an owner on the outbox page: %d", a.status)
	}
}
