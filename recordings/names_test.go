package recordings

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/state"
)

// stateRule is the rule state applies to the recording names it stores
// (state.validRecordingName): every name built here must pass it.
var stateRule = regexp.MustCompile(`^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$`)

// mb parses a mailbox id or fails the test.
func mb(t testing.TB, s string) state.MailboxID {
	t.Helper()
	id, err := state.ParseMailbox(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMessageName(t *testing.T) {
	tests := []struct {
		name  string
		mb    state.MailboxID
		msgID string
		want  string
		also  error // the state sentinel the error wraps, if it fails
	}{
		{"default context", state.MailboxID{Number: "1001", Context: "default"}, "m1732634712042-9f86d081",
			"voicemail/default/1001/msg/m1732634712042-9f86d081", nil},
		{"other context", state.MailboxID{Number: "42", Context: "sales_2-x"}, "a",
			"voicemail/sales_2-x/42/msg/a", nil},
		{"longest", state.MailboxID{Number: strings.Repeat("9", 20), Context: strings.Repeat("c", 40)}, strings.Repeat("m", 64),
			"voicemail/" + strings.Repeat("c", 40) + "/" + strings.Repeat("9", 20) + "/msg/" + strings.Repeat("m", 64), nil},
		{"dot-dot in number", state.MailboxID{Number: "../1001", Context: "default"}, "m1", "", state.ErrInvalidMailbox},
		{"dot-dot in context", state.MailboxID{Number: "1001", Context: ".."}, "m1", "", state.ErrInvalidMailbox},
		{"slash in context", state.MailboxID{Number: "1001", Context: "a/b"}, "m1", "", state.ErrInvalidMailbox},
		{"empty mailbox", state.MailboxID{}, "m1", "", state.ErrInvalidMailbox},
		{"empty id", state.MailboxID{Number: "1001", Context: "default"}, "", "", state.ErrInvalidMessageID},
		{"dot-dot id", state.MailboxID{Number: "1001", Context: "default"}, "../../etc/passwd", "", state.ErrInvalidMessageID},
		{"slash in id", state.MailboxID{Number: "1001", Context: "default"}, "a/b", "", state.ErrInvalidMessageID},
		{"dot in id", state.MailboxID{Number: "1001", Context: "default"}, "m1.wav", "", state.ErrInvalidMessageID},
		{"space in id", state.MailboxID{Number: "1001", Context: "default"}, "m 1", "", state.ErrInvalidMessageID},
		{"long id", state.MailboxID{Number: "1001", Context: "default"}, strings.Repeat("m", 65), "", state.ErrInvalidMessageID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MessageName(tt.mb, tt.msgID)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidName) || !errors.Is(err, tt.also) || got != "" {
					t.Fatalf("MessageName = %q, %v; want an error wrapping ErrInvalidName and %v", got, err, tt.also)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("MessageName = %q, %v; want %q", got, err, tt.want)
			}
			if !IsOurs(got) || !stateRule.MatchString(got) || len(got) > 255 {
				t.Errorf("%q is not ours or breaks state's rule", got)
			}
		})
	}
}

