package menus

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by [New] when its Config is out of range.
var ErrInvalidConfig = errors.New("menus: invalid config")

// Config holds the engine's settings. Zero fields take the defaults named on
// each, which are app_voicemail's.
type Config struct {
	// MaxLogins is how many wrong passwords end the call. Default 3
	// (app_voicemail maxlogins).
	MaxLogins int
	// MaxRepeats is how many times a menu's prompt is played without a usable
	// answer before the call ends with vm-goodbye. Default 3.
	MaxRepeats int
	// MenuTimeout is how long a menu waits for a key after its prompt.
	// Default 6 s.
	MenuTimeout time.Duration
	// LoginFirstDigit is how long the mailbox and password prompts wait for
	// the first digit. Default 10 s.
	LoginFirstDigit time.Duration
	// LoginInterDigit is how long they wait between digits. Default 3 s
	// (app_voicemail uses 2 s; a little more spares slow typists a retry).
	LoginInterDigit time.Duration
	// Location is the time zone in which message times are spoken. Default
	// UTC.
	Location *time.Location
	// MinPasswordLength is the shortest new password accepted. Default 4.
	MinPasswordLength int
	// DefaultPIN is the password new mailboxes get; it is refused as a new
	// password. Default 1234.
	DefaultPIN string
	// MaxGreetingSeconds bounds a greeting or name recording. Default 60.
	MaxGreetingSeconds int
}

func (c *Config) setDefaults() {
	if c.MaxLogins == 0 {
		c.MaxLogins = 3
	}
	if c.MaxRepeats == 0 {
		c.MaxRepeats = 3
	}
	if c.MenuTimeout == 0 {
		c.MenuTimeout = 6 * time.Second
	}
	if c.LoginFirstDigit == 0 {
		c.LoginFirstDigit = 10 * time.Second
	}
	if c.LoginInterDigit == 0 {
		c.LoginInterDigit = 3 * time.Second
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.MinPasswordLength == 0 {
		c.MinPasswordLength = 4
	}
	if c.DefaultPIN == "" {
		c.DefaultPIN = "1234"
	}
	if c.MaxGreetingSeconds == 0 {
		c.MaxGreetingSeconds = 60
	}
}

func (c Config) validate() error {
	switch {
	case c.MaxLogins < 1 || c.MaxLogins > 10:
		return fmt.Errorf("%w: max logins %d not in 1..10", ErrInvalidConfig, c.MaxLogins)
	case c.MaxRepeats < 1 || c.MaxRepeats > 10:
		return fmt.Errorf("%w: max repeats %d not in 1..10", ErrInvalidConfig, c.MaxRepeats)
	case c.MenuTimeout < time.Second || c.MenuTimeout > time.Minute:
		return fmt.Errorf("%w: menu timeout %s not in 1s..1m", ErrInvalidConfig, c.MenuTimeout)
	case c.LoginFirstDigit < time.Second || c.LoginFirstDigit > time.Minute:
		return fmt.Errorf("%w: login first-digit timeout %s not in 1s..1m", ErrInvalidConfig, c.LoginFirstDigit)
	case c.MinPasswordLength < 1 || c.MinPasswordLength > 20:
		return fmt.Errorf("%w: min password length %d not in 1..20", ErrInvalidConfig, c.MinPasswordLength)
	case c.MaxGreetingSeconds < 5 || c.MaxGreetingSeconds > 600:
		return fmt.Errorf("%w: max greeting length %ds not in 5..600", ErrInvalidConfig, c.MaxGreetingSeconds)
	case c.LoginInterDigit < 500*time.Millisecond || c.LoginInterDigit > 30*time.Second:
		return fmt.Errorf("%w: login inter-digit timeout %s not in 0.5s..30s", ErrInvalidConfig, c.LoginInterDigit)
	}
	return nil
}
