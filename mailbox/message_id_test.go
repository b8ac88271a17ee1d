package mailbox

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^m[0-9]{13}-[0-9a-f]{8}$`)
	now := time.UnixMilli(1732634712042)
	id := NewMessageID(now)
	if !re.MatchString(id.String()) || !strings.HasPrefix(string(id), "m1732634712042-") {
		t.Fatalf("NewMessageID = %q", id)
	}
	if err := id.Validate(); err != nil {
		t.Fatalf("Validate(%q) = %v", id, err)
	}
	if other := NewMessageID(now); other == id {
		t.Errorf("two ids in the same millisecond are equal: %q", id)
	}
	if later := NewMessageID(now.Add(time.Millisecond)); later <= id {
		t.Errorf("later id %q does not sort after %q", later, id)
	}
	if early := NewMessageID(time.Unix(1, 0)); !strings.HasPrefix(string(early), "m0000000001000-") {
		t.Errorf("early id %q not zero-padded", early)
	}
	if before := NewMessageID(time.Unix(-5, 0)); !re.MatchString(string(before)) {
		t.Errorf("id before 1970 %q", before)
	}
}

func TestParseMessageID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"m1732634712042-9f86d081", true},
		{"a", true},
		{"A-9", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"../x", false},
		{"a/b", false},
		{"a.b", false},
		{"a_b", false},
		{"a b", false},
		{"a:b", false},
		{"{a}", false},
		{"a*", false},
		{"é", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMessageID(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseMessageID(%q) = %q, %v", tt.in, got, err)
			}
			if err != nil && (!errors.Is(err, ErrInvalidMessageID) || got != "") {
				t.Fatalf("ParseMessageID(%q) = %q, %v; want ErrInvalidMessageID", tt.in, got, err)
			}
			if err == nil && got.String() != tt.in {
				t.Fatalf("ParseMessageID(%q) = %q", tt.in, got)
			}
			if verr := MessageID(tt.in).Validate(); (verr == nil) != tt.ok {
				t.Fatalf("Validate(%q) = %v", tt.in, verr)
			}
		})
	}
	if _, err := ParseMessageID(strings.Repeat("/", 100000)); err == nil || len(err.Error()) > 300 {
		t.Errorf("error for a long id: %.100v", err)
	}
}

func FuzzParseMessageID(f *testing.F) {
	for _, s := range []string{"m1732634712042-9f86d081", "", "a", "../x", "a/b", strings.Repeat("x", 65), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseMessageID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessageID) || id != "" {
				t.Fatalf("ParseMessageID(%q) = %q, %v; want ErrInvalidMessageID", s, id, err)
			}
			return
		}
		if string(id) != s || len(s) == 0 || len(s) > maxMessageIDLen {
			t.Fatalf("ParseMessageID(%q) = %q", s, id)
		}
		// It goes into Redis keys and recording names as it is.
		if strings.ContainsAny(s, "/\\.{}*:?[]@ _") {
			t.Fatalf("ParseMessageID(%q) accepted a forbidden character", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] >= 0x7f {
				t.Fatalf("ParseMessageID(%q) accepted byte %#x", s, s[i])
			}
		}
	})
}
