package mailbox

import (
	"errors"
	"testing"
)

func TestPINPolicyCheck(t *testing.T) {
	p := PINPolicy{MinLength: 4, DefaultPIN: "1234"}
	id := MustParseID("1001")
	for _, tt := range []struct {
		pin  string
		want error
	}{
		{"2580", nil},
		{"13579", nil},
		{"90210", nil},
		{"", ErrInvalidPIN},
		{"12a4", ErrInvalidPIN},
		{"123456789012345678901", ErrInvalidPIN},
		{"258", ErrWeakPIN},
		{"1234", ErrWeakPIN},
		{"1001", ErrWeakPIN},
		{"7777", ErrWeakPIN},
		{"4567", ErrWeakPIN},
		{"7890", ErrWeakPIN},
		{"3210", ErrWeakPIN},
		{"98765", ErrWeakPIN},
	} {
		err := p.Check(id, tt.pin)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Check(%q) = %v, want %v", tt.pin, err, tt.want)
		}
	}
}

func TestStraightRun(t *testing.T) {
	for pin, want := range map[string]bool{
		"1234": true, "0123456789": true, "8901": true, "4321": true, "1098": true,
		"1235": false, "2580": false, "1212": false, "9753": false, "13579": false,
	} {
		if got := straightRun(pin); got != want {
			t.Errorf("straightRun(%q) = %v, want %v", pin, got, want)
		}
	}
}

func TestPINPolicyGenerate(t *testing.T) {
	id := MustParseID("1001")
	for _, p := range []PINPolicy{{MinLength: 4, DefaultPIN: "1234"}, {MinLength: 10, DefaultPIN: "0000"}} {
		seen := map[string]bool{}
		for range 200 {
			pin := p.Generate(id)
			if len(pin) != max(6, p.MinLength) {
				t.Fatalf("Generate gave %d digits, want %d", len(pin), max(6, p.MinLength))
			}
			if err := p.Check(id, pin); err != nil {
				t.Fatalf("Generate gave a PIN its own policy refuses: %v", err)
			}
			seen[pin] = true
		}
		if len(seen) < 190 {
			t.Errorf("200 generated PINs have only %d distinct values", len(seen))
		}
	}
}
