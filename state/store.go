// Package state keeps the voicemail system's metadata and call state in
// Redis, the only store shared by every instance: mailboxes and their PINs,
// messages and their folders, greetings, message-waiting versions, and the
// sessions that let one instance resume another's calls. Every change of more than one key is one Lua script, and every key
// of one mailbox shares a hash tag, so single servers, Sentinel and Cluster
// all work (see keys.go for the layout).
package state

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/clusterpbx/voicemail/mailbox"
)

// Config holds the settings of a Store. A zero field takes the default given
// in its comment; New rejects values out of range.
type Config struct {
	// DefaultPIN is the PIN of a mailbox provisioned without one. It must be
	// 1 to 20 digits. Default mailbox.DefaultPIN ("1234").
	DefaultPIN string

	// PINHashCost is the bcrypt cost of stored PIN hashes, 4 to 31.
	// Default 6 (DefaultPINHashCost).
	PINHashCost int

	// PINPepper, when set, is a secret key kept outside Redis: PINs are
	// stored as a salted HMAC-SHA256 under it (pin_scheme.go), so that a
	// copy of Redis alone cannot be searched for PINs, and a login costs
	// microseconds instead of a bcrypt compare. A hash made without it is
	// redone with it at the owner's next login. Once set it must stay: the
	// hashes made with it cannot be checked without it. Empty, or at least
	// 16 bytes. Default "" (no pepper).
	PINPepper string

	// MaxFailures is the number of failed PIN entries per mailbox within
	// FailureWindow after which the mailbox is locked out. Default 10.
	MaxFailures int

	// FailureWindow is how long failed PIN entries count, from the first
	// failure of a window (a fixed window, not a sliding one). At least 1s.
	// Default 15m.
	FailureWindow time.Duration

	// LockoutDuration is how long the first lockout lasts; each lockout in
	// a row lasts twice as long as the one before, up to LockoutMax. At
	// least 1s. Default 15m.
	LockoutDuration time.Duration

	// LockoutMax bounds one lockout, and is how long the mailbox remembers
	// its lockouts in a row after the last one ends. At least
	// LockoutDuration. Default 24h.
	LockoutMax time.Duration

	// DailyMaxFailures is the number of failed PIN entries per mailbox
	// within DailyWindow after which the mailbox refuses every PIN until
	// that window ends: a guesser who stays under MaxFailures in each
	// FailureWindow still meets it. A right PIN does not count, and does
	// not clear the day's count (only Unlock and an administrator's PIN
	// reset do). At least MaxFailures. Default 30.
	DailyMaxFailures int

	// CallerMaxFailures is the number of failed PIN entries from one
	// calling number ([WithCaller]), across every mailbox, within
	// DailyWindow after which that number's logins are refused until the
	// window ends, so one caller cannot guess across mailboxes nor lock
	// many owners out. At least 1. Default 30.
	CallerMaxFailures int

	// DailyWindow is the window of DailyMaxFailures and CallerMaxFailures,
	// from the first failure of the window (a fixed window). At least
	// FailureWindow. Default 24h.
	DailyWindow time.Duration

	// SessionTTL is how long a call's session record lives after its last
	// write. At least 1ms. Default 4h.
	SessionTTL time.Duration

	// MaxMessages is the most messages one folder may hold, 1 to 9999:
	// Deposit refuses a message when New is full, and Move when the target
	// folder is (app_voicemail's maxmsg, whose default is also 100).
	// Default 100.
	MaxMessages int

	// MinReplicas is how many replicas must confirm a write whose loss
	// matters before the Store reports it done: a deposit (a forwarded
	// copy included), a move, a folder close, a greeting set or cleared, a
	// PIN set, a lockout and a session claim (the fencing token). Each of
	// those scripts is followed by WAIT MinReplicas ReplicaWait in the same
	// round trip, on the same connection, so on a Redis Cluster the node
	// that took the write is the one that waits. When fewer replicas
	// confirm it in time the error wraps ErrNotReplicated. 0 to 16; 0 turns
	// waiting off, for a Redis without replicas. Default 0.
	MinReplicas int

	// ReplicaWait bounds that wait, 1ms to 10s. The Redis client's read
	// timeout must be longer, since the reply of WAIT comes with the
	// script's. Default 500ms.
	ReplicaWait time.Duration

	// AuditMax is about how many entries the audit stream of
	// administrators' actions keeps (AppendAudit): the oldest are dropped
	// beyond it. 100 to 10,000,000. Default 10000.
	AuditMax int
}

