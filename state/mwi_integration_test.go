package state

import (
	"errors"
	"math"
	"sync"
	"testing"
)

func TestClaimMWI(t *testing.T) {
	tests := []struct {
		name   string
		claims []int64
		want   []bool
	}{
		{"older loses", []int64{3, 2}, []bool{true, false}},
		{"newer wins", []int64{3, 5}, []bool{true, true}},
		{"same twice", []int64{4, 4}, []bool{true, false}},
		{"first claim", []int64{1}, []bool{true}},
		{"zero and negative never", []int64{0, -1, 1, 0}, []bool{false, false, true, false}},
		{"more digits is greater", []int64{9, 10, 99, 100}, []bool{true, true, true, true}},
		{"fewer digits is smaller", []int64{100, 99}, []bool{true, false}},
		{"beyond 2^53 exact", []int64{1<<53 + 1, 1 << 53, 1<<53 + 2}, []bool{true, false, true}},
		{"max int64", []int64{math.MaxInt64, math.MaxInt64 - 1}, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t, Config{})
			ctx := testCtx(t)
			mb := mustID(t, "1001")
			for i, v := range tt.claims {
				got, err := s.ClaimMWI(ctx, mb, v)
				if err != nil || got != tt.want[i] {
					t.Fatalf("claim %d of %v: ClaimMWI(%d) = %v, %v; want %v", i, tt.claims, v, got, err, tt.want[i])
				}
			}
		})
	}
}

func TestClaimMWIPerMailbox(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	if ok, _ := s.ClaimMWI(ctx, mustID(t, "1001"), 7); !ok {
		t.Fatal("first claim lost")
	}
	if ok, _ := s.ClaimMWI(ctx, mustID(t, "1002"), 2); !ok {
		t.Error("another mailbox's claim lost")
	}
	if v := rdb.Get(ctx, "vm:{1001@default}:mwi:pub").Val(); v != "7" {
		t.Errorf("stored claim %q", v)
	}
	// A record that cannot be read does not block publishing for ever.
	rdb.Set(ctx, mwiPublishedKey(mustID(t, "1003")), "garbage", 0)
	if ok, err := s.ClaimMWI(ctx, mustID(t, "1003"), 1); !ok || err != nil {
		t.Errorf("claim over garbage = %v, %v", ok, err)
	}
	if _, err := s.ClaimMWI(ctx, MailboxID{Number: "x", Context: "default"}, 1); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("bad mailbox: %v", err)
	}
}

// Publishers racing with the versions 1 to 50 in any order: exactly the
// claims that were greater than all before them win, so 50 always wins
// and the stored claim ends at 50.
func TestClaimMWIConcurrent(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	var wg sync.WaitGroup
	won := make([]bool, 51)
	for v := 1; v <= 50; v++ {
		wg.Go(func() {
			ok, err := s.ClaimMWI(ctx, mb, int64(v))
			if err != nil {
				t.Error(err)
			}
			won[v] = ok
		})
	}
	wg.Wait()
	if !won[50] {
		t.Error("the highest version lost")
	}
	if v := rdb.Get(ctx, mwiPublishedKey(mb)).Val(); v != "50" {
		t.Errorf("stored claim %q, want 50", v)
	}
}

func TestMWIState(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	if st, err := s.MWIState(ctx, mb); err != nil || st != (MWI{}) {
		t.Fatalf("MWIState(empty) = %+v, %v", st, err)
	}
	for i, id := range []string{"a", "b", "c"} {
		deposit(t, s, testMessage(mb, id, int64(i)))
	}
	if _, _, err := s.CloseFolder(ctx, mb, FolderNew, []string{"a"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := s.MWIState(ctx, mb); err != nil || st != (MWI{New: 2, Old: 1, Version: 4}) {
		t.Errorf("MWIState = %+v, %v; want 2 new, 1 old, version 4", st, err)
	}
	rdb.Set(ctx, versionKey(mb), "nope", 0)
	if _, err := s.MWIState(ctx, mb); err == nil {
		t.Error("MWIState with a corrupt version: no error")
	}
	if _, err := s.MWIState(ctx, MailboxID{}); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("MWIState(zero id) = %v", err)
	}
}
