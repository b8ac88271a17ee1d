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
	// A reaper that could not resolve every call lets another pass come
	// sooner; nobody else can shorten its lock.
	if ok, err := s.RetryReap(ctx, "a", "c", time.Millisecond); err != nil || ok {
		t.Fatalf("RetryReap by a reaper without the lock = %v, %v; want false", ok, err)
	}
	if ok, err := s.RetryReap(ctx, "a", "b", 50*time.Millisecond); err != nil || !ok {
		t.Fatalf("RetryReap by the holder = %v, %v", ok, err)
	}
	eventually(t, 2*time.Second, "the reap lock to be free again", func() bool {
		ok, err := s.Reap(ctx, "a", "b", time.Minute)
		must(err)
		return ok
	})
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
	// Resign ends a lease at once and keeps what a reaper needs.
	must(s.Own(ctx, "b", "ch-3", true))
	must(s.Resign(ctx, "b"))
	ins, err = s.Instances(ctx)
	must(err)
	if len(ins) != 1 || ins[0].ID != "b" || ins[0].App != "voicemail-b" || !ins[0].Expired() {
		t.Errorf("after Resign: %+v, want b expired with its app", ins)
	}
	if owned, _ := s.Owned(ctx, "b"); !slices.Equal(owned, []string{"ch-3"}) {
		t.Errorf("calls of a resigned instance: %v, want [ch-3]", owned)
	}
	must(s.Leave(ctx, "b"))
	if ins, _ := s.Instances(ctx); len(ins) != 0 {
		t.Errorf("after Leave: %+v", ins)
	}
	if owned, _ := s.Owned(ctx, "b"); len(owned) != 0 {
		t.Errorf("calls of an instance that left: %v", owned)
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

// A call that ended stays ended for the fence: an old owner that wakes up
// after the new owner ended the call finds its saves refused, rather than
// recreating the session and passing the fence (review H1, L6). The same
// channel entering Stasis again claims a fresh session past the ended one.
func TestEndedSessionFencesTheOldOwner(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	old := Session{ChannelID: "ch-1", Instance: "a", App: "voicemail-a", Epoch: 1, Menu: []byte(`{"menu":"main"}`)}
	if err := s.SaveSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	epoch, err := s.ClaimSession(ctx, "ch-1", "b", "voicemail-b", "a")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndSession(ctx, "ch-1", epoch); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSession(ctx, old); !errors.Is(err, ErrStaleEpoch) {
		t.Fatalf("old owner's save after the end: %v, want ErrStaleEpoch", err)
	}
	if err := s.SaveSession(ctx, Session{ChannelID: "ch-1", Instance: "b", Epoch: epoch}); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("save after the end at the ending epoch: %v, want ErrStaleEpoch", err)
	}
	if _, err := s.LoadSession(ctx, "ch-1"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("load after the end: %v, want ErrSessionNotFound", err)
	}
	if _, err := s.ClaimSession(ctx, "ch-1", "c", "voicemail-c", "b"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("reaper's claim of an ended call: %v, want ErrSessionNotFound", err)
	}
	if err := s.EndSession(ctx, "ch-1", 1); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("old owner's end after the end: %v, want ErrStaleEpoch", err)
	}
	// The channel enters Stasis again: a claim without an expected owner
	// starts a new session past the ended one's epoch.
	again, err := s.ClaimSession(ctx, "ch-1", "c", "voicemail-c", "")
	if err != nil || again <= epoch {
		t.Fatalf("claim of a re-entered channel = %d, %v; want more than %d", again, err, epoch)
	}
	if err := s.SaveSession(ctx, Session{ChannelID: "ch-1", Instance: "c", Epoch: again}); err != nil {
		t.Errorf("new call's save: %v", err)
	}
	if err := s.SaveSession(ctx, old); !errors.Is(err, ErrStaleEpoch) {
		t.Errorf("old owner's save after the re-entry: %v, want ErrStaleEpoch", err)
	}
	got, err := s.LoadSession(ctx, "ch-1")
	if err != nil || got.Instance != "c" || got.Epoch != again {
		t.Errorf("re-entered call's session: %+v, %v", got, err)
	}
}