// Defaults applied by New to zero Config fields.
const (
	DefaultDefaultPIN = mailbox.DefaultPIN
	// DefaultPINHashCost is 6, not bcrypt.DefaultCost (10): about 6 ms a
	// compare. No cost protects a PIN of a few digits from whoever holds a
	// copy of Redis, while cost 10 makes a burst of logins queue (README,
	// Security; BENCHMARKS.md, cost 6 against cost 10).
	DefaultPINHashCost   = 6
	DefaultMaxFailures   = 10
	DefaultFailureWindow = 15 * time.Minute
	DefaultLockout       = 15 * time.Minute
	DefaultLockoutMax    = 24 * time.Hour
	DefaultSessionTTL    = 4 * time.Hour
	DefaultDailyMax      = 30
	DefaultCallerMax     = 30
	DefaultDailyWindow   = 24 * time.Hour
	DefaultMaxMessages   = 100
	DefaultReplicaWait   = 500 * time.Millisecond
	DefaultAuditMax      = 10000
)

// maxMaxMessages is the largest Config.MaxMessages, app_voicemail's
// MAXMSGLIMIT.
const maxMaxMessages = 9999

// minLockoutTime is the shortest Config.FailureWindow and
// Config.LockoutDuration: a shorter one would let a guesser retry at once.
const minLockoutTime = time.Second

// Bounds of Config.MinReplicas, Config.ReplicaWait and Config.AuditMax.
const (
	maxMinReplicas = 16
	maxReplicaWait = 10 * time.Second
	minAuditMax    = 100
	maxAuditMax    = 10_000_000
)

// WithDefaults returns cfg with every zero field set to its default (the
// Default constants): the one place those defaults are applied.
func (cfg Config) WithDefaults() Config {
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
	if cfg.DailyMaxFailures == 0 {
		cfg.DailyMaxFailures = max(DefaultDailyMax, cfg.MaxFailures)
	}
	if cfg.CallerMaxFailures == 0 {
		cfg.CallerMaxFailures = DefaultCallerMax
	}
	if cfg.DailyWindow == 0 {
		cfg.DailyWindow = max(DefaultDailyWindow, cfg.FailureWindow)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = DefaultMaxMessages
	}
	if cfg.ReplicaWait == 0 {
		cfg.ReplicaWait = DefaultReplicaWait
	}
	if cfg.AuditMax == 0 {
		cfg.AuditMax = DefaultAuditMax
	}
	return cfg
}

