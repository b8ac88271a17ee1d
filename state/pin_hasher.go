package state

import (
	"sync"
)

// pinHasher does the bcrypt work of one Provision call, sparing what it can
// for the default PIN, which most mailboxes share until their owners change
// it:
//
//   - every mailbox created with the default PIN gets one shared hash,
//     computed once. Equal hashes only tell that those mailboxes have the
//     same PIN, which their pin_default flag says anyway;
//   - whether a stored hash is of the default PIN is computed once per
//     distinct hash, so re-provisioning mailboxes that share a hash costs
//     one compare, not one per mailbox.
//
// Any other PIN gets its own salt and its own compare. A pinHasher is safe
// for concurrent use by the Provision workers.
type pinHasher struct {
	defaultPIN string
	scheme     pinScheme

	once        sync.Once
	defaultHash []byte
	defaultErr  error

	mu      sync.Mutex
	matches map[string]bool // stored hash → whether it is of defaultPIN
}

// newPINHasher returns a pinHasher for one Provision call.
func newPINHasher(defaultPIN string, scheme pinScheme) *pinHasher {
	return &pinHasher{defaultPIN: defaultPIN, scheme: scheme, matches: make(map[string]bool)}
}

// hash returns a hash of pin (pinScheme.hash).
func (h *pinHasher) hash(pin string) ([]byte, error) {
	if pin != h.defaultPIN {
		return h.scheme.hash([]byte(pin))
	}
	h.once.Do(func() {
		h.defaultHash, h.defaultErr = h.scheme.hash([]byte(pin))
	})
	return h.defaultHash, h.defaultErr
}

// match reports whether stored is a hash of pin (pinScheme.compare).
func (h *pinHasher) match(stored, pin string) bool {
	if pin != h.defaultPIN {
		return h.scheme.compare([]byte(stored), []byte(pin)) == nil
	}
	h.mu.Lock()
	ok, known := h.matches[stored]
	h.mu.Unlock()
	if known {
		return ok
	}
	// Two workers may both compare the same new hash; the result is the
	// same, and holding the lock over a bcrypt compare would serialise them.
	ok = h.scheme.compare([]byte(stored), []byte(pin)) == nil
	h.mu.Lock()
	h.matches[stored] = ok
	h.mu.Unlock()
	return ok
}
