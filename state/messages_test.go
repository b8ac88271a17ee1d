package state

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidRecordingName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"voicemail/default/1001/msg/m1732634712042-9f86d081", true},
		{"voicemail/sales_2/1001/greeting/unavail-g1", true},
		{"tmp-1", true},
		{"", false},
		{"/abs", false},
		{"trailing/", false},
		{"a//b", false},
		{"..", false},
		{"a/../b", false},
		{"a/./b", false},
		{"a..b", false},
		{"name.wav", false},
		{"a b", false},
		{"a\\b", false},
		{"a\nb", false},
		{"a*", false},
		{strings.Repeat("x", 255), true},
		{strings.Repeat("x", 256), false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validRecordingName(tt.in); got != tt.ok {
				t.Fatalf("validRecordingName(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestCleanCallerField(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Alice Smith", "Alice Smith"},
		{"empty", "", ""},
		{"newline", "Eve\r\nX-Injected: 1", "EveX-Injected: 1"},
		{"nul and escape", "a\x00b\x1b[31mc\x7f", "ab[31mc"},
		{"C1 control", "a\u0085b", "ab"},
		{"invalid UTF-8", "a\xffb", "ab"},
		{"unicode kept", "Zoë Ñandú", "Zoë Ñandú"},
		{"cut at 80", strings.Repeat("x", 100), strings.Repeat("x", 80)},
		{"cut on a rune boundary", strings.Repeat("x", 79) + "é", strings.Repeat("x", 79)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanCallerField(tt.in); got != tt.want {
				t.Fatalf("cleanCallerField(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrepareMessage(t *testing.T) {
	valid := func() Message {
		return Message{
			ID:        "m1732634712042-9f86d081",
			Mailbox:   MailboxID{Number: "1001", Context: "default"},
			Recording: "voicemail/default/1001/msg/m1732634712042-9f86d081",
			Received:  time.UnixMilli(1732634712042),
			Duration:  12 * time.Second,
		}
	}
	got, err := prepareMessage(valid())
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != "1001@default" {
		t.Errorf("Origin = %q, want the mailbox", got.Origin)
	}
	m := valid()
	m.Origin = "2002"
	m.Received = time.Unix(1732634712, 42_123_456)
	if got, err := prepareMessage(m); err != nil || got.Origin != "2002@default" ||
		!got.Received.Equal(time.UnixMilli(1732634712042)) {
		t.Errorf("prepareMessage = %+v, %v; want canonical origin, ms received", got, err)
	}

	tests := []struct {
		name string
		edit func(*Message)
		also error // another sentinel the error wraps
	}{
		{"bad mailbox", func(m *Message) { m.Mailbox.Number = "../1" }, ErrInvalidMailbox},
		{"zero mailbox", func(m *Message) { m.Mailbox = MailboxID{} }, ErrInvalidMailbox},
		{"empty id", func(m *Message) { m.ID = "" }, ErrInvalidMessageID},
		{"bad id", func(m *Message) { m.ID = "a/b" }, ErrInvalidMessageID},
		{"not New", func(m *Message) { m.Folder = FolderOld }, nil},
		{"empty recording", func(m *Message) { m.Recording = "" }, nil},
		{"dot-dot recording", func(m *Message) { m.Recording = "voicemail/../etc/passwd" }, nil},
		{"zero received", func(m *Message) { m.Received = time.Time{} }, nil},
		{"received before 1970", func(m *Message) { m.Received = time.Unix(-1, 0) }, nil},
		{"negative duration", func(m *Message) { m.Duration = -time.Second }, nil},
		{"bad origin", func(m *Message) { m.Origin = "1001@a/b" }, ErrInvalidMailbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.edit(&m)
			_, err := prepareMessage(m)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("prepareMessage = %v, want ErrInvalidMessage", err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("error %v does not wrap %v", err, tt.also)
			}
		})
	}
}
