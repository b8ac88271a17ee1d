package state

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// offlineClient is a client that is never used for I/O: New does none.
func offlineClient(t *testing.T) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func TestNewDefaults(t *testing.T) {
	s, err := New(Config{PINHashCost: bcrypt.MinCost}, offlineClient(t))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Config()
	want := Config{
		DefaultPIN:        "1234",
		PINHashCost:       bcrypt.MinCost,
		MaxFailures:       10,
		FailureWindow:     15 * time.Minute,
		LockoutDuration:   15 * time.Minute,
		LockoutMax:        24 * time.Hour,
		DailyMaxFailures:  30,
		CallerMaxFailures: 30,
		DailyWindow:       24 * time.Hour,
		SessionTTL:        4 * time.Hour,
		MaxMessages:       100,
		MinReplicas:       0,
		ReplicaWait:       500 * time.Millisecond,
		AuditMax:          10000,
	}
	if got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	if c, err := bcrypt.Cost(s.dummyHash); err != nil || c != bcrypt.MinCost {
		t.Errorf("dummy hash cost = %d, %v; want the configured cost", c, err)
	}
	if c := (Config{}).WithDefaults().PINHashCost; c != 6 {
		t.Errorf("PINHashCost defaults to %d, want 6 (README, Security)", c)
	}
}

func TestNewInvalid(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"PIN letters", Config{DefaultPIN: "abcd"}},
		{"PIN too long", Config{DefaultPIN: "123456789012345678901"}},
		{"cost low", Config{PINHashCost: 3}},
		{"cost high", Config{PINHashCost: 32}},
		{"negative failures", Config{MaxFailures: -1}},
		{"negative window", Config{FailureWindow: -time.Second}},
		{"window under 1ms", Config{FailureWindow: time.Microsecond}},
		{"window under 1s", Config{FailureWindow: 999 * time.Millisecond}},
		{"lockout under 1s", Config{LockoutDuration: 999 * time.Millisecond}},
		{"negative lockout", Config{LockoutDuration: -time.Second}},
		{"lockout max under lockout", Config{LockoutDuration: time.Hour, LockoutMax: time.Minute}},
		{"negative TTL", Config{SessionTTL: -time.Second}},
		{"negative max messages", Config{MaxMessages: -1}},
		{"max messages over 9999", Config{MaxMessages: 10000}},
		{"negative min replicas", Config{MinReplicas: -1}},
		{"min replicas over 16", Config{MinReplicas: 17}},
		{"negative replica wait", Config{ReplicaWait: -time.Second}},
		{"replica wait under 1ms", Config{ReplicaWait: time.Microsecond}},
		{"replica wait over 10s", Config{ReplicaWait: 11 * time.Second}},
		{"audit max under 100", Config{AuditMax: 99}},
		{"negative audit max", Config{AuditMax: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, offlineClient(t)); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New(%+v) = %v, want ErrInvalidConfig", tt.cfg, err)
			}
		})
	}
	t.Run("nil client", func(t *testing.T) {
		if _, err := New(Config{}, nil); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("New(nil client) = %v, want ErrInvalidConfig", err)
		}
	})
}

// TestConfigValidateNamesTheField checks that Validate takes each field as
// it is and names the one out of range, so that app can say which setting.
func TestConfigValidateNamesTheField(t *testing.T) {
	def := Config{}.WithDefaults()
	if err := def.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	for _, tt := range []struct {
		field string
		set   func(*Config)
	}{
		{"DefaultPIN", func(c *Config) { c.DefaultPIN = "" }},
		{"PINHashCost", func(c *Config) { c.PINHashCost = 0 }},
		{"MaxFailures", func(c *Config) { c.MaxFailures = 0 }},
		{"FailureWindow", func(c *Config) { c.FailureWindow = 0 }},
		{"LockoutDuration", func(c *Config) { c.LockoutDuration = 0 }},
		{"LockoutMax", func(c *Config) { c.LockoutMax = time.Minute }},
		{"DailyMaxFailures", func(c *Config) { c.DailyMaxFailures = c.MaxFailures - 1 }},
		{"CallerMaxFailures", func(c *Config) { c.CallerMaxFailures = 0 }},
		{"DailyWindow", func(c *Config) { c.DailyWindow = c.FailureWindow - time.Second }},
		{"SessionTTL", func(c *Config) { c.SessionTTL = 0 }},
		{"MaxMessages", func(c *Config) { c.MaxMessages = 0 }},
		{"MinReplicas", func(c *Config) { c.MinReplicas = 17 }},
		{"ReplicaWait", func(c *Config) { c.ReplicaWait = 0 }},
		{"AuditMax", func(c *Config) { c.AuditMax = 0 }},
	} {
		cfg := def
		tt.set(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: Validate() = %v, want a ConfigError naming it", tt.field, err)
		}
	}
	badPIN := def
	badPIN.DefaultPIN = "12ab"
	if err := badPIN.Validate(); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("a bad DefaultPIN: %v, want it to wrap ErrInvalidPIN", err)
	}
}
