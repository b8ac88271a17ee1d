package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// fakeInfo is one mailbox, 1001@default, or Redis out of reach.
type fakeInfo struct{ down bool }

func (f fakeInfo) Mailbox(_ context.Context, id state.MailboxID) (state.Mailbox, error) {
	switch {
	case f.down:
		return state.Mailbox{}, errors.New("redis: connection refused")
	case id.Number != "1001":
		return state.Mailbox{}, fmt.Errorf("state: mailbox %s: %w", id, state.ErrMailboxNotFound)
	}
	return state.Mailbox{ID: id, Name: "Denise", Language: "fr"}, nil
}

func (f fakeInfo) Counts(context.Context, state.MailboxID) (state.Counts, error) {
	return state.Counts{New: 2, Old: 5, Work: 1}, nil
}

func TestMailboxInfo(t *testing.T) {
	render := func(vars []menus.Var) string {
		s := ""
		for _, v := range vars {
			s += v.Name + "=" + v.Value + " "
		}
		return s
	}
	tests := []struct {
		name, number string
		r            fakeInfo
		want, status string
	}{
		{"exists", "1001", fakeInfo{}, "VOICEMAIL_EXISTS=1 VOICEMAIL_NEW=2 VOICEMAIL_OLD=5 VOICEMAIL_URGENT=0 VOICEMAIL_LANGUAGE=fr VOICEMAIL_NAME=Denise ", "SUCCESS"},
		{"missing", "4242", fakeInfo{}, "VOICEMAIL_EXISTS=0 VOICEMAIL_NEW=0 VOICEMAIL_OLD=0 VOICEMAIL_URGENT=0 VOICEMAIL_LANGUAGE= VOICEMAIL_NAME= ", "SUCCESS"},
		{"storage down", "1001", fakeInfo{down: true}, "VOICEMAIL_EXISTS= VOICEMAIL_NEW=0 VOICEMAIL_OLD=0 VOICEMAIL_URGENT=0 VOICEMAIL_LANGUAGE= VOICEMAIL_NAME= ", "FAILED"},
	}
	for _, tt := range tests {
		vars, status, err := mailboxInfo(context.Background(), tt.r, state.MailboxID{Number: tt.number, Context: "default"})
		if got := render(vars); got != tt.want || status != tt.status || (err != nil) != tt.r.down {
			t.Errorf("%s: %s %s %v; want %s %s", tt.name, got, status, err, tt.want, tt.status)
		}
	}
}
