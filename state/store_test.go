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
		DefaultPIN:      "1234",
		PINHashCost:     bcrypt.MinCost,
		MaxFailures:     10,
		FailureWindow:   15 * time.Minute,
		LockoutDuration: 15 * time.Minute,
		LockoutMax:      24 * time.Hour,
		SessionTTL:      4 * time.Hour,
		MaxMessages:     100,
	}
	if got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	if c, err := bcrypt.Cost(s.dummyHash); err != nil || c != bcrypt.MinCost {
		t.Errorf("dummy hash cost = %d, %v; want the configured cost", c, err)
	}
	if (Config{}).withDefaults().PINHashCost != bcrypt.DefaultCost {
		t.Error("PINHashCost does not default to bcrypt.DefaultCost")
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
		{"negative lockout", Config{LockoutDuration: -time.Second}},
		{"lockout max under lockout", Config{LockoutDuration: time.Hour, LockoutMax: time.Minute}},
		{"negative TTL", Config{SessionTTL: -time.Second}},
		{"negative max messages", Config{MaxMessages: -1}},
		{"max messages over 9999", Config{MaxMessages: 10000}},
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
