package state

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestAuthenticateMigratesToThePepper: a mailbox hashed before the pepper
// was configured logs in under it, and its hash is redone with it; new
// PINs are peppered at once; an instance without the pepper refuses every
// peppered hash (and says why), and Redis holds nothing a bare PIN matches.
func TestAuthenticateMigratesToThePepper(t *testing.T) {
	ctx := testCtx(t)
	plain, rdb := newTestStore(t, Config{})
	id := mustID(t, "1001")
	if _, err := plain.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	hash := func() string { return rdb.HGet(ctx, boxKey(id), fieldPINHash).Val() }
	if strings.HasPrefix(hash(), keyedPrefix) {
		t.Fatal("provisioned without a pepper, yet peppered")
	}
	const pepper = "a-secret-kept-in-a-file-0123456789"
	s := newStoreOn(t, Config{PINPepper: pepper}, rdb)
	if _, err := s.Authenticate(ctx, id, "0000"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if strings.HasPrefix(hash(), keyedPrefix) {
		t.Fatal("a wrong PIN redid the hash")
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("the old hash under the pepper: %v", err)
	}
	if !strings.HasPrefix(hash(), keyedPrefix) {
		t.Fatalf("after a right PIN the hash is not peppered")
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("the peppered hash: %v", err)
	}
	// A PIN set now is peppered at once.
	if err := s.SetPIN(ctx, id, "97531"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash(), keyedPrefix) {
		t.Fatal("SetPIN stored a hash without the pepper")
	}
	other := mustID(t, "1002")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: other, PIN: "8642"}}); err != nil {
		t.Fatal(err)
	}
	if h := rdb.HGet(ctx, boxKey(other), fieldPINHash).Val(); !strings.HasPrefix(h, keyedPrefix) {
		t.Fatal("Provision stored a hash without the pepper")
	}
	// Provisioning again under the pepper recognises the YAML's PIN.
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: other, PIN: "8642"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, other, "8642"); err != nil {
		t.Fatalf("provisioned under the pepper: %v", err)
	}
	// A hash of the earlier peppered scheme (bcrypt of the HMAC) still
	// matches, and becomes a keyed hash.
	legacy, err := (legacyPepperedScheme{pinScheme{pepper: []byte(pepper), cost: 4}}).hash([]byte("97531"))
	if err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, boxKey(id), fieldPINHash, legacy)
	if _, err := s.Authenticate(ctx, id, "97531"); err != nil {
		t.Fatalf("the earlier peppered hash: %v", err)
	}
	if !strings.HasPrefix(hash(), keyedPrefix) {
		t.Fatalf("after a right PIN the earlier peppered hash %q was not redone", hash())
	}
	// Without the pepper, the PIN cannot be checked.
	core, logs := observer.New(zap.ErrorLevel)
	bare := newStoreOn(t, Config{}, rdb, WithLogger(zap.New(core)))
	if _, err := bare.Authenticate(ctx, id, "97531"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("without the pepper: %v, want ErrWrongPIN", err)
	}
	if logs.FilterField(zap.String("security_event", "pepper_missing")).Len() == 0 {
		t.Error("a peppered hash without the pepper is not logged")
	}
}
