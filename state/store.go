// Package state keeps the voicemail system's metadata and call state in
// Redis, the only store shared by every instance: mailboxes and their PINs,
// messages and their folders, greetings, message-waiting versions, and the
// sessions that let one instance resume another's calls. Every change of more than one key is one Lua script, and every key
// of one mailbox shares a hash tag, so single servers, Sentinel and Cluster
// all work (see keys.go for the layout).
package state

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

// Config holds the settings of a Store. A zero field takes the default given
// in its comment; New rejects values out of range.
type Config struct {
	// DefaultPIN is the PIN of a mailbox provisioned without one. It must be
	// 1 to 20 digits. Default "1234".
	DefaultPIN string

	// PINHashCost is the bcrypt cost of stored PIN hashes, 4 to 31.
	// Default bcrypt.DefaultCost (10).
	PINHashCost int

	// MaxFailures is the number of failed PIN entries per mailbox within
	// FailureWindow after which the mailbox is locked out. Default 10.
	MaxFailures int

	// FailureWindow is how long failed PIN entries count, from the first
	// failure of a window (a fixed window, not a sliding one). At least 1ms.
	// Default 15m.
	FailureWindow time.Duration

	// LockoutDuration is how long the first lockout lasts; each lockout in
	// a row lasts twice as long as the one before, up to LockoutMax. At
	// least 1ms. Default 15m.
	LockoutDuration time.Duration

	// LockoutMax bounds one lockout, and is how long the mailbox remembers
	// its lockouts in a row after the last one ends. At least
	// LockoutDuration. Default 24h.
	LockoutMax time.Duration

	// SessionTTL is how long a call's session record lives after its last
	// write. At least 1ms. Default 4h.
	SessionTTL time.Duration

	// MaxMessages is the most messages one folder may hold, 1 to 9999:
	// Deposit refuses a message when New is full, and Move when the target
	// folder is (app_voicemail's maxmsg, whose default is also 100).
	// Default 100.
	MaxMessages int
}

// Defaults applied by New to zero Config fields.
const (
	DefaultDefaultPIN    = "1234"
	DefaultPINHashCost   = bcrypt.DefaultCost
	DefaultMaxFailures   = 10
	DefaultFailureWindow = 15 * time.Minute
	DefaultLockout       = 15 * time.Minute
	DefaultLockoutMax    = 24 * time.Hour
	DefaultSessionTTL    = 4 * time.Hour
	DefaultMaxMessages   = 100
)

// maxMaxMessages is the largest Config.MaxMessages, app_voicemail's
// MAXMSGLIMIT.
const maxMaxMessages = 9999

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if cfg.DefaultPIN == "" {
		cfg.DefaultPIN = DefaultDefaultPIN
	}
	if cfg.PINHashCost == 0 {
		cfg.PINHashCost = DefaultPINHashCost
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.FailureWindow == 0 {
		cfg.FailureWindow = DefaultFailureWindow
	}
	if cfg.LockoutDuration == 0 {
		cfg.LockoutDuration = DefaultLockout
	}
	if cfg.LockoutMax == 0 {
		cfg.LockoutMax = max(DefaultLockoutMax, cfg.LockoutDuration)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = DefaultMaxMessages
	}
	return cfg
}

// validate checks a Config that has its defaults applied.
func (cfg Config) validate() error {
	if err := validatePIN(cfg.DefaultPIN); err != nil {
		return fmt.Errorf("%w: DefaultPIN: %w", ErrInvalidConfig, err)
	}
	if cfg.PINHashCost < bcrypt.MinCost || cfg.PINHashCost > bcrypt.MaxCost {
		return fmt.Errorf("%w: PINHashCost %d not in %d..%d", ErrInvalidConfig, cfg.PINHashCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.MaxFailures < 1 {
		return fmt.Errorf("%w: MaxFailures %d must be positive", ErrInvalidConfig, cfg.MaxFailures)
	}
	if cfg.FailureWindow < time.Millisecond {
		return fmt.Errorf("%w: FailureWindow %v must be at least 1ms", ErrInvalidConfig, cfg.FailureWindow)
	}
	if cfg.LockoutDuration < time.Millisecond {
		return fmt.Errorf("%w: LockoutDuration %v must be at least 1ms", ErrInvalidConfig, cfg.LockoutDuration)
	}
	if cfg.LockoutMax < cfg.LockoutDuration {
		return fmt.Errorf("%w: LockoutMax %v is shorter than LockoutDuration %v", ErrInvalidConfig, cfg.LockoutMax, cfg.LockoutDuration)
	}
	if cfg.SessionTTL < time.Millisecond {
		return fmt.Errorf("%w: SessionTTL %v must be at least 1ms", ErrInvalidConfig, cfg.SessionTTL)
	}
	if cfg.MaxMessages < 1 || cfg.MaxMessages > maxMaxMessages {
		return fmt.Errorf("%w: MaxMessages %d not in 1..%d", ErrInvalidConfig, cfg.MaxMessages, maxMaxMessages)
	}
	return nil
}

// Store keeps mailboxes, PINs, messages, greetings, folder counts and call
// sessions in Redis. It holds no state of its own besides its
// configuration, so any number of instances may share one Redis. A Store is
// safe for concurrent use.
type Store struct {
	cfg       Config
	rdb       redis.UniversalClient
	log       *zap.Logger
	dummyHash []byte // compared against for unknown mailboxes, so timing does not tell
	// pinChecks bounds the PIN compares running at once (see compare).
	pinChecks chan struct{}
}

// Option changes an optional setting of New.
type Option func(*Store)

// WithLogger sets the logger. The default is zap.NewNop(). PINs and PIN
// hashes are never logged.
func WithLogger(l *zap.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// New returns a Store using rdb, which may be a single server, Sentinel or
// Cluster client. Zero Config fields take their defaults; invalid ones give
// an error wrapping ErrInvalidConfig, as does a nil rdb. New does no I/O.
func New(cfg Config, rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil redis client", ErrInvalidConfig)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, rdb: rdb, log: zap.NewNop()}
	for _, o := range opts {
		o(s)
	}
	// A hash of a random PIN at the configured cost, so that checking a PIN
	// against an unknown mailbox costs as much as against a real one.
	var random [16]byte
	_, _ = rand.Read(random[:])
	pin := make([]byte, maxPINLen)
	for i := range pin {
		pin[i] = '0' + random[i%len(random)]%10
	}
	h, err := bcrypt.GenerateFromPassword(pin, cfg.PINHashCost)
	if err != nil {
		return nil, fmt.Errorf("state: dummy PIN hash: %w", err)
	}
	s.dummyHash = h
	s.pinChecks = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
	return s, nil
}

// Config returns the configuration in force, with defaults applied.
func (s *Store) Config() Config {
	return s.cfg
}

// isWrongType reports whether err is Redis refusing a command on a key of
// another type.
func isWrongType(err error) bool {
	return redis.HasErrorPrefix(err, "WRONGTYPE")
}
