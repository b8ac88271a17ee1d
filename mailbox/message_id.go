package mailbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// maxMessageIDLen bounds a message id. Ids end up in Redis keys and in
// recording names.
const maxMessageIDLen = 64

// MessageID names a message within its mailbox: 1 to 64 of the characters
// A-Z, a-z, 0-9 and '-'. NewMessageID makes fresh ones; ParseMessageID
// checks one read from outside; Validate checks one converted by hand.
type MessageID string

// NewMessageID returns a fresh message id: "m", the time now in unix
// milliseconds as 13 digits, "-" and 8 random hex digits, such as
// "m1732634712042-9f86d081". Ids made later sort after ids made earlier
// (until the year 2286), and two made in the same millisecond differ with
// overwhelming probability.
func NewMessageID(now time.Time) MessageID {
	var r [4]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+).
	return MessageID(fmt.Sprintf("m%013d-%s", max(now.UnixMilli(), 0), hex.EncodeToString(r[:])))
}

// ParseMessageID returns s as a message id; the error wraps
// ErrInvalidMessageID.
func ParseMessageID(s string) (MessageID, error) {
	id := MessageID(s)
	if err := id.Validate(); err != nil {
		return "", err
	}
	return id, nil
}

// String returns the id as stored.
func (id MessageID) String() string {
	return string(id)
}

// Validate reports whether id is 1 to 64 of the characters A-Z, a-z, 0-9
// and '-'; the error wraps ErrInvalidMessageID.
func (id MessageID) Validate() error {
	if !validMessageID(string(id)) {
		return fmt.Errorf("%w: %q must be 1 to %d of A-Z a-z 0-9 -", ErrInvalidMessageID, clip(string(id)), maxMessageIDLen)
	}
	return nil
}

// validMessageID reports whether id matches ^[A-Za-z0-9-]{1,64}$.
func validMessageID(id string) bool {
	if len(id) == 0 || len(id) > maxMessageIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '-':
		default:
			return false
		}
	}
	return true
}
