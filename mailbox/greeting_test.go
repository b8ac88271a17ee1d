package mailbox

import (
	"errors"
	"testing"
)

func TestGreeting(t *testing.T) {
	// The names are app_voicemail's, and they are stored in Redis and in
	// recording names: they must not change.
	want := []string{"unavail", "busy", "temp", "greet"}
	if len(AllGreetings) != len(want) {
		t.Fatalf("AllGreetings has %d kinds", len(AllGreetings))
	}
	for i, g := range AllGreetings {
		if g.String() != want[i] {
			t.Errorf("AllGreetings[%d] = %q, want %q", i, g, want[i])
		}
		if err := g.Validate(); err != nil {
			t.Errorf("%q.Validate() = %v", g, err)
		}
		if got, err := ParseGreeting(want[i]); err != nil || got != g {
			t.Errorf("ParseGreeting(%q) = %q, %v", want[i], got, err)
		}
	}
	for _, s := range []string{"", "Unavail", "name", "intro", "temp/../x", "greet ", "unavail\x00"} {
		if err := Greeting(s).Validate(); !errors.Is(err, ErrInvalidGreeting) {
			t.Errorf("%q.Validate() = %v, want ErrInvalidGreeting", s, err)
		}
		if got, err := ParseGreeting(s); !errors.Is(err, ErrInvalidGreeting) || got != "" {
			t.Errorf("ParseGreeting(%q) = %q, %v; want ErrInvalidGreeting", s, got, err)
		}
	}
}
