package state

import (
	"errors"
	"strings"
	"testing"
)

// TestValidChannelID: a channel id comes from Asterisk (or from whoever
// originated the channel with a channelId of their choosing) and becomes the
// hash tag of a session key, vm:session:{ID}; it must not close the tag,
// split the key or carry a control byte.
func TestValidChannelID(t *testing.T) {
	for _, id := range []string{
		"1732634712.42", "my-channel_1", "a", "A.b-C_9", strings.Repeat("c", maxChannelIDLen),
	} {
		if !validChannelID(id) || checkChannelID(id) != nil {
			t.Errorf("validChannelID(%q) = false", id)
		}
	}
	for _, id := range []string{
		"", ".", "..", "...", " ", "a b", "x/y", "../x", "x/..", "/", "\\x", "{x}", "x}", "{", "a:b", "ch*", "*", "?", "[a]",
		"a\x00", "\x00", "a\nb", "a\rb", "a\tb", "a\x1b", "a\x7f", "é", "a\xff", "a\u200b",
		"vm:session:{1}", strings.Repeat("c", maxChannelIDLen+1), strings.Repeat("c", 100000),
	} {
		if validChannelID(id) {
			t.Errorf("validChannelID(%.40q) = true", id)
		}
		err := checkChannelID(id)
		if !errors.Is(err, ErrInvalidChannelID) {
			t.Errorf("checkChannelID(%.40q) = %v, want ErrInvalidChannelID", id, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("checkChannelID(%.40q): error of %d bytes quotes the whole id", id, len(err.Error()))
		}
	}
}

func TestValidateNotify(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, ok := range []struct{ attach, tz *string }{{nil, nil}, {s(""), s("")}, {s("mp3"), s("Europe/Paris")}, {s("none"), s("America/Port-au-Prince")}, {s("wav"), s("UTC")}} {
		if err := validateNotify(nil, ok.attach, ok.tz); err != nil {
			t.Errorf("%v %v: %v", ok.attach, ok.tz, err)
		}
	}
	for _, bad := range []struct{ attach, tz *string }{{s("ogg"), nil}, {s("WAV"), nil}, {nil, s("Mars/Olympus")}, {nil, s("../../etc/passwd")}, {nil, s("/etc/localtime")}, {nil, s("Europe/Paris ")}} {
		if err := validateNotify(nil, bad.attach, bad.tz); !errors.Is(err, ErrInvalidMailboxField) {
			t.Errorf("%v %v: %v", bad.attach, bad.tz, err)
		}
	}
}
