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

// TestParseMailboxRefusesHostileIDs: a mailbox id ends up in Redis keys
// (inside a {hash tag}) and in recording names, so nothing that could
// leave its directory, glob, split a key or hide a control byte parses.
func TestParseMailboxRefusesHostileIDs(t *testing.T) {
	hostile := []string{
		"../1001", "1001/../x", "1001/..", "..", ".", "1001@..", "1001@.", "1001@../..", "1001@a/b",
		"1001@/", "/1001", "1001\\x", "1001@a\\b", "1001*2", "1001@*", "*", "1001?", "1001@[a]", "1001@~",
		"1001:x", "1001@a:b", "1001@{x}", "1001}", "1001 @x", "1001@x y",
		"\x00", "1001\x00", "\x001001", "1001@x\x00", "1001@\x00x", "10\t01", "1001\r\n", "1001@x\n",
		"1001\x1b[2J", "1001@x\x7f", "1001\u0085", "1001@\u200bx", "1001\xff",
		strings.Repeat("9", 21), strings.Repeat("9", 100000), "1@" + strings.Repeat("c", 41),
		"1@" + strings.Repeat("c", 100000), strings.Repeat("9", 20) + "@" + strings.Repeat("c", 41),
	}
	for _, in := range hostile {
		id, err := ParseMailbox(in)
		if !errors.Is(err, ErrInvalidMailbox) || id != (MailboxID{}) {
			t.Errorf("ParseMailbox(%.60q) = %#v, %v; want ErrInvalidMailbox", in, id, err)
			continue
		}
		if len(err.Error()) > 300 {
			t.Errorf("ParseMailbox(%.60q): error of %d bytes quotes the whole input", in, len(err.Error()))
		}
		// Built by hand, the same parts fail Validate.
		number, context, ok := strings.Cut(in, "@")
		if !ok {
			context = DefaultContext
		}
		if err := (MailboxID{Number: number, Context: context}).Validate(); !errors.Is(err, ErrInvalidMailbox) {
			t.Errorf("MailboxID{%.40q, %.40q}.Validate() = %v", number, context, err)
		}
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
		if strings.ContainsAny(str, "/\\.{}*:?[] ") || strings.Count(str, "@") != 1 {
			t.Fatalf("ParseMailbox(%q) = %q, which contains a forbidden character", s, str)
		}
		for i := 0; i < len(str); i++ {
			if str[i] < 0x20 || str[i] >= 0x7f {
				t.Fatalf("ParseMailbox(%q) = %q, which contains byte %#x", s, str, str[i])
			}
		}
		if len(id.Number) > maxNumberLen || len(id.Context) > maxContextLen {
			t.Fatalf("ParseMailbox(%q) = %q, longer than allowed", s, str)
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
