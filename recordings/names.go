// Package recordings names and manages the audio of the voicemail system:
// messages and greetings are ARI stored recordings, which Asterisk keeps
// as files under its recording directory (/var/spool/asterisk/recording,
// shared by every Asterisk server in the multi-server layout). Their
// metadata lives in package state; this package builds their names from
// validated ids only, and deletes and copies them through ARI.
package recordings

import (
	"fmt"
	"strings"

	"github.com/clusterpbx/voicemail/mailbox"
)

// Format is the recording format used for every message and greeting.
// Asterisk stores a recording named NAME as NAME.wav.
const Format = "wav"

// Parts of the names this package builds.
const (
	// root is the first segment of every name of ours.
	root = "voicemail"
	// kindMessage and kindGreeting are the fourth segment.
	kindMessage  = "msg"
	kindGreeting = "greeting"
	// maxVersionLen bounds a greeting version.
	maxVersionLen = 32
	// maxNameLen bounds any recording name handled here, as state does.
	maxNameLen = 255
)

// MessageName returns the stored recording name of a message's audio,
// "voicemail/<context>/<number>/msg/<msgID>", such as
// "voicemail/default/1001/msg/m1732634712042-9f86d081". Both ids are
// validated first; the error wraps ErrInvalidName and
// mailbox.ErrInvalidID or mailbox.ErrInvalidMessageID.
func MessageName(mb mailbox.ID, msgID string) (string, error) {
	if err := mb.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidName, err)
	}
	if err := mailbox.MessageID(msgID).Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidName, err)
	}
	return mailboxDir(mb) + "/" + kindMessage + "/" + msgID, nil
}

// GreetingName returns the stored recording name of one take of a
// greeting, "voicemail/<context>/<number>/greeting/<kind>-<version>", such
// as "voicemail/default/1001/greeting/unavail-m1732634712042-9f86d081".
// version is 1 to 32 of A-Z, a-z, 0-9 and '-' (mailbox.NewMessageID makes a
// good one): each take gets a fresh version, so recording again while the
// caller reviews a take never overwrites the greeting in use. The error
// wraps ErrInvalidName, and mailbox.ErrInvalidID or mailbox.ErrInvalidGreeting
// where they apply.
func GreetingName(mb mailbox.ID, kind mailbox.Greeting, version string) (string, error) {
	if err := mb.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidName, err)
	}
	if err := kind.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidName, err)
	}
	if !validVersion(version) {
		return "", fmt.Errorf("%w: greeting version %q must be 1 to %d of A-Z a-z 0-9 -",
			ErrInvalidName, clip(version), maxVersionLen)
	}
	return mailboxDir(mb) + "/" + kindGreeting + "/" + string(kind) + "-" + version, nil
}

// IsOurs reports whether name is a well-formed name of a message or
// greeting, as MessageName and GreetingName build them: a janitor may
// delete such a recording when no message or greeting refers to it, and
// must leave every other recording alone.
func IsOurs(name string) bool {
	if len(name) > maxNameLen {
		return false
	}
	parts := strings.Split(name, "/")
	if len(parts) != 5 || parts[0] != root {
		return false
	}
	if (mailbox.ID{Number: parts[2], Context: parts[1]}).Validate() != nil {
		return false
	}
	switch parts[3] {
	case kindMessage:
		return mailbox.MessageID(parts[4]).Validate() == nil
	case kindGreeting:
		kind, version, ok := strings.Cut(parts[4], "-")
		return ok && mailbox.Greeting(kind).Validate() == nil && validVersion(version)
	}
	return false
}

// mailboxDir is the name prefix of a mailbox's recordings.
func mailboxDir(mb mailbox.ID) string {
	return root + "/" + mb.Context + "/" + mb.Number
}

// validVersion reports whether v matches ^[A-Za-z0-9-]{1,32}$.
func validVersion(v string) bool {
	if len(v) == 0 || len(v) > maxVersionLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !idByte(v[i]) {
			return false
		}
	}
	return true
}

// validName reports whether name is safe to send to ARI as a stored
// recording name: 1 to 255 bytes of segments separated by single '/', each
// of A-Z, a-z, 0-9, '_' and '-'. So no "..", no '.' at all (Asterisk adds
// the format extension), no leading or trailing '/'. It is the rule state
// applies to the names it stores.
func validName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLen {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if !idByte(seg[i]) && seg[i] != '_' {
				return false
			}
		}
	}
	return true
}

// idByte reports whether c is one of A-Z, a-z, 0-9 and '-'.
func idByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-'
}

// clip shortens untrusted input quoted in an error message.
func clip(s string) string {
	const max = 48
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
