package state

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMailbox(t *testing.T) {
	tests := []struct {
		in   string
		want MailboxID // zero: an error wrapping ErrInvalidMailbox
	}{
		{"1001", MailboxID{"1001", "default"}},
		{"1001@sales", MailboxID{"1001", "sales"}},
		{"0@A", MailboxID{"0", "A"}},
		{"1001@Sales_2-x", MailboxID{"1001", "Sales_2-x"}},
		{"1001@9lives", MailboxID{"1001", "9lives"}},
		{strings.Repeat("9", 20), MailboxID{strings.Repeat("9", 20), "default"}},
		{"1@" + strings.Repeat("c", 40), MailboxID{"1", strings.Repeat("c", 40)}},

		{"", MailboxID{}},
		{"@sales", MailboxID{}},
		{"1001@", MailboxID{}},
		{"abc", MailboxID{}},
		{"10a1", MailboxID{}},
		{"-1", MailboxID{}},
		{"+1001", MailboxID{}},
		{" 1001", MailboxID{}},
		{"1001 ", MailboxID{}},
		{"../1001", MailboxID{}},
		{"1001@../etc", MailboxID{}},
		{"1001@a/b", MailboxID{}},
		{"1001@a.b", MailboxID{}},
		{"1001@a:b", MailboxID{}},
		{"1001@a@b", MailboxID{}},
		{"1001@sa les", MailboxID{}},
		{"*1001", MailboxID{}},
		{"1001#", MailboxID{}},
		{"{1001}", MailboxID{}},
		{"1001@{x}", MailboxID{}},
		{"1001@_x", MailboxID{}},
		{"1001@-x", MailboxID{}},
		{"1001@café", MailboxID{}},
		{"١٠٠١", MailboxID{}}, // Arabic-Indic digits
		{"1001\x00", MailboxID{}},
		{"1001@x\n", MailboxID{}},
		{strings.Repeat("9", 21), MailboxID{}},
		{"1@" + strings.Repeat("c", 41), MailboxID{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMailbox(tt.in)
			if tt.want == (MailboxID{}) {
				if !errors.Is(err, ErrInvalidMailbox) {
					t.Fatalf("ParseMailbox(%q) = %v, %v; want an error wrapping ErrInvalidMailbox", tt.in, got, err)
				}
				if got != (MailboxID{}) {
					t.Errorf("ParseMailbox(%q) returned %v with its error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseMailbox(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMailboxIDString(t *testing.T) {
	if got := (MailboxID{"1001", "sales"}).String(); got != "1001@sales" {
		t.Errorf("String() = %q", got)
	}
	id, _ := ParseMailbox("1001")
	if got := id.String(); got != "1001@default" {
		t.Errorf("String() = %q", got)
	}
}

func TestMailboxIDValidate(t *testing.T) {
	for _, id := range []MailboxID{{}, {"1001", ""}, {"", "default"}, {"1001", "a}b"}, {"1/2", "x"}} {
		if err := id.Validate(); !errors.Is(err, ErrInvalidMailbox) {
			t.Errorf("%#v.Validate() = %v, want ErrInvalidMailbox", id, err)
		}
	}
	if err := (MailboxID{"1001", "default"}).Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func FuzzParseMailbox(f *testing.F) {
	for _, s := range []string{"1001", "1001@sales", "", "@", "1001@", "../1@x", "1@{x}", "1@a-b_c", "9@default@x", "1@é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseMailbox(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidMailbox) {
				t.Fatalf("ParseMailbox(%q): error %v does not wrap ErrInvalidMailbox", s, err)
			}
			return
		}
		str := id.String()
		if strings.ContainsAny(str, "/.{}") {
			t.Fatalf("ParseMailbox(%q) = %q, which contains a forbidden character", s, str)
		}
		back, err := ParseMailbox(str)
		if err != nil || back != id {
			t.Fatalf("round trip of %q: ParseMailbox(%q) = %v, %v; want %v", s, str, back, err, id)
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("parsed %q but Validate says %v", s, err)
		}
	})
}
