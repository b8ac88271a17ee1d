package state

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// keyedPrefix starts a stored PIN hash made with a pepper: the rest is
// hex(salt) ":" hex(HMAC-SHA256(pepper, salt || PIN)), with a random salt
// of saltLen bytes per hash. A hash without a known prefix is a bcrypt
// hash of the PIN itself (bcrypt hashes start with "$2").
//
// Why no bcrypt under a pepper: a PIN has 4 to 6 digits, so whoever holds
// the pepper tries all of them in under a minute at any bcrypt cost, and
// whoever does not hold it cannot try one. bcrypt then only costs each
// login about 6 ms of CPU (queuing when logins bunch up); the keyed hash
// costs about a microsecond. The salt keeps equal PINs from showing as
// equal hashes.
const keyedPrefix = "hmac-sha256-salted:"

// pepperedPrefix starts a hash of the earlier peppered scheme: a bcrypt
// hash of hex(HMAC-SHA256(pepper, PIN)). Such hashes still match, and are
// redone as keyed hashes at the owner's next login (stale).
const pepperedPrefix = "hmac-sha256:"

// saltLen is the length of a keyed hash's salt, in bytes.
const saltLen = 16

// minPepperLen is the shortest Config.PINPepper: a guessable pepper
// protects nothing.
const minPepperLen = 16

// errNoPepper is compare's answer for a peppered hash when no pepper is
// configured: the PIN cannot be checked, so it is refused.
var errNoPepper = errors.New("state: the PIN hash is peppered but no pepper is configured")

// errBadPINHash is compare's answer for a keyed hash that does not parse:
// the stored value was damaged, so no PIN matches it.
var errBadPINHash = errors.New("state: the stored PIN hash is malformed")

// pinScheme hashes and checks PINs: with a pepper, a salted HMAC under
// it (keyedPrefix); without, bcrypt at cost. The pepper lives outside Redis
// (a secret file), so a copy of Redis alone cannot be searched for PINs:
// the 10,000 PINs of 4 digits are only tried against a hash by whoever
// also holds the pepper.
type pinScheme struct {
	pepper []byte
	cost   int
}

// hash returns the stored form of pin.
func (s pinScheme) hash(pin []byte) ([]byte, error) {
	if len(s.pepper) == 0 {
		return bcrypt.GenerateFromPassword(pin, s.cost)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("state: salt for a PIN hash: %w", err)
	}
	out := make([]byte, 0, len(keyedPrefix)+2*saltLen+1+2*sha256.Size)
	out = append(out, keyedPrefix...)
	out = hex.AppendEncode(out, salt)
	out = append(out, ':')
	return hex.AppendEncode(out, s.mac(salt, pin)), nil
}

// mac is HMAC-SHA256(pepper, salt || pin).
func (s pinScheme) mac(salt, pin []byte) []byte {
	m := hmac.New(sha256.New, s.pepper)
	m.Write(salt)
	m.Write(pin)
	return m.Sum(nil)
}

// compare reports whether stored is a hash of pin (nil), in any of the
// schemes: a hash made before the pepper was configured, or by the earlier
// peppered scheme, still matches, and stale says to redo it. A peppered
// hash without a pepper configured gives errNoPepper; a keyed hash that
// does not parse gives errBadPINHash.
func (s pinScheme) compare(stored, pin []byte) error {
	if rest, ok := bytes.CutPrefix(stored, []byte(keyedPrefix)); ok {
		if len(s.pepper) == 0 {
			return errNoPepper
		}
		hexSalt, hexMAC, ok := bytes.Cut(rest, []byte(":"))
		salt, err1 := hex.DecodeString(string(hexSalt))
		want, err2 := hex.DecodeString(string(hexMAC))
		if !ok || err1 != nil || err2 != nil || len(salt) != saltLen || len(want) != sha256.Size {
			return errBadPINHash
		}
		if !hmac.Equal(s.mac(salt, pin), want) {
			return bcrypt.ErrMismatchedHashAndPassword
		}
		return nil
	}
	if rest, ok := bytes.CutPrefix(stored, []byte(pepperedPrefix)); ok {
		if len(s.pepper) == 0 {
			return errNoPepper
		}
		m := hmac.New(sha256.New, s.pepper)
		m.Write(pin)
		return bcrypt.CompareHashAndPassword(rest, []byte(hex.EncodeToString(m.Sum(nil))))
	}
	return bcrypt.CompareHashAndPassword(stored, pin)
}

// stale reports whether stored, which a right PIN just matched, should be
// redone: with a pepper configured, any hash but a keyed one; without,
// a bcrypt hash at another cost.
func (s pinScheme) stale(stored []byte) bool {
	if len(s.pepper) > 0 {
		return !bytes.HasPrefix(stored, []byte(keyedPrefix))
	}
	if bytes.HasPrefix(stored, []byte(keyedPrefix)) || bytes.HasPrefix(stored, []byte(pepperedPrefix)) {
		return false // cannot be checked, so never matched: nothing to redo
	}
	cost, err := bcrypt.Cost(stored)
	return err == nil && cost != s.cost
}
