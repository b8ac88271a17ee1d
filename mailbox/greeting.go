package mailbox

import "fmt"

// Greeting names one of a mailbox's recorded greetings. The values are
// app_voicemail's file names (apps/app_voicemail.c: unavail, busy, temp,
// greet), and they appear in Redis and in recording names.
type Greeting string

// The greetings a mailbox owner can record (mailbox options 1 to 4).
const (
	// GreetingUnavail is played to callers when the owner does not answer.
	GreetingUnavail Greeting = "unavail"
	// GreetingBusy is played to callers when the owner is on the phone.
	GreetingBusy Greeting = "busy"
	// GreetingTemp overrides both others while it exists.
	GreetingTemp Greeting = "temp"
	// GreetingName is the owner's recorded name, played in the default
	// greetings and in directory listings.
	GreetingName Greeting = "greet"
)

// AllGreetings lists every greeting kind.
var AllGreetings = [...]Greeting{GreetingUnavail, GreetingBusy, GreetingTemp, GreetingName}

// ParseGreeting returns the greeting named s, one of AllGreetings; anything
// else gives an error wrapping ErrInvalidGreeting.
func ParseGreeting(s string) (Greeting, error) {
	g := Greeting(s)
	if err := g.Validate(); err != nil {
		return "", err
	}
	return g, nil
}

// String returns the greeting's name, as stored.
func (g Greeting) String() string {
	return string(g)
}

// Validate reports whether g is one of AllGreetings; the error wraps
// ErrInvalidGreeting.
func (g Greeting) Validate() error {
	for _, known := range AllGreetings {
		if g == known {
			return nil
		}
	}
	return fmt.Errorf("%w: kind %q", ErrInvalidGreeting, clip(string(g)))
}
