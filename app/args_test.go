package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    string // mode/mailbox/greeting
		wantErr bool
	}{
		{[]string{"main"}, "main//", false},
		{[]string{"main", ""}, "main//", false},
		{[]string{"main", "1001"}, "main/1001@default/", false},
		{[]string{"main:1001"}, "main/1001@default/", false},
		{[]string{"main:1001", ""}, "main/1001@default/", false},
		{[]string{"deposit:1001:busy", "", ""}, "deposit/1001@default/busy", false},
		{[]string{"MAIN", "1001@sales"}, "main/1001@sales/", false},
		{[]string{"deposit", "1001"}, "deposit/1001@default/unavail", false},
		{[]string{"deposit", "1001", "busy"}, "deposit/1001@default/busy", false},
		{[]string{"deposit:1002:unavail"}, "deposit/1002@default/unavail", false},
		{[]string{"main", "", ""}, "main//", false},
		{[]string{"main:1001:"}, "main/1001@default/", false},
		{nil, "", true},
		{[]string{"bogus"}, "", true},
		{[]string{"deposit"}, "", true},
		{[]string{"deposit", "1001", "loud"}, "", true},
		// deposit,MAILBOX,GREETING,urgent: app_voicemail's U option.
		{[]string{"deposit", "1001", "unavail", "urgent"}, "deposit/1001@default/unavail/urgent", false},
		{[]string{"deposit", "1001", "busy", "URGENT"}, "deposit/1001@default/busy/urgent", false},
		{[]string{"deposit", "1001", "", "urgent"}, "deposit/1001@default/unavail/urgent", false},
		{[]string{"deposit:1001:busy:urgent"}, "deposit/1001@default/busy/urgent", false},
		{[]string{"deposit", "1001", "busy", ""}, "deposit/1001@default/busy", false},
		{[]string{"deposit", "1001", "busy", "u"}, "", true},
		{[]string{"deposit", "1001", "busy", "priority"}, "", true},
		{[]string{"deposit", "1001", "busy", "urgent", "x"}, "", true},
		{[]string{"main", "1001", "", "urgent"}, "", true},
		{[]string{"main", "../etc"}, "", true},
		{[]string{"main", "10*1"}, "", true},
		{[]string{"main", "1001", "x"}, "", true},
		{[]string{"main", "1", "2", "3"}, "", true},
		// own: the number from caller data, the context from the dialplan.
		{[]string{"own", "1001", "sales"}, "main/1001@sales/", false},
		{[]string{"OWN", " 1001 ", "default"}, "main/1001@default/", false},
		{[]string{"own:1001:sales"}, "main/1001@sales/", false},
		{[]string{"own", "1001@other", "sales"}, "", true},
		{[]string{"own", "1001@", "sales"}, "", true},
		{[]string{"own:1001@other:sales"}, "", true},
		{[]string{"own", "1001"}, "", true},
		{[]string{"own", "1001", ""}, "", true},
		{[]string{"own", "", "sales"}, "", true},
		{[]string{"own"}, "", true},
		{[]string{"own", "1001", "../x"}, "", true},
		{[]string{"own", "1001", "sales", "busy"}, "", true},
		// A caller ID smuggling a colon becomes one argument too many
		// under StasisBroadcast.
		{[]string{"own:1001:other:sales"}, "", true},
		// info: a mailbox, nothing more.
		{[]string{"info", "1001"}, "info/1001@default/", false},
		{[]string{"info:1001@sales", ""}, "info/1001@sales/", false},
		{[]string{"info"}, "", true},
		{[]string{"info", "1001", "busy"}, "", true},
		{[]string{"info", "../1001"}, "", true},
	}
	for _, tt := range tests {
		r, err := ParseArgs(tt.args)
		if tt.wantErr {
			if !errors.Is(err, ErrBadArgs) {
				t.Errorf("ParseArgs(%q) err = %v, want ErrBadArgs", tt.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		mb := ""
		if r.HasMailbox {
			mb = r.Mailbox.String()
		}
		got := r.Mode + "/" + mb + "/" + r.Greeting
		if r.Urgent {
			got += "/urgent"
		}
		if got != tt.want {
			t.Errorf("ParseArgs(%q) = %s, want %s", tt.args, got, tt.want)
		}
	}
}

func TestParseArgsDirectory(t *testing.T) {
	tests := []struct {
		args []string
		want call.Request
	}{
		{[]string{"directory"}, call.Request{Mode: "directory", Context: "default"}},
		{[]string{"directory", "", ""}, call.Request{Mode: "directory", Context: "default"}},
		{[]string{"directory:sales:e"}, call.Request{Mode: "directory", Context: "sales", SayExten: true}},
		{[]string{"Directory", "sales", "f"}, call.Request{Mode: "directory", Context: "sales", DirBy: menus.DirByFirst}},
		{[]string{"directory", "default", "b"}, call.Request{Mode: "directory", Context: "default", DirBy: menus.DirByEither}},
		{[]string{"directory", "default", "fle"}, call.Request{Mode: "directory", Context: "default", DirBy: menus.DirByEither, SayExten: true}},
		{[]string{"directory", "default", "l"}, call.Request{Mode: "directory", Context: "default"}},
	}
	for _, tt := range tests {
		if r, err := ParseArgs(tt.args); err != nil || r != tt.want {
			t.Errorf("ParseArgs(%q) = %+v, %v; want %+v", tt.args, r, err, tt.want)
		}
	}
	for _, args := range [][]string{
		{"directory", "../x"}, {"directory", "a/b"}, {"directory", "default", "m"}, {"directory", "default", "f3"},
		{"directory", "default", "p(200)"}, {"directory", "default", "e", "x"}, {"directory", strings.Repeat("c", 41)},
	} {
		if r, err := ParseArgs(args); !errors.Is(err, ErrBadArgs) {
			t.Errorf("ParseArgs(%q) = %+v, %v; want ErrBadArgs", args, r, err)
		}
	}
}

// TestParseArgsRejectsUnsafeMailbox: a mailbox from the dialplan ends up in
// Redis keys and recording names, so anything but NUMBER[@CONTEXT] is
// refused, in either argument form.
func TestParseArgsRejectsUnsafeMailbox(t *testing.T) {
	for _, mb := range []string{
		"../1001", "1001/../x", "1001@..", "1001@../x", "1001@a/b", "/", "1001/",
		"1001*2", "*", "1001#", "1001@{x}", "{1001}", "1001@a@b", "1001@a.b", "1001@a\\b",
		"1001\x00", "\x001001", "1001@ab\x00", "10\n01", "1001@a\rb", "1001\x1b", "1001\x7f",
		"١٠٠١", "1001@café",
		strings.Repeat("9", 21), "1001@" + strings.Repeat("c", 41), strings.Repeat("9", 100000),
	} {
		for _, args := range [][]string{{"main", mb}, {"deposit", mb, "busy"}, {"info", mb}} {
			if r, err := ParseArgs(args); !errors.Is(err, ErrBadArgs) {
				t.Errorf("ParseArgs(%.60q) = %+v, %v; want ErrBadArgs", args, r, err)
			}
		}
		if strings.Contains(mb, ":") {
			continue
		}
		if r, err := ParseArgs([]string{"deposit:" + mb + ":busy"}); !errors.Is(err, ErrBadArgs) {
			t.Errorf("ParseArgs(%.60q) = %+v, %v; want ErrBadArgs", "deposit:"+mb+":busy", r, err)
		}
	}
}

// FuzzParseArgs checks that ParseArgs accepts only the dialplan contract: a
// known mode, a mailbox that is a valid id (safe in Redis keys and recording
// names), and the same request whether the arguments come one by one
// (Stasis) or joined with colons (StasisBroadcast). Seeds are in
// testdata/fuzz/FuzzParseArgs.
//
// own never takes a context from its number argument.
func FuzzParseArgs(f *testing.F) {
	f.Add("main", "1001", "")
	f.Add("deposit", "1001@sales", "busy")
	f.Add("main:1001", "", "")
	f.Add("own", "1001", "sales")
	f.Add("own", "1001@other", "sales")
	f.Add("directory", "sales", "fe")
	f.Add("info", "1001@sales", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, args := range [][]string{{a, b, c}, {a, b}, {a}, {"deposit", a, b, c}} {
			checkRequest(t, args)
		}
		if !strings.ContainsRune(a+b+c, ':') {
			r1, err1 := ParseArgs([]string{a, b, c})
			r2, err2 := ParseArgs([]string{a + ":" + b + ":" + c})
			if (err1 == nil) != (err2 == nil) || r1 != r2 {
				t.Fatalf("ParseArgs(%q) = %+v, %v but joined with colons = %+v, %v", []string{a, b, c}, r1, err1, r2, err2)
			}
		}
		if r, err := ParseArgs([]string{"own", b, c}); err == nil && (strings.Contains(b, "@") || r.Mailbox.Context != strings.TrimSpace(c)) {
			t.Fatalf("ParseArgs(own, %q, %q) = %+v: the context is not the dialplan's", b, c, r)
		}
	})
}

// checkRequest fails t when ParseArgs(args) accepts something outside the
// contract.
func checkRequest(t *testing.T, args []string) {
	t.Helper()
	r, err := ParseArgs(args)
	if err != nil {
		if !errors.Is(err, ErrBadArgs) {
			t.Fatalf("ParseArgs(%q): error %v does not wrap ErrBadArgs", args, err)
		}
		if r != (call.Request{}) {
			t.Fatalf("ParseArgs(%q) returned %+v with its error", args, r)
		}
		return
	}
	switch {
	case r.Mode == "main" && (r.Greeting != "" || r.Urgent):
		t.Fatalf("ParseArgs(%q): main with greeting %q, urgent %v", args, r.Greeting, r.Urgent)
	case r.Mode == "deposit" && (!r.HasMailbox || (r.Greeting != "unavail" && r.Greeting != "busy")):
		t.Fatalf("ParseArgs(%q): deposit %+v", args, r)
	case r.Mode == "info" && !r.HasMailbox:
		t.Fatalf("ParseArgs(%q): info without a mailbox", args)
	case r.Mode == "directory":
		if err := (state.MailboxID{Number: "0", Context: r.Context}).Validate(); err != nil || r.HasMailbox {
			t.Fatalf("ParseArgs(%q): directory %+v: %v", args, r, err)
		}
	case r.Mode != "main" && r.Mode != "deposit" && r.Mode != "info":
		t.Fatalf("ParseArgs(%q): accepted mode %q", args, r.Mode)
	}
	if !r.HasMailbox {
		if r.Mailbox != (state.MailboxID{}) {
			t.Fatalf("ParseArgs(%q): mailbox %v without HasMailbox", args, r.Mailbox)
		}
		return
	}
	if err := r.Mailbox.Validate(); err != nil {
		t.Fatalf("ParseArgs(%q): accepted mailbox %#v: %v", args, r.Mailbox, err)
	}
	s := r.Mailbox.String()
	if back, err := state.ParseMailbox(s); err != nil || back != r.Mailbox {
		t.Fatalf("ParseArgs(%q): mailbox %q does not parse back: %v, %v", args, s, back, err)
	}
	if strings.Contains(s, "..") || strings.ContainsAny(s, "/\\*:{}") || strings.Count(s, "@") != 1 {
		t.Fatalf("ParseArgs(%q): mailbox %q holds a path or key separator", args, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			t.Fatalf("ParseArgs(%q): mailbox %q holds byte %#x", args, s, s[i])
		}
	}
}
