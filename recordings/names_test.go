package recordings

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

// stateRule is the rule state applies to the recording names it stores
// (state.validRecordingName): every name built here must pass it.
var stateRule = regexp.MustCompile(`^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$`)

// mb parses a mailbox id or fails the test.
func mb(t testing.TB, s string) mailbox.ID {
	t.Helper()
	id, err := mailbox.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMessageName(t *testing.T) {
	tests := []struct {
		name  string
		mb    mailbox.ID
		msgID string
		want  string
		also  error // the mailbox sentinel the error wraps, if it fails
	}{
		{"default context", mailbox.ID{Number: "1001", Context: "default"}, "m1732634712042-9f86d081",
			"voicemail/default/1001/msg/m1732634712042-9f86d081", nil},
		{"other context", mailbox.ID{Number: "42", Context: "sales_2-x"}, "a",
			"voicemail/sales_2-x/42/msg/a", nil},
		{"longest", mailbox.ID{Number: strings.Repeat("9", 20), Context: strings.Repeat("c", 40)}, strings.Repeat("m", 64),
			"voicemail/" + strings.Repeat("c", 40) + "/" + strings.Repeat("9", 20) + "/msg/" + strings.Repeat("m", 64), nil},
		{"dot-dot in number", mailbox.ID{Number: "../1001", Context: "default"}, "m1", "", mailbox.ErrInvalidID},
		{"dot-dot in context", mailbox.ID{Number: "1001", Context: ".."}, "m1", "", mailbox.ErrInvalidID},
		{"slash in context", mailbox.ID{Number: "1001", Context: "a/b"}, "m1", "", mailbox.ErrInvalidID},
		{"empty mailbox", mailbox.ID{}, "m1", "", mailbox.ErrInvalidID},
		{"empty id", mailbox.ID{Number: "1001", Context: "default"}, "", "", mailbox.ErrInvalidMessageID},
		{"dot-dot id", mailbox.ID{Number: "1001", Context: "default"}, "../../etc/passwd", "", mailbox.ErrInvalidMessageID},
		{"slash in id", mailbox.ID{Number: "1001", Context: "default"}, "a/b", "", mailbox.ErrInvalidMessageID},
		{"dot in id", mailbox.ID{Number: "1001", Context: "default"}, "m1.wav", "", mailbox.ErrInvalidMessageID},
		{"space in id", mailbox.ID{Number: "1001", Context: "default"}, "m 1", "", mailbox.ErrInvalidMessageID},
		{"long id", mailbox.ID{Number: "1001", Context: "default"}, strings.Repeat("m", 65), "", mailbox.ErrInvalidMessageID},
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
	def := mailbox.ID{Number: "1001", Context: "default"}
	tests := []struct {
		name    string
		mb      mailbox.ID
		kind    mailbox.Greeting
		version string
		want    string
		also    error
	}{
		{"unavail", def, mailbox.GreetingUnavail, "m1732634712042-9f86d081",
			"voicemail/default/1001/greeting/unavail-m1732634712042-9f86d081", nil},
		{"busy", def, mailbox.GreetingBusy, "1", "voicemail/default/1001/greeting/busy-1", nil},
		{"temp", def, mailbox.GreetingTemp, "A-b", "voicemail/default/1001/greeting/temp-A-b", nil},
		{"name", def, mailbox.GreetingName, strings.Repeat("v", 32),
			"voicemail/default/1001/greeting/greet-" + strings.Repeat("v", 32), nil},
		{"bad mailbox", mailbox.ID{Number: "1001", Context: "../x"}, mailbox.GreetingBusy, "1", "", mailbox.ErrInvalidID},
		{"unknown kind", def, "name", "1", "", mailbox.ErrInvalidGreeting},
		{"dot-dot kind", def, "../busy", "1", "", mailbox.ErrInvalidGreeting},
		{"empty version", def, mailbox.GreetingBusy, "", "", nil},
		{"dot-dot version", def, mailbox.GreetingBusy, "../1", "", nil},
		{"slash in version", def, mailbox.GreetingBusy, "a/b", "", nil},
		{"underscore in version", def, mailbox.GreetingBusy, "a_b", "", nil},
		{"long version", def, mailbox.GreetingBusy, strings.Repeat("v", 33), "", nil},
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
	def := mailbox.ID{Number: "1001", Context: "default"}
	hostile := []string{
		"..", ".", "../1001", "1001/../x", "/", "a/b", "1001*2", "*", "?", "[a]", "~",
		"1001\x00", "\x00", "10\n01", "1001\r", "1001\t", "\x1b[2J", "1001\x7f", "1001 ", "a\\b",
		"1001%2F..", "1001@x", "m1.wav", "é", strings.Repeat("9", 300),
	}
	for _, h := range hostile {
		for _, m := range []mailbox.ID{{Number: h, Context: "default"}, {Number: "1001", Context: h}} {
			if got, err := MessageName(m, "m1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, mailbox.ErrInvalidID) {
				t.Errorf("MessageName(%#v) = %q, %v; want ErrInvalidName and ErrInvalidMailbox", m, got, err)
			}
			if got, err := GreetingName(m, mailbox.GreetingBusy, "1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, mailbox.ErrInvalidID) {
				t.Errorf("GreetingName(%#v) = %q, %v; want ErrInvalidName and ErrInvalidMailbox", m, got, err)
			}
		}
		if got, err := MessageName(def, h); !errors.Is(err, ErrInvalidName) || !errors.Is(err, mailbox.ErrInvalidMessageID) {
			t.Errorf("MessageName(id %.40q) = %q, %v; want ErrInvalidName and ErrInvalidMessageID", h, got, err)
		}
		if got, err := GreetingName(def, mailbox.Greeting(h), "1"); !errors.Is(err, ErrInvalidName) || !errors.Is(err, mailbox.ErrInvalidGreeting) {
			t.Errorf("GreetingName(kind %.40q) = %q, %v; want ErrInvalidName and ErrInvalidGreeting", h, got, err)
		}
		if got, err := GreetingName(def, mailbox.GreetingTemp, h); !errors.Is(err, ErrInvalidName) {
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
		id := mailbox.ID{Number: p[2], Context: p[1]}
		var rebuilt string
		var err error
		if p[3] == kindMessage {
			rebuilt, err = MessageName(id, p[4])
		} else {
			kind, version, _ := strings.Cut(p[4], "-")
			rebuilt, err = GreetingName(id, mailbox.Greeting(kind), version)
		}
		if err != nil || rebuilt != name {
			t.Fatalf("IsOurs(%q) but rebuilding gives %q, %v", name, rebuilt, err)
		}
	})
}
