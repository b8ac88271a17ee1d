package mailbox

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want ID // zero: an error wrapping ErrInvalidID
	}{
		{"1001", ID{"1001", "default"}},
		{"1001@sales", ID{"1001", "sales"}},
		{"0@A", ID{"0", "A"}},
		{"1001@Sales_2-x", ID{"1001", "Sales_2-x"}},
		{"1001@9lives", ID{"1001", "9lives"}},
		{strings.Repeat("9", 20), ID{strings.Repeat("9", 20), "default"}},
		{"1@" + strings.Repeat("c", 40), ID{"1", strings.Repeat("c", 40)}},

		{"", ID{}},
		{"@sales", ID{}},
		{"1001@", ID{}},
		{"abc", ID{}},
		{"10a1", ID{}},
		{"-1", ID{}},
		{"+1001", ID{}},
		{" 1001", ID{}},
		{"1001 ", ID{}},
		{"../1001", ID{}},
		{"1001@../etc", ID{}},
		{"1001@a/b", ID{}},
		{"1001@a.b", ID{}},
		{"1001@a:b", ID{}},
		{"1001@a@b", ID{}},
		{"1001@sa les", ID{}},
		{"*1001", ID{}},
		{"1001#", ID{}},
		{"{1001}", ID{}},
		{"1001@{x}", ID{}},
		{"1001@_x", ID{}},
		{"1001@-x", ID{}},
		{"1001@café", ID{}},
		{"١٠٠١", ID{}}, // Arabic-Indic digits
		{"1001\x00", ID{}},
		{"1001@x\n", ID{}},
		{strings.Repeat("9", 21), ID{}},
		{"1@" + strings.Repeat("c", 41), ID{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if tt.want == (ID{}) {
				if !errors.Is(err, ErrInvalidID) {
					t.Fatalf("ParseID(%q) = %v, %v; want an error wrapping ErrInvalidID", tt.in, got, err)
				}
				if got != (ID{}) {
					t.Errorf("ParseID(%q) returned %v with its error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestIDString(t *testing.T) {
	if got := (ID{"1001", "sales"}).String(); got != "1001@sales" {
		t.Errorf("String() = %q", got)
	}
	id, _ := ParseID("1001")
	if got := id.String(); got != "1001@default" {
		t.Errorf("String() = %q", got)
	}
}

func TestIDValidate(t *testing.T) {
	for _, id := range []ID{{}, {"1001", ""}, {"", "default"}, {"1001", "a}b"}, {"1/2", "x"}} {
		if err := id.Validate(); !errors.Is(err, ErrInvalidID) {
			t.Errorf("%#v.Validate() = %v, want ErrInvalidID", id, err)
		}
	}
	if err := (ID{"1001", "default"}).Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestNewID(t *testing.T) {
	tests := []struct {
		number, context string
		want            ID // zero: an error wrapping ErrInvalidID
	}{
		{"1001", "default", ID{"1001", "default"}},
		{"1002", "sales", ID{"1002", "sales"}},
		{"1001", "", ID{}},
		{"", "default", ID{}},
		{"1001@x", "default", ID{}},
		{"1001", "a@b", ID{}},
		{"1001", "../x", ID{}},
	}
	for _, tt := range tests {
		t.Run(tt.number+"@"+tt.context, func(t *testing.T) {
			got, err := NewID(tt.number, tt.context)
			if tt.want.IsZero() {
				if !errors.Is(err, ErrInvalidID) || !got.IsZero() {
					t.Fatalf("NewID(%q, %q) = %v, %v; want ErrInvalidID", tt.number, tt.context, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NewID(%q, %q) = %v, %v; want %v", tt.number, tt.context, got, err, tt.want)
			}
		})
	}
}

func TestMustParseID(t *testing.T) {
	if got := MustParseID("1001@sales"); got != (ID{"1001", "sales"}) {
		t.Errorf("MustParseID = %v", got)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("MustParseID of an invalid id did not panic")
		}
	}()
	MustParseID("../1001")
}

// TestIDText: in JSON an id is the string ParseID reads, and the zero id
// the empty string, so a field that held the id as a string decodes and
// encodes the same bytes once typed.
func TestIDText(t *testing.T) {
	type record struct {
		Mailbox ID `json:"mailbox"`
	}
	tests := []struct {
		in      string
		want    ID
		encoded string // "": as in
	}{
		{`{"mailbox":"1001@default"}`, ID{"1001", "default"}, ""},
		{`{"mailbox":"1001@Sales_2"}`, ID{"1001", "Sales_2"}, ""},
		{`{"mailbox":""}`, ID{}, ""},
		{`{"mailbox":"1001"}`, ID{"1001", "default"}, `{"mailbox":"1001@default"}`},
		{`{}`, ID{}, `{"mailbox":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r record
			if err := json.Unmarshal([]byte(tt.in), &r); err != nil || r.Mailbox != tt.want {
				t.Fatalf("decode %s = %v, %v; want %v", tt.in, r.Mailbox, err, tt.want)
			}
			want := tt.encoded
			if want == "" {
				want = tt.in
			}
			if b, err := json.Marshal(r); err != nil || string(b) != want {
				t.Fatalf("encode %v = %s, %v; want %s", r.Mailbox, b, err, want)
			}
		})
	}
	for _, bad := range []string{`{"mailbox":"../1001"}`, `{"mailbox":"1001@"}`, `{"mailbox":"@x"}`, `{"mailbox":{"Number":"1001"}}`} {
		r := record{Mailbox: ID{"7", "kept"}}
		err := json.Unmarshal([]byte(bad), &r)
		if err == nil {
			t.Errorf("decode %s = %v, want an error", bad, r.Mailbox)
		}
		if strings.Contains(bad, `"../`) && !errors.Is(err, ErrInvalidID) {
			t.Errorf("decode %s: %v does not wrap ErrInvalidID", bad, err)
		}
	}
	var m ID
	if err := m.UnmarshalText([]byte("1@../x")); !errors.Is(err, ErrInvalidID) || !m.IsZero() {
		t.Errorf("UnmarshalText(invalid) = %v, left %v", err, m)
	}
	if _, err := json.Marshal(record{Mailbox: ID{"1/2", "default"}}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("encode of an invalid id = %v, want ErrInvalidID", err)
	}
}

// TestParseIDRefusesHostileIDs: a mailbox id ends up in Redis keys
// (inside a {hash tag}) and in recording names, so nothing that could
// leave its directory, glob, split a key or hide a control byte parses.
func TestParseIDRefusesHostileIDs(t *testing.T) {
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
		id, err := ParseID(in)
		if !errors.Is(err, ErrInvalidID) || id != (ID{}) {
			t.Errorf("ParseID(%.60q) = %#v, %v; want ErrInvalidID", in, id, err)
			continue
		}
		if len(err.Error()) > 300 {
			t.Errorf("ParseID(%.60q): error of %d bytes quotes the whole input", in, len(err.Error()))
		}
		// Built by hand, the same parts fail Validate.
		number, context, ok := strings.Cut(in, "@")
		if !ok {
			context = DefaultContext
		}
		if err := (ID{Number: number, Context: context}).Validate(); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ID{%.40q, %.40q}.Validate() = %v", number, context, err)
		}
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1001", "1001@sales", "", "@", "1001@", "../1@x", "1@{x}", "1@a-b_c", "9@default@x", "1@é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("ParseID(%q): error %v does not wrap ErrInvalidID", s, err)
			}
			kept := ID{"7", "kept"}
			if err := kept.UnmarshalText([]byte(s)); s != "" && (err == nil || kept != (ID{"7", "kept"})) {
				t.Fatalf("UnmarshalText(%q) = %v, left %v; want an error and the value kept", s, err, kept)
			}
			return
		}
		str := id.String()
		if strings.ContainsAny(str, "/\\.{}*:?[] ") || strings.Count(str, "@") != 1 {
			t.Fatalf("ParseID(%q) = %q, which contains a forbidden character", s, str)
		}
		for i := 0; i < len(str); i++ {
			if str[i] < 0x20 || str[i] >= 0x7f {
				t.Fatalf("ParseID(%q) = %q, which contains byte %#x", s, str, str[i])
			}
		}
		if len(id.Number) > maxNumberLen || len(id.Context) > maxContextLen {
			t.Fatalf("ParseID(%q) = %q, longer than allowed", s, str)
		}
		back, err := ParseID(str)
		if err != nil || back != id {
			t.Fatalf("round trip of %q: ParseID(%q) = %v, %v; want %v", s, str, back, err, id)
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("parsed %q but Validate says %v", s, err)
		}
		if again, err := NewID(id.Number, id.Context); err != nil || again != id {
			t.Fatalf("NewID of the parts of %q = %v, %v", s, again, err)
		}
		text, err := id.MarshalText()
		if err != nil || string(text) != str {
			t.Fatalf("MarshalText of %q = %q, %v; want %q", s, text, err, str)
		}
		var decoded ID
		if err := decoded.UnmarshalText([]byte(s)); err != nil || decoded != id {
			t.Fatalf("UnmarshalText(%q) = %v, %v; want %v as ParseID", s, decoded, err, id)
		}
	})
}