// Validate checks every field of cfg as it is, zero included (apply
// [Config.WithDefaults] first for the defaults): the one place the ranges of
// a Store's settings are checked. The error is a *[ConfigError] naming the
// field.
func (cfg Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if err := validatePIN(cfg.DefaultPIN); err != nil {
		return &ConfigError{Field: "DefaultPIN", Reason: "must be 1 to 20 digits", Err: err}
	}
	switch {
	case cfg.PINHashCost < bcrypt.MinCost || cfg.PINHashCost > bcrypt.MaxCost:
		return bad("PINHashCost", "%d not in %d..%d", cfg.PINHashCost, bcrypt.MinCost, bcrypt.MaxCost)
	case cfg.PINPepper != "" && len(cfg.PINPepper) < minPepperLen:
		return bad("PINPepper", "%d bytes: need at least %d", len(cfg.PINPepper), minPepperLen)
	case cfg.MaxFailures < 1:
		return bad("MaxFailures", "%d: need at least 1", cfg.MaxFailures)
	case cfg.FailureWindow < minLockoutTime:
		return bad("FailureWindow", "%v: need at least %v", cfg.FailureWindow, minLockoutTime)
	case cfg.LockoutDuration < minLockoutTime:
		return bad("LockoutDuration", "%v: need at least %v", cfg.LockoutDuration, minLockoutTime)
	case cfg.LockoutMax < cfg.LockoutDuration:
		return bad("LockoutMax", "%v is shorter than the lockout duration %v", cfg.LockoutMax, cfg.LockoutDuration)
	case cfg.DailyMaxFailures < cfg.MaxFailures:
		return bad("DailyMaxFailures", "%d is fewer than MaxFailures %d", cfg.DailyMaxFailures, cfg.MaxFailures)
	case cfg.CallerMaxFailures < 1:
		return bad("CallerMaxFailures", "%d: need at least 1", cfg.CallerMaxFailures)
	case cfg.DailyWindow < cfg.FailureWindow:
		return bad("DailyWindow", "%v is shorter than the failure window %v", cfg.DailyWindow, cfg.FailureWindow)
	case cfg.SessionTTL < time.Millisecond:
		return bad("SessionTTL", "%v: need at least 1ms", cfg.SessionTTL)
	case cfg.MaxMessages < 1 || cfg.MaxMessages > maxMaxMessages:
		return bad("MaxMessages", "%d not in 1..%d", cfg.MaxMessages, maxMaxMessages)
	case cfg.MinReplicas < 0 || cfg.MinReplicas > maxMinReplicas:
		return bad("MinReplicas", "%d not in 0..%d", cfg.MinReplicas, maxMinReplicas)
	case cfg.ReplicaWait < time.Millisecond || cfg.ReplicaWait > maxReplicaWait:
		return bad("ReplicaWait", "%v not in 1ms..%v", cfg.ReplicaWait, maxReplicaWait)
	case cfg.AuditMax < minAuditMax || cfg.AuditMax > maxAuditMax:
		return bad("AuditMax", "%d not in %d..%d", cfg.AuditMax, minAuditMax, maxAuditMax)
	}
	return nil
}

// ConfigError is the error of [Config.Validate]: the field out of range,
// and why. It wraps ErrInvalidConfig, and Err when set.
type ConfigError struct {
	// Field is the name of the Config field, such as "PINHashCost".
	Field string
	// Reason says what is wrong with its value; it never quotes a PIN.
	Reason string
	// Err is the underlying error, if any (ErrInvalidPIN for DefaultPIN).
	Err error
}

func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + " " + e.Reason
}

// Unwrap returns ErrInvalidConfig and Err.
func (e *ConfigError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidConfig}
	}
	return []error{ErrInvalidConfig, e.Err}
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
	pins      pinScheme
	// pinChecks bounds the PIN compares running at once (see compare).
	pinChecks chan struct{}
	// now is the clock of the times the Store records (WithClock).
	now func() time.Time
	// events bounds the security events of refused logins.
	events *logLimiter
	// run tells this Store's sessions from those of an earlier run of the
	// same instance id (ClaimSession); random, made by New.
	run string
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

// WithClock sets the clock of the times the Store records: when a session
// or a mailbox was created or updated, and the start of a day of failed
// logins (Config.DailyWindow). The default is time.Now. Tests use it
// to give one Store a clock that is off.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
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
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, rdb: rdb, log: zap.NewNop(), now: time.Now, events: &logLimiter{}}
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
	s.pins = pinScheme{pepper: []byte(cfg.PINPepper), cost: cfg.PINHashCost}
	h, err := s.pins.hash(pin)
	if err != nil {
		return nil, fmt.Errorf("state: dummy PIN hash: %w", err)
	}
	s.dummyHash = h
	s.pinChecks = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
	var run [8]byte
	_, _ = rand.Read(run[:])
	s.run = hex.EncodeToString(run[:])
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
