package state

import (
	"fmt"
	"strings"
)

// DefaultContext is the mailbox context used when a mailbox id names none,
// as in app_voicemail (apps/app_voicemail.c: "default").
const DefaultContext = "default"

// Limits on the parts of a mailbox id. Both parts end up in Redis keys and in
// recording file names, so they are kept short and to a safe alphabet.
const (
	maxNumberLen  = 20
	maxContextLen = 40
)

// MailboxID names a mailbox: a number within a voicemail context, written
// "NUMBER@CONTEXT" as in app_voicemail.
//
// A valid Number is 1 to 20 ASCII digits. A valid Context is 1 to 40
// characters from A-Z, a-z, 0-9, '_' and '-', starting with a letter or
// digit. A MailboxID built by hand rather than by ParseMailbox is checked by
// every Store method (see Validate).
type MailboxID struct {
	Number  string
	Context string
}

// ParseMailbox parses "1001" or "1001@sales". A missing context is
// DefaultContext; an empty one ("1001@") is an error. Every error wraps
// ErrInvalidMailbox.
func ParseMailbox(s string) (MailboxID, error) {
	number, context, hasContext := strings.Cut(s, "@")
	if !hasContext {
		context = DefaultContext
	}
	id := MailboxID{Number: number, Context: context}
	if err := id.Validate(); err != nil {
		return MailboxID{}, err
	}
	return id, nil
}

// String returns the id as "NUMBER@CONTEXT", the form ParseMailbox reads.
func (m MailboxID) String() string {
	return m.Number + "@" + m.Context
}

// Validate reports whether both parts of the id are acceptable; the error
// wraps ErrInvalidMailbox.
func (m MailboxID) Validate() error {
	if !validNumber(m.Number) {
		return fmt.Errorf("%w: number %q must be 1 to %d digits", ErrInvalidMailbox, clip(m.Number), maxNumberLen)
	}
	if !validContext(m.Context) {
		return fmt.Errorf("%w: context %q must be 1 to %d of A-Z a-z 0-9 _ - starting with a letter or digit",
			ErrInvalidMailbox, clip(m.Context), maxContextLen)
	}
	return nil
}

// validNumber reports whether s is 1 to maxNumberLen ASCII digits.
func validNumber(s string) bool {
	return digitsOnly(s, maxNumberLen)
}

// digitsOnly reports whether s is 1 to max ASCII digits.
func digitsOnly(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validContext reports whether s matches ^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$.
func validContext(s string) bool {
	if len(s) == 0 || len(s) > maxContextLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// clip shortens untrusted input quoted in an error message.
func clip(s string) string {
	const max = 48
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