// Leases run on Redis' clock, not on the instances' own: a reaper whose
// clock is 3 s ahead must not see a lease renewed a moment ago as run out,
// nor forget its instance; a lease renewed by an instance whose clock is
// 3 s behind must not look run out from the start; and a lease still runs
// out when it is not renewed.
func TestLeasesIgnoreTheInstancesClocks(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	skewed := func(d time.Duration) *Store {
		return newStoreOn(t, Config{}, rdb, WithClock(func() time.Time { return time.Now().Add(d) }))
	}
	ahead, behind := skewed(3*time.Second), skewed(-3*time.Second)
	ctx := testCtx(t)
	lease := func(st *Store, id string) Instance {
		t.Helper()
		ins, err := st.Instances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			if in.ID == id {
				return in
			}
		}
		t.Fatalf("no lease of %s in %+v", id, ins)
		return Instance{}
	}

	if err := s.Renew(ctx, "a", "voicemail-a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if in := lease(ahead, "a"); in.Expired() || in.Left > 2*time.Second {
		t.Errorf("a reaper 3 s ahead sees a lease renewed for 2 s with %v left (expired %v)", in.Left, in.Expired())
	}
	if ok, err := ahead.Forget(ctx, "a"); err != nil || ok {
		t.Errorf("a reaper 3 s ahead: Forget(live a) = %v, %v; want false", ok, err)
	}

	if err := behind.Renew(ctx, "b", "voicemail-b", 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if in := lease(s, "b"); in.Expired() {
		t.Errorf("a lease renewed for 500ms by an instance 3 s behind looks run out at once (%v left)", in.Left)
	}
	eventually(t, 3*time.Second, "b's lease to run out", func() bool { return lease(ahead, "b").Expired() && lease(behind, "b").Expired() })
	if ok, err := behind.Forget(ctx, "b"); err != nil || !ok {
		t.Errorf("Forget(b) once its lease ran out = %v, %v; want true", ok, err)
	}
}

// An instance restarted under the same id takes its earlier run's calls
// (expected owner = itself) while new calls already arrive: a session that
// this run created is refused, or the new call would be fenced off by its
// own instance and left with nobody serving it.
func TestClaimSessionOfAnEarlierRunOnly(t *testing.T) {
	earlier, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	if _, err := earlier.ClaimSession(ctx, "old-call", "a", "voicemail", ""); err != nil {
		t.Fatal(err)
	}
	now := newStoreOn(t, Config{}, rdb)
	if _, err := now.ClaimSession(ctx, "new-call", "a", "voicemail", ""); err != nil {
		t.Fatal(err)
	}
	if epoch, err := now.ClaimSession(ctx, "new-call", "a", "voicemail", "a"); !errors.Is(err, ErrClaimedThisRun) || epoch != 1 {
		t.Fatalf("claim of this run's own call as an earlier run's: %d, %v; want epoch 1, ErrClaimedThisRun", epoch, err)
	}
	if got, err := now.LoadSession(ctx, "new-call"); err != nil || got.Epoch != 1 {
		t.Fatalf("this run's call after the refused claim: %+v, %v; want epoch 1", got, err)
	}
	epoch, err := now.ClaimSession(ctx, "old-call", "a", "voicemail", "a")
	if err != nil || epoch != 2 {
		t.Fatalf("claim of the earlier run's call = %d, %v; want 2", epoch, err)
	}
	// A claim repeated (its reply lost) finds it this run's, at the epoch
	// the first one set; saved by this run, it stays so.
	if epoch, err := now.ClaimSession(ctx, "old-call", "a", "voicemail", "a"); !errors.Is(err, ErrClaimedThisRun) || epoch != 2 {
		t.Errorf("claim repeated: %d, %v; want epoch 2, ErrClaimedThisRun", epoch, err)
	}
	sess, err := now.LoadSession(ctx, "old-call")
	if err != nil {
		t.Fatal(err)
	}
	if err := now.SaveSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, err := now.ClaimSession(ctx, "old-call", "a", "voicemail", "a"); !errors.Is(err, ErrClaimedThisRun) {
		t.Errorf("second pass over a call already taken: %v, want ErrClaimedThisRun", err)
	}
	// Another instance's claim is not affected by the run token.
	if epoch, err := now.ClaimSession(ctx, "old-call", "b", "voicemail-b", "a"); err != nil || epoch != 3 {
		t.Errorf("a peer's claim = %d, %v; want 3", epoch, err)
	}
}
