package menus

import (
	"errors"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// ErrInvalidConfig is wrapped by [New] and [Config.Validate] when a Config
// is out of range.
var ErrInvalidConfig = errors.New("menus: invalid config")

// ConfigError is the error of [Config.Validate]: the field out of range,
// and why. It wraps ErrInvalidConfig.
type ConfigError struct {
	// Field is the name of the Config field, such as "MaxLogins".
	Field string
	// Reason says what is wrong with its value.
	Reason string
}

func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + " " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Defaults of the Config fields, which are app_voicemail's where it has
// one; [Config.WithDefaults] applies them.
const (
	DefaultMaxLogins          = 3
	DefaultMaxRepeats         = 3
	DefaultMenuTimeout        = 6 * time.Second
	DefaultLoginFirstDigit    = 10 * time.Second
	DefaultLoginInterDigit    = 3 * time.Second
	DefaultMinPasswordLength  = 4
	DefaultMaxGreetingSeconds = 60
)

// Config holds the engine's settings. Zero fields take the defaults named on
// each, which are app_voicemail's.
type Config struct {
	// MaxLogins is how many wrong passwords end the call, 1 to 10. Default
	// 3 (app_voicemail maxlogins).
	MaxLogins int
	// MaxRepeats is how many times a menu's prompt is met with silence
	// before the call ends with vm-goodbye, 1 to 10; invalid keys do not
	// count (app_voicemail vm_execmain). Default 3.
	MaxRepeats int
	// MenuTimeout is how long a menu waits for a key after its prompt, 1s
	// to 1m. Default 6 s.
	MenuTimeout time.Duration
	// LoginFirstDigit is how long the mailbox and password prompts wait for
	// the first digit, 1s to 1m. Default 10 s.
	LoginFirstDigit time.Duration
	// LoginInterDigit is how long they wait between digits, 0.5s to 30s.
	// Default 3 s (app_voicemail uses 2 s; a little more spares slow
	// typists a retry).
	LoginInterDigit time.Duration
	// Location is the time zone in which message times are spoken. Default
	// time.Local, the host's zone (as app_voicemail, without a zonemessages
	// entry).
	Location *time.Location
	// MinPasswordLength is the shortest new password accepted, 1 to 20.
	// Default 4.
	MinPasswordLength int
	// DefaultPIN is the password new mailboxes get; it is refused as a new
	// password. Default mailbox.DefaultPIN.
	DefaultPIN string
	// MaxGreetingSeconds bounds a greeting or name recording, 5 to 600.
	// Default 60.
	MaxGreetingSeconds int
}

// WithDefaults returns c with every zero field set to its default: the one
// place those defaults are applied.
func (c Config) WithDefaults() Config {
	if c.MaxLogins == 0 {
		c.MaxLogins = DefaultMaxLogins
	}
	if c.MaxRepeats == 0 {
		c.MaxRepeats = DefaultMaxRepeats
	}
	if c.MenuTimeout == 0 {
		c.MenuTimeout = DefaultMenuTimeout
	}
	if c.LoginFirstDigit == 0 {
		c.LoginFirstDigit = DefaultLoginFirstDigit
	}
	if c.LoginInterDigit == 0 {
		c.LoginInterDigit = DefaultLoginInterDigit
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.MinPasswordLength == 0 {
		c.MinPasswordLength = DefaultMinPasswordLength
	}
	if c.DefaultPIN == "" {
		c.DefaultPIN = mailbox.DefaultPIN
	}
	if c.MaxGreetingSeconds == 0 {
		c.MaxGreetingSeconds = DefaultMaxGreetingSeconds
	}
	return c
}

// Validate checks every field of c as it is, zero included (apply
// [Config.WithDefaults] first for the defaults): the one place the ranges of
// the engine's settings are checked. The error is a *[ConfigError].
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.MaxLogins < 1 || c.MaxLogins > 10:
		return bad("MaxLogins", "%d not in 1..10", c.MaxLogins)
	case c.MaxRepeats < 1 || c.MaxRepeats > 10:
		return bad("MaxRepeats", "%d not in 1..10", c.MaxRepeats)
	case c.MenuTimeout < time.Second || c.MenuTimeout > time.Minute:
		return bad("MenuTimeout", "%s not in 1s..1m", c.MenuTimeout)
	case c.LoginFirstDigit < time.Second || c.LoginFirstDigit > time.Minute:
		return bad("LoginFirstDigit", "%s not in 1s..1m", c.LoginFirstDigit)
	case c.LoginInterDigit < 500*time.Millisecond || c.LoginInterDigit > 30*time.Second:
		return bad("LoginInterDigit", "%s not in 0.5s..30s", c.LoginInterDigit)
	case c.Location == nil:
		return bad("Location", "is nil")
	case c.MinPasswordLength < 1 || c.MinPasswordLength > 20:
		return bad("MinPasswordLength", "%d not in 1..20", c.MinPasswordLength)
	case c.DefaultPIN == "":
		return bad("DefaultPIN", "is empty")
	case c.MaxGreetingSeconds < 5 || c.MaxGreetingSeconds > 600:
		return bad("MaxGreetingSeconds", "%ds not in 5s..600s", c.MaxGreetingSeconds)
	}
	return nil
}
