package state

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestLeasesReapAndForget(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Renew(ctx, "a", "voicemail-a", 200*time.Millisecond))
	must(s.Renew(ctx, "b", "voicemail-b", time.Minute))
	must(s.Own(ctx, "a", "ch-1", true))
	must(s.Own(ctx, "a", "ch-2", true))
	must(s.Own(ctx, "a", "ch-2", false))
	if owned, err := s.Owned(ctx, "a"); err != nil || !slices.Equal(owned, []string{"ch-1"}) {
		t.Fatalf("Owned(a) = %v, %v; want [ch-1]", owned, err)
	}
	ins, err := s.Instances(ctx)
	must(err)
	if len(ins) != 2 || ins[0].ID != "a" || ins[0].App != "voicemail-a" || ins[1].ID != "b" {
		t.Fatalf("Instances = %+v", ins)
	}
	// Alive: Forget changes nothing.
	if ok, err := s.Forget(ctx, "a"); err != nil || ok {
		t.Fatalf("Forget(live a) = %v, %v; want false", ok, err)
	}
	time.Sleep(300 * time.Millisecond)
	// Dead: one reaper only.
	if ok, err := s.Reap(ctx, "a", "b", time.Minute); err != nil || !ok {
		t.Fatalf("first Reap = %v, %v", ok, err)
	}
	if ok, err := s.Reap(ctx, "a", "c", time.Minute); err != nil || ok {
		t.Fatalf("second Reap = %v, %v; want refused", ok, err)
	}
	if ok, err := s.Forget(ctx, "a"); err != nil || !ok {
		t.Fatalf("Forget(dead a) = %v, %v", ok, err)
	}
	ins, err = s.Instances(ctx)
	must(err)
	if len(ins) != 1 || ins[0].ID != "b" {
		t.Errorf("after Forget: %+v", ins)
	}
	if owned, _ := s.Owned(ctx, "a"); len(owned) != 0 {
		t.Errorf("calls of a forgotten instance: %v", owned)
	}
	must(s.Leave(ctx, "b"))
	if ins, _ := s.Instances(ctx); len(ins) != 0 {
		t.Errorf("after Leave: %+v", ins)
	}
	if err := s.Renew(ctx, "a/../b", "x", time.Second); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("Renew with a bad id: %v", err)
	}
}

// The fencing token: a takeover bumps the epoch, after which the old
// owner's saves and its end of the call are refused, and a second reaper
// cannot claim the same call.
func TestClaimSessionFencesTheOldOwner(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	old := Session{ChannelID: "ch-1", Instance: "a", App: "voicemail-a", Epoch: 1, Menu: []byte(`{"menu":"main"}`)}
	if err := s.SaveSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimSession(ctx, "ch-1", "c", "voicemail-c", "b"); !errors.Is(err, ErrStaleEpoch) {
		t.Fatalf("claim expecting the wrong owner: %v, want ErrStaleEpoch", err)
	}
	epoch, err := s.ClaimSession(ctx, "ch-1", "b", "voicemail-b", "a")
	if err != nil || epoch != 2 {
		t.Fatalf("ClaimSession = %d, %v; want 2", epoch, err)
	}
	got, err := s.LoadSession(ctx, "ch-1")
	if err != nil || got.Instance != "b" || got.Epoch != 2 || string(got.Menu) != `{"menu":"main"}` {
		t.Fatalf("after the claim: %+v, %v", got, err)
	}
	if _, err := s.ClaimSession(ctx, "ch-1", "c", "voicemail-c", "a"); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("second reaper: %v, want ErrStaleEpoch", err)
	}
	if err := s.SaveSession(ctx, old); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("old owner's save: %v, want ErrStaleEpoch", err)
	}
	if err := s.EndSession(ctx, "ch-1", 1); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("old owner's end: %v, want ErrStaleEpoch", err)
	}
	if err := s.EndSession(ctx, "ch-1", 2); err != nil {
		t.Errorf("new owner's end: %v", err)
	}
	if _, err := s.LoadSession(ctx, "ch-1"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("after the end: %v", err)
	}
	// No session: refused when an owner is expected, created otherwise.
	if _, err := s.ClaimSession(ctx, "ch-2", "b", "voicemail-b", "a"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("claim of a missing session from a: %v, want ErrSessionNotFound", err)
	}
	if epoch, err := s.ClaimSession(ctx, "ch-2", "b", "voicemail-b", ""); err != nil || epoch != 1 {
		t.Errorf("claim of a missing session = %d, %v; want 1", epoch, err)
	}
}