func TestGreetingName(t *testing.T) {
	def := state.MailboxID{Number: "1001", Context: "default"}
	tests := []struct {
		name    string
		mb      state.MailboxID
		kind    state.GreetingKind
		version string
		want    string
		also    error
	}{
		{"unavail", def, state.GreetingUnavail, "m1732634712042-9f86d081",
			"voicemail/default/1001/greeting/unavail-m1732634712042-9f86d081", nil},
		{"busy", def, state.GreetingBusy, "1", "voicemail/default/1001/greeting/busy-1", nil},
		{"temp", def, state.GreetingTemp, "A-b", "voicemail/default/1001/greeting/temp-A-b", nil},
		{"name", def, state.GreetingName, strings.Repeat("v", 32),
			"voicemail/default/1001/greeting/greet-" + strings.Repeat("v", 32), nil},
		{"bad mailbox", state.MailboxID{Number: "1001", Context: "../x"}, state.GreetingBusy, "1", "", state.ErrInvalidMailbox},
		{"unknown kind", def, "name", "1", "", state.ErrInvalidGreeting},
		{"dot-dot kind", def, "../busy", "1", "", state.ErrInvalidGreeting},
		{"empty version", def, state.GreetingBusy, "", "", nil},
		{"dot-dot version", def, state.GreetingBusy, "../1", "", nil},
		{"slash in version", def, state.GreetingBusy, "a/b", "", nil},
		{"underscore in version", def, state.GreetingBusy, "a_b", "", nil},
		{"long version", def, state.GreetingBusy, strings.Repeat("v", 33), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GreetingName(tt.mb, tt.kind, tt.version)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidName) || got != "" {
					t.Fatalf("GreetingName = %q, %v; want an error wrapping ErrInvalidName", got, err)
				}
				if tt.also != nil && !errors.Is(err, tt.also) {
					t.Fatalf("error %v does not wrap %v", err, tt.also)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("GreetingName = %q, %v; want %q", got, err, tt.want)
			}
			if !IsOurs(got) || !stateRule.MatchString(got) {
				t.Errorf("%q is not ours or breaks state's rule", got)
			}
		})
	}
}

