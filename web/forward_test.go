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

// TestForward forwards a message from the folder page to another mailbox,
// as the phone's option 8 does: the copy arrives new there with the
// envelope and audio of its own, the lamp of the other mailbox moves, the
// original stays; the mailbox itself, an unknown one and a full one are
// refused with what went wrong.
func TestForward(t *testing.T) {
	e := newEnv(t, state.Config{MaxMessages: 2})
	bob := mailbox.MustParseID("1002")
	if _, err := e.store.Provision(t.Context(), []state.MailboxConfig{{ID: bob, Name: "Bob", PIN: "86420"}}); err != nil {
		t.Fatal(err)
	}
	m := e.deposit(alice, "Carol", time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC))
	b := e.browser()
	b.mustLogin("1001", "97531")
	page := b.get("/folders/new")
	if !strings.Contains(page.body, `action="/messages/`+m.ID+`/forward"`) {
		t.Fatal("no forward form on the folder page")
	}
	tok := b.csrf("/folders/new")

	a := b.post("/messages/"+m.ID+"/forward", url.Values{"csrf": {tok}, "to": {"1002"}, "back": {"new"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/folders/new?ok=msg.forwarded" {
		t.Fatalf("forward: %d %s %q", a.status, a.header.Get("Location"), a.body)
	}
	got, err := e.store.Messages(t.Context(), bob, state.FolderNew)
	if err != nil || len(got) != 1 {
		t.Fatalf("Bob's New folder after the forward: %v, %v", got, err)
	}
	c := got[0]
	if c.ID == m.ID || c.CallerName != "Carol" || c.CallerNum != "5551234" || !c.Received.Equal(m.Received) || c.Duration != m.Duration {
		t.Errorf("copy %+v does not keep the envelope of %+v", c, m)
	}
	if want := m.Recording + ">" + c.Recording; len(e.copies.list()) != 1 || e.copies.list()[0] != want || c.Recording == m.Recording {
		t.Errorf("audio copies %v, want [%s]", e.copies.list(), want)
	}
	if e.lamps.count(bob) == 0 {
		t.Error("Bob's lamp was not told")
	}
	if _, err := e.store.Message(t.Context(), alice, m.ID); err != nil {
		t.Errorf("the original is gone after the forward: %v", err)
	}

	// Full: Bob's New folder holds 2 at most.
	if a := b.post("/messages/"+m.ID+"/forward", url.Values{"csrf": {tok}, "to": {"1002@default"}, "back": {"new"}}); a.status != http.StatusSeeOther {
		t.Fatalf("second forward: %d", a.status)
	}
	for _, tc := range []struct{ to, says string }{
		{"1002", "That mailbox is full"},
		{"1001", "That is your own mailbox"},
		{"1999", "There is no such mailbox"},
		{"12ab", "There is no such mailbox"},
		{"", "There is no such mailbox"},
	} {
		a := b.post("/messages/"+m.ID+"/forward", url.Values{"csrf": {tok}, "to": {tc.to}, "back": {"new"}})
		loc := a.header.Get("Location")
		if a.status != http.StatusSeeOther || !strings.Contains(loc, "err=fwd.") {
			t.Errorf("forward to %q: %d %s", tc.to, a.status, loc)
			continue
		}
		if page := b.get(loc); !strings.Contains(page.body, tc.says) {
			t.Errorf("forward to %q: the page does not say %q", tc.to, tc.says)
		}
	}
	if got, _ := e.store.Messages(t.Context(), bob, state.FolderNew); len(got) != 2 {
		t.Errorf("Bob has %d messages, want 2 (the refused forwards add none)", len(got))
	}
}
