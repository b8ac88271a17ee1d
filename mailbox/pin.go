package mailbox

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// DefaultPIN is the password of a mailbox provisioned without one: the
// state package stores it, and the menus refuse it as a new password. It is
// the one place that default is written.
const DefaultPIN = "1234"

// MaxPINLength is the longest PIN: app_voicemail's password field, and
// within the 72 bytes bcrypt reads.
const MaxPINLength = 20

// PINPolicy is what a PIN chosen by a person must satisfy: the owner by
// phone (mailbox options 5, the first-login walk-through) and an
// administrator setting one. The rules are app_voicemail's check_password
// and the product's: not shorter than MinLength, not the default PIN, not
// the mailbox number, not one digit repeated, not a straight run such as
// 1234 or 9876 (the first PINs a guesser tries).
type PINPolicy struct {
	// MinLength is the shortest PIN accepted, 1 to MaxPINLength.
	MinLength int
	// DefaultPIN is refused, since every new mailbox may have it.
	DefaultPIN string
}

// Check reports whether pin may become the PIN of mailbox id. The error
// wraps ErrInvalidPIN for anything but 1 to MaxPINLength digits, and
// ErrWeakPIN for a PIN of digits that breaks a rule; it never quotes the
// PIN.
func (p PINPolicy) Check(id ID, pin string) error {
	if !validNumber(pin) {
		return fmt.Errorf("%w: must be 1 to %d digits", ErrInvalidPIN, MaxPINLength)
	}
	switch {
	case len(pin) < p.MinLength:
		return fmt.Errorf("%w: shorter than %d digits", ErrWeakPIN, p.MinLength)
	case pin == p.DefaultPIN:
		return fmt.Errorf("%w: the default PIN", ErrWeakPIN)
	case pin == id.Number:
		return fmt.Errorf("%w: the mailbox number", ErrWeakPIN)
	case strings.Repeat(pin[:1], len(pin)) == pin:
		return fmt.Errorf("%w: one digit repeated", ErrWeakPIN)
	case straightRun(pin):
		return fmt.Errorf("%w: a straight run of digits", ErrWeakPIN)
	}
	return nil
}

// Generate returns a random PIN of max(6, MinLength) digits that passes
// Check for id: what an administrator hands an owner as a one-time PIN.
func (p PINPolicy) Generate(id ID) string {
	n := max(6, p.MinLength)
	buf := make([]byte, n)
	for {
		// Rejection sampling keeps each digit uniform: bytes of 250 and
		// above would favour 0 to 5.
		for i := 0; i < n; {
			var b [1]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
			if b[0] < 250 {
				buf[i] = '0' + b[0]%10
				i++
			}
		}
		if pin := string(buf); p.Check(id, pin) == nil {
			return pin
		}
	}
}

// straightRun reports whether each digit of pin is one more (or each one
// less) than the one before, wrapping 9 to 0: 1234, 7890, 4321, 2109.
func straightRun(pin string) bool {
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		d := (int(pin[i]) - int(pin[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}
