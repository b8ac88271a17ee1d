package mailbox

import "errors"

// ErrInvalidID is returned when a mailbox number or context is not
// acceptable (see ParseID).
var ErrInvalidID = errors.New("mailbox: invalid mailbox id")

// ErrInvalidFolder is returned by ParseFolder for anything but the digits 0
// to 4, and by Folder.Validate for a number out of that range.
var ErrInvalidFolder = errors.New("mailbox: invalid folder")

// ErrInvalidGreeting is returned for a greeting kind that is not one of
// AllGreetings.
var ErrInvalidGreeting = errors.New("mailbox: invalid greeting")

// ErrInvalidMessageID is returned when a message id is not 1 to 64 of the
// characters A-Z, a-z, 0-9 and '-' (see NewMessageID).
var ErrInvalidMessageID = errors.New("mailbox: invalid message id")

// ErrInvalidPIN is returned for a PIN that is not 1 to MaxPINLength ASCII
// digits.
var ErrInvalidPIN = errors.New("mailbox: invalid PIN")

// ErrWeakPIN is returned by PINPolicy.Check for a PIN of digits that a
// guesser would try first (see PINPolicy).
var ErrWeakPIN = errors.New("mailbox: PIN too easy to guess")
