package mailbox

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

// ID names a mailbox: a number within a voicemail context, written
// "NUMBER@CONTEXT" as in app_voicemail.
//
// A valid Number is 1 to 20 ASCII digits. A valid Context is 1 to 40
// characters from A-Z, a-z, 0-9, '_' and '-', starting with a letter or
// digit. ParseID, NewID and decoding from text or JSON only ever return
// valid ids (or the zero ID with an error); an ID built by hand is checked
// by Validate, which every store operation calls. The zero ID names no
// mailbox.
type ID struct {
	Number  string
	Context string
}

// ParseID parses "1001" or "1001@sales". A missing context is
// DefaultContext; an empty one ("1001@") is an error. Every error wraps
// ErrInvalidID.
func ParseID(s string) (ID, error) {
	number, context, hasContext := strings.Cut(s, "@")
	if !hasContext {
		context = DefaultContext
	}
	return NewID(number, context)
}

// NewID returns the id of mailbox number in context, such as a number a
// caller typed in the context of the mailbox they are logged in to. Both
// parts are checked as Validate does; the error wraps ErrInvalidID.
func NewID(number, context string) (ID, error) {
	id := ID{Number: number, Context: context}
	if err := id.Validate(); err != nil {
		return ID{}, err
	}
	return id, nil
}

// MustParseID is ParseID for ids known to be valid, such as constants in
// tests; it panics on an invalid one.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// String returns the id as "NUMBER@CONTEXT", the form ParseID reads.
func (m ID) String() string {
	return m.Number + "@" + m.Context
}

// IsZero reports whether m is the zero ID, which names no mailbox.
func (m ID) IsZero() bool {
	return m == ID{}
}

// Validate reports whether both parts of the id are acceptable; the error
// wraps ErrInvalidID.
func (m ID) Validate() error {
	if !validNumber(m.Number) {
		return fmt.Errorf("%w: number %q must be 1 to %d digits", ErrInvalidID, clip(m.Number), maxNumberLen)
	}
	if !validContext(m.Context) {
		return fmt.Errorf("%w: context %q must be 1 to %d of A-Z a-z 0-9 _ - starting with a letter or digit",
			ErrInvalidID, clip(m.Context), maxContextLen)
	}
	return nil
}

// MarshalText implements encoding.TextMarshaler: "NUMBER@CONTEXT", and the
// empty text for the zero ID (as net/netip does for the zero Addr), so an
// id in JSON is the same string a plain string field held. An invalid
// non-zero id is an error: what is written can always be read back.
func (m ID) MarshalText() ([]byte, error) {
	if m.IsZero() {
		return []byte{}, nil
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: it reads what ParseID
// reads, and the empty text as the zero ID. On an error, which wraps
// ErrInvalidID, m is left unchanged.
func (m *ID) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*m = ID{}
		return nil
	}
	id, err := ParseID(string(text))
	if err != nil {
		return err
	}
	*m = id
	return nil
}

// validNumber reports whether s is 1 to maxNumberLen ASCII digits.
func validNumber(s string) bool {
	if len(s) == 0 || len(s) > maxNumberLen {
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
