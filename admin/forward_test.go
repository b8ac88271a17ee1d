package admin

import (
	"net/http"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// TestForwardAPI forwards a message through the API: the copy is new in
// the other mailbox with the envelope, the original stays, the lamps are
// told, and bad targets get their codes without a copy.
func TestForwardAPI(t *testing.T) {
	e := newEnv(t, state.Config{MaxMessages: 1})
	ctx := t.Context()
	from, to := mailbox.MustParseID("3001"), mailbox.MustParseID("3002")
	for _, id := range []mailbox.ID{from, to} {
		if _, err := e.store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
			t.Fatal(err)
		}
	}
	deposit(t, e.store, from, "m1", state.FolderNew)

	var c MessageView
	r := e.call(http.MethodPost, "/api/v1/mailboxes/3001/messages/m1/forward", map[string]any{"to": "3002@default"})
	r.json(t, &c)
	if r.status != http.StatusCreated || c.ID == "m1" || c.Folder != "new" || c.CallerName != "Carol" || c.Mailbox != "3002@default" {
		t.Fatalf("forward: %d %s", r.status, r.body)
	}
	if e.lamps.count(to) == 0 {
		t.Error("lamps of the destination not told")
	}
	if _, err := e.store.Message(ctx, from, "m1"); err != nil {
		t.Errorf("original gone: %v", err)
	}
	for _, tc := range []struct {
		to     any
		status int
		code   string
	}{
		{"3002@default", http.StatusConflict, "folder_full"},
		{"3001@default", http.StatusConflict, "forward_to_self"},
		{"3999@default", http.StatusNotFound, "mailbox_not_found"},
		{"not a mailbox", http.StatusBadRequest, "invalid_request"},
		{42, http.StatusBadRequest, "invalid_request"},
	} {
		if r := e.call(http.MethodPost, "/api/v1/mailboxes/3001/messages/m1/forward", map[string]any{"to": tc.to}); r.status != tc.status || r.code(t) != tc.code {
			t.Errorf("forward to %v: %d %s, want %d %s", tc.to, r.status, r.body, tc.status, tc.code)
		}
	}
	if got, _ := e.store.Messages(ctx, to, state.FolderNew); len(got) != 1 {
		t.Errorf("destination holds %d messages, want 1", len(got))
	}
}