func TestIsOurs(t *testing.T) {
	tests := []struct {
		name string
		ours bool
	}{
		{"voicemail/default/1001/msg/m1732634712042-9f86d081", true},
		{"voicemail/sales/42/greeting/temp-x1", true},
		{"voicemail/sales/42/greeting/greet-m1-2", true},
		{"", false},
		{"voicemail", false},
		{"voicemail/default/1001/msg", false},
		{"voicemail/default/1001/msg/", false},
		{"voicemail/default/1001/msg/m1/extra", false},
		{"/voicemail/default/1001/msg/m1", false},
		{"Voicemail/default/1001/msg/m1", false},
		{"vm/default/1001/msg/m1", false},
		{"voicemail/../1001/msg/m1", false},
		{"voicemail/default/../msg/m1", false},
		{"voicemail/default/1001/msg/..", false},
		{"voicemail/default/1001/msg/m1.wav", false},
		{"voicemail/default/abc/msg/m1", false},
		{"voicemail/_x/1001/msg/m1", false},
		{"voicemail/default/1001/other/m1", false},
		{"voicemail/default/1001/greeting/unavail", false},
		{"voicemail/default/1001/greeting/unavail-", false},
		{"voicemail/default/1001/greeting/hello-1", false},
		{"voicemail/default/1001/greeting/-1", false},
		{"voicemail/default/1001/greeting/busy-a_b", false},
		{"voicemail/default/1001/greeting/busy-" + strings.Repeat("v", 33), false},
		{"voicemail/default/1001/msg/" + strings.Repeat("m", 65), false},
		{"tmp-recording", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsOurs(tt.name); got != tt.ours {
				t.Fatalf("IsOurs(%q) = %v, want %v", tt.name, got, tt.ours)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "tmp/rec-1_x", "voicemail/default/1001/msg/m1"} {
		if !validName(ok) {
			t.Errorf("validName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b", "..", "a/../b", "a.wav", "a b", "a\\b", "a\x00", strings.Repeat("a", 256)} {
		if validName(bad) {
			t.Errorf("validName(%q) = true", bad)
		}
	}
}

// TestNamesRefuseHostileParts: no mailbox, message id or version that could
// leave the voicemail tree (or smuggle a control byte or a glob to Asterisk)
// makes a name, and no such name is taken for ours.
func TestNamesRefuseHostileParts(t *testing.T) {
	def := state.MailboxID{Number: "1001", Context: "default"}
	hostile := []string{
		"..", ".", "../1001", "1001/../x", "/", "a/b", "1001*2", "*", "?", "[a]", "~",
		"1001\x00", "\x00", "10\n01", "1001\r", "1001\t", "\x1b[2J", "1001\x7f", "1001 ", "a\\b",
		"1001%2F..", "1001@x", "m1.wav", "é", strings.Repeat("9", 300),
	}
	for _, h := range hostile {
		for _, m := range []state.MailboxID{{Number: h, Context: "default"}, {Number: "1001", Context: h}} {
			if got, err := MessageName(m, "m1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, state.ErrInvalidMailbox) {
				t.Errorf("MessageName(%#v) = %q, %v; want ErrInvalidName and ErrInvalidMailbox", m, got, err)
			}
			if got, err := GreetingName(m, state.GreetingBusy, "1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, state.ErrInvalidMailbox) {
				t.Errorf("GreetingName(%#v) = %q, %v; want ErrInvalidName and ErrInvalidMailbox", m, got, err)
			}
		}
		if got, err := MessageName(def, h); !errors.Is(err, ErrInvalidName) || !errors.Is(err, state.ErrInvalidMessageID) {
			t.Errorf("MessageName(id %.40q) = %q, %v; want ErrInvalidName and ErrInvalidMessageID", h, got, err)
		}
		if got, err := GreetingName(def, state.GreetingKind(h), "1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, state.ErrInvalidGreeting) {
			t.Errorf("GreetingName(kind %.40q) = %q, %v; want ErrInvalidName and ErrInvalidGreeting", h, got, err)
		}
		if got, err := GreetingName(def, state.GreetingTemp, h); !errors.Is(err, ErrInvalidName) {
			t.Errorf("GreetingName(version %.40q) = %q, %v; want ErrInvalidName", h, got, err)
		}
		for _, name := range []string{
			"voicemail/" + h + "/1001/msg/m1",
			"voicemail/default/" + h + "/msg/m1",
			"voicemail/default/1001/msg/" + h,
			"voicemail/default/1001/greeting/busy-" + h,
			"voicemail/default/1001/" + h + "/m1",
		} {
			if IsOurs(name) {
				t.Errorf("IsOurs(%.80q) = true", name)
			}
		}
		if validName(h) && strings.ContainsAny(h, ".*?[]~\\ %@") {
			t.Errorf("validName(%.40q) = true", h)
		}
	}
	// Names at and over the length limit.
	long := "voicemail/default/1001/msg/" + strings.Repeat("m", 64)
	if !IsOurs(long) {
		t.Errorf("IsOurs(%q) = false", long)
	}
	for _, name := range []string{
		strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("a", 1<<16),
		"a" + strings.Repeat("/a", 127), "a" + strings.Repeat("/a", 128),
	} {
		if got := validName(name); got != (len(name) <= 255) {
			t.Errorf("validName(%d bytes) = %v", len(name), got)
		}
	}
}

// FuzzIsOurs checks that every name IsOurs accepts is safe to send and is
// exactly what MessageName or GreetingName builds from its parts.
func FuzzIsOurs(f *testing.F) {
	for _, s := range []string{
		"voicemail/default/1001/msg/m1732634712042-9f86d081",
		"voicemail/sales/42/greeting/temp-x1",
		"voicemail/default/1001/msg/..",
		"voicemail/default/1001/greeting/busy-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !IsOurs(name) {
			return
		}
		if !validName(name) || !stateRule.MatchString(name) {
			t.Fatalf("IsOurs(%q) but the name is not safe", name)
		}
		p := strings.Split(name, "/")
		id := state.MailboxID{Number: p[2], Context: p[1]}
		var rebuilt string
		var err error
		if p[3] == kindMessage {
			rebuilt, err = MessageName(id, p[4])
		} else {
			kind, version, _ := strings.Cut(p[4], "-")
			rebuilt, err = GreetingName(id, state.GreetingKind(kind), version)
		}
		if err != nil || rebuilt != name {
			t.Fatalf("IsOurs(%q) but rebuilding gives %q, %v", name, rebuilt, err)
		}
	})
}
