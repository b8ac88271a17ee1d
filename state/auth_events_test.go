package state

import (
	"context"
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	var l logLimiter
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for i := range securityEventBurst {
		if ok, _ := l.allow(t0); !ok {
			t.Fatalf("line %d of the burst refused", i)
		}
	}
	for range 5 {
		if ok, _ := l.allow(t0); ok {
			t.Fatal("a line beyond the burst allowed")
		}
	}
	ok, suppressed := l.allow(t0.Add(securityEventEvery))
	if !ok || suppressed != 5 {
		t.Errorf("after an interval: %v, %d suppressed; want true, 5", ok, suppressed)
	}
	if ok, _ := l.allow(t0.Add(securityEventEvery)); ok {
		t.Error("a second line in the same interval allowed")
	}
	if ok, suppressed := l.allow(t0.Add(time.Hour)); !ok || suppressed != 1 {
		t.Errorf("an hour later: %v, %d; want true, 1", ok, suppressed)
	}
}

func TestCallerAuthKey(t *testing.T) {
	tests := []struct{ number, want string }{
		{"+15550100", "vm:{caller:+15550100}:auth"},
		{"2001", "vm:{caller:2001}:auth"},
		{"{x}:y", "vm:{caller:sha256-"},
		{"01234567890123456789012345678901234567890", "vm:{caller:sha256-"},
	}
	for _, tt := range tests {
		got := callerAuthKey(tt.number)
		if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
			t.Errorf("callerAuthKey(%q) = %q, want prefix %q", tt.number, got, tt.want)
		}
	}
	if callerFrom(WithCaller(context.Background(), "")) != "" || callerFrom(WithCaller(context.Background(), "7")) != "7" {
		t.Error("WithCaller/callerFrom do not round-trip")
	}
}
