package admin

import (
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// The JSON shapes of the API (openapi.yaml, components/schemas) and of the
// CLI's --json output.

// CountsView is state.Counts in JSON.
type CountsView struct {
	New     int `json:"new"`
	Old     int `json:"old"`
	Work    int `json:"work"`
	Family  int `json:"family"`
	Friends int `json:"friends"`
	// Urgent counts the Urgent folder; its messages are waiting too.
	Urgent int `json:"urgent"`
}

func countsView(c state.Counts) CountsView {
	return CountsView{New: c.New, Old: c.Old, Work: c.Work, Family: c.Family, Friends: c.Friends, Urgent: c.Urgent}
}

// MailboxView is a mailbox in JSON.
type MailboxView struct {
	Mailbox  string `json:"mailbox"`
	Number   string `json:"number"`
	Context  string `json:"context"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language"`
	Review   *bool  `json:"review"`
	// Options are the mailbox's own options, each absent when it follows
	// the system's setting.
	Options          state.Options `json:"options"`
	Pager            string        `json:"pager"`
	Attach           string        `json:"attach"`
	DeleteAfterEmail bool          `json:"delete_after_email"`
	Timezone         string        `json:"timezone"`
	Hidden           bool          `json:"hidden"`
	PINMustChange    bool          `json:"pin_must_change"`
	PINSetBy         string        `json:"pin_set_by"`
	ManagedBy        string        `json:"managed_by"`
	Created          *time.Time    `json:"created,omitempty"`
	Counts           *CountsView   `json:"counts,omitempty"`
	Lockout          *LockoutView  `json:"lockout,omitempty"`
	// PIN is the generated one-time PIN, only in the answer to the request
	// that generated it.
	PIN string `json:"pin,omitempty"`
}

func mailboxView(m state.Mailbox) MailboxView {
	v := MailboxView{Mailbox: m.ID.String(), Number: m.ID.Number, Context: m.ID.Context, Name: m.Name,
		Email: m.Email, Language: m.Language, Review: m.Review, Options: m.Options,
		Pager: m.Notify.Pager, Attach: m.Notify.Attach, DeleteAfterEmail: m.Notify.DeleteAfterEmail,
		Timezone: m.Notify.Timezone, Hidden: m.Hidden, PINMustChange: m.PINIsDefault,
		PINSetBy: m.PINSource, ManagedBy: "config"}
	if m.ManagedByAPI {
		v.ManagedBy = "api"
	}
	if v.PINSetBy == "" {
		v.PINSetBy = "config"
	}
	if !m.Created.IsZero() {
		t := m.Created.UTC()
		v.Created = &t
	}
	return v
}

// MailboxPageView is a page of mailboxes in JSON.
type MailboxPageView struct {
	Mailboxes []MailboxView `json:"mailboxes"`
	Next      *string       `json:"next"`
}

func mailboxPageView(p state.MailboxPage) MailboxPageView {
	v := MailboxPageView{Mailboxes: make([]MailboxView, len(p.Mailboxes))}
	for i, e := range p.Mailboxes {
		v.Mailboxes[i] = mailboxView(e.Mailbox)
		c := countsView(e.Counts)
		v.Mailboxes[i].Counts = &c
	}
	if p.Next != "" {
		v.Next = &p.Next
	}
	return v
}

// LockoutView is state.Lockout in JSON.
type LockoutView struct {
	Locked           bool  `json:"locked"`
	RemainingSeconds int64 `json:"remaining_seconds"`
	Failures         int   `json:"failures"`
	LockoutsInARow   int   `json:"lockouts_in_a_row"`
}

func lockoutView(l state.Lockout) LockoutView {
	secs := int64((l.Remaining + time.Second - 1) / time.Second)
	return LockoutView{Locked: l.Remaining > 0, RemainingSeconds: secs, Failures: l.Failures, LockoutsInARow: l.Strikes}
}

// PINResultView is the answer to a PIN reset.
type PINResultView struct {
	Mailbox    string `json:"mailbox"`
	MustChange bool   `json:"must_change"`
	PIN        string `json:"pin,omitempty"`
}

// UnlockedView is the answer to clearing a lockout.
type UnlockedView struct {
	Mailbox   string `json:"mailbox"`
	WasLocked bool   `json:"was_locked"`
}

// MessageView is a message's envelope in JSON.
type MessageView struct {
	ID              string    `json:"id"`
	Mailbox         string    `json:"mailbox"`
	Folder          string    `json:"folder"`
	CallerNumber    string    `json:"caller_number"`
	CallerName      string    `json:"caller_name"`
	Received        time.Time `json:"received"`
	DurationSeconds float64   `json:"duration_seconds"`
	Origin          string    `json:"origin"`
	HasIntroduction bool      `json:"has_introduction"`
	// Transcript is the automatic transcript (mail.transcribe), if any.
	Transcript string `json:"transcript,omitempty"`
	// Deleted is when a message in the trash was deleted; nil otherwise.
	Deleted *time.Time `json:"deleted,omitempty"`
}

func messageView(m state.Message) MessageView {
	v := MessageView{ID: m.ID, Mailbox: m.Mailbox.String(), Folder: folderName(m.Folder),
		CallerNumber: m.CallerNum, CallerName: m.CallerName, Received: m.Received.UTC(),
		DurationSeconds: m.Duration.Seconds(), Origin: m.Origin, HasIntroduction: m.Intro != "",
		Transcript: m.Transcript}
	if !m.Deleted.IsZero() {
		d := m.Deleted.UTC()
		v.Deleted = &d
	}
	return v
}

// MessageListView is a list of messages in JSON.
type MessageListView struct {
	Messages []MessageView `json:"messages"`
}

func messageListView(msgs []state.Message) MessageListView {
	v := MessageListView{Messages: make([]MessageView, len(msgs))}
	for i, m := range msgs {
		v.Messages[i] = messageView(m)
	}
	return v
}

// AuditEntryView is an audit entry in JSON.
type AuditEntryView struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Source string    `json:"source"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Result string    `json:"result"`
	Detail string    `json:"detail,omitempty"`
	Remote string    `json:"remote,omitempty"`
}

// AuditPageView is a page of the audit trail in JSON.
type AuditPageView struct {
	Entries []AuditEntryView `json:"entries"`
	Next    *string          `json:"next"`
}

func auditPageView(entries []state.AuditEntry, next string) AuditPageView {
	v := AuditPageView{Entries: make([]AuditEntryView, len(entries))}
	for i, e := range entries {
		v.Entries[i] = AuditEntryView{ID: e.ID, Time: e.Time.UTC(), Actor: e.Actor, Source: e.Source,
			Action: e.Action, Target: e.Target, Result: e.Result, Detail: e.Detail, Remote: e.Remote}
	}
	if next != "" {
		v.Next = &next
	}
	return v
}

// ErrorView is an error in JSON.
type ErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// folderName is a folder as the API names it: "new", "old", "work",
// "family", "friends", "urgent".
func folderName(f mailbox.Folder) string { return strings.ToLower(f.String()) }

// ParseFolderName reads a folder as the API and the CLI name it, or its
// digit; the error wraps mailbox.ErrInvalidFolder.
func ParseFolderName(s string) (mailbox.Folder, error) {
	for _, f := range mailbox.AllFolders {
		if strings.EqualFold(s, f.String()) {
			return f, nil
		}
	}
	return mailbox.ParseFolder(s)
}
