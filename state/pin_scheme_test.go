package state

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPINScheme(t *testing.T) {
	plain := pinScheme{cost: bcrypt.MinCost}
	peppered := pinScheme{pepper: []byte("0123456789abcdef-pepper"), cost: bcrypt.MinCost}
	other := pinScheme{pepper: []byte("another-pepper-0123456789"), cost: bcrypt.MinCost}
	pin := []byte("2580")

	old, err := plain.hash(pin)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := peppered.hash(pin)
	if err != nil {
		t.Fatal(err)
	}
	again, err := peppered.hash(pin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(fresh, []byte(keyedPrefix)) || bytes.HasPrefix(old, []byte(keyedPrefix)) {
		t.Fatalf("hashes %q, %q: want the keyed prefix on the peppered one only", old, fresh)
	}
	if bytes.Equal(fresh, again) {
		t.Errorf("two keyed hashes of one PIN are equal (%q): the salt is missing", fresh)
	}
	// A hash of the earlier peppered scheme: bcrypt of the HMAC's hex.
	legacy, err := legacyPepperedScheme{peppered}.hash(pin)
	if err != nil {
		t.Fatal(err)
	}
	unseparated := append([]byte(keyedPrefix), bytes.ReplaceAll(fresh[len(keyedPrefix):], []byte(":"), nil)...)

	tests := []struct {
		name   string
		scheme pinScheme
		stored []byte
		pin    string
		want   error // nil: matches
		stale  bool
	}{
		{"plain, plain", plain, old, "2580", nil, false},
		{"plain, wrong", plain, old, "2581", bcrypt.ErrMismatchedHashAndPassword, false},
		{"plain at another cost", pinScheme{cost: bcrypt.MinCost + 1}, old, "2580", nil, true},
		{"keyed, keyed", peppered, fresh, "2580", nil, false},
		{"keyed, wrong", peppered, fresh, "2581", bcrypt.ErrMismatchedHashAndPassword, false},
		{"keyed, longer", peppered, fresh, "25800", bcrypt.ErrMismatchedHashAndPassword, false},
		{"keyed, empty PIN", peppered, fresh, "", bcrypt.ErrMismatchedHashAndPassword, false},
		{"keyed under another pepper", other, fresh, "2580", bcrypt.ErrMismatchedHashAndPassword, false},
		{"keyed at another cost", pinScheme{pepper: peppered.pepper, cost: bcrypt.MinCost + 1}, fresh, "2580", nil, false},
		{"keyed without the pepper", plain, fresh, "2580", errNoPepper, false},
		{"plain hash under a pepper", peppered, old, "2580", nil, true},
		{"earlier peppered scheme", peppered, legacy, "2580", nil, true},
		{"earlier peppered scheme, wrong", peppered, legacy, "2581", bcrypt.ErrMismatchedHashAndPassword, true},
		{"earlier peppered scheme without the pepper", plain, legacy, "2580", errNoPepper, false},
		{"keyed, damaged", peppered, []byte(keyedPrefix + "zz:00"), "2580", errBadPINHash, false},
		{"keyed, truncated", peppered, fresh[:len(fresh)-2], "2580", errBadPINHash, false},
		{"keyed, no separator", peppered, unseparated, "2580", errBadPINHash, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.scheme.compare(tt.stored, []byte(tt.pin)); !errors.Is(err, tt.want) {
				t.Errorf("compare = %v, want %v", err, tt.want)
			}
			if got := tt.scheme.stale(tt.stored); got != tt.stale {
				t.Errorf("stale = %v, want %v", got, tt.stale)
			}
		})
	}
}

// BenchmarkPINCompare is the CPU a login's PIN check costs, per scheme:
// bcrypt at the default cost without a pepper, the keyed hash with one.
func BenchmarkPINCompare(b *testing.B) {
	for _, sc := range []struct {
		name   string
		scheme pinScheme
	}{
		{"bcrypt-cost-6", pinScheme{cost: DefaultPINHashCost}},
		{"keyed-hmac", pinScheme{pepper: []byte("0123456789abcdef-pepper"), cost: DefaultPINHashCost}},
	} {
		b.Run(sc.name, func(b *testing.B) {
			stored, err := sc.scheme.hash([]byte("2580"))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := sc.scheme.compare(stored, []byte("2580")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// legacyPepperedScheme hashes as the scheme before keyed hashes did: bcrypt
// of hex(HMAC-SHA256(pepper, PIN)), behind pepperedPrefix.
type legacyPepperedScheme struct{ pinScheme }

func (l legacyPepperedScheme) hash(pin []byte) ([]byte, error) {
	m := hmac.New(sha256.New, l.pepper)
	m.Write(pin)
	h, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(m.Sum(nil))), l.cost)
	return append([]byte(pepperedPrefix), h...), err
}
