package state

import (
	"bytes"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPINHasher(t *testing.T) {
	h := newPINHasher("1234", pinScheme{cost: bcrypt.MinCost})
	var (
		wg     sync.WaitGroup
		hashes [8][]byte
	)
	for i := range hashes {
		wg.Go(func() {
			var err error
			if hashes[i], err = h.hash("1234"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, x := range hashes[1:] {
		if !bytes.Equal(x, hashes[0]) {
			t.Fatal("default PIN hashed more than once")
		}
	}
	a, _ := h.hash("5555")
	b, _ := h.hash("5555")
	if bytes.Equal(a, b) {
		t.Error("a PIN other than the default shares a salt")
	}
	for range 2 { // the second round comes from the cache
		if !h.match(string(hashes[0]), "1234") {
			t.Error("default hash does not match the default PIN")
		}
		if h.match(string(a), "1234") {
			t.Error("hash of 5555 matches the default PIN")
		}
		if !h.match(string(a), "5555") || h.match(string(a), "5556") {
			t.Error("match of another PIN is wrong")
		}
		if h.match("garbage", "1234") {
			t.Error("a corrupt hash matches")
		}
	}
	if len(h.matches) != 3 {
		t.Errorf("%d cached results, want 3", len(h.matches))
	}
}
