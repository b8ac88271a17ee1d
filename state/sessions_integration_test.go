package state

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestSessionRoundTrip(t *testing.T) {
	s, rdb := newTestStore(t, Config{SessionTTL: time.Hour})
	ctx := testCtx(t)
	in := Session{
		ChannelID: "1732634712.42",
		Instance:  "vm-a",
		App:       "vm-a",
		Epoch:     3,
		Mailbox:   "1001@default",
		Menu:      json.RawMessage(`{"node":"main","retries":1}`),
	}
	before := time.Now().Truncate(time.Millisecond)
	if err := s.SaveSession(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadSession(ctx, in.ChannelID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChannelID != in.ChannelID || got.Instance != in.Instance || got.App != in.App ||
		got.Epoch != in.Epoch || got.Mailbox != in.Mailbox || string(got.Menu) != string(in.Menu) {
		t.Errorf("LoadSession = %+v, want %+v", got, in)
	}
	if got.Created.Before(before) || got.Updated.Before(got.Created) || time.Since(got.Updated) > time.Minute {
		t.Errorf("Created %v, Updated %v", got.Created, got.Updated)
	}
	if ttl := rdb.PTTL(ctx, "vm:session:{1732634712.42}").Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL %v, want about SessionTTL", ttl)
	}

	// A later save by the same owner keeps Created, moves Updated, and
	// refreshes the TTL.
	rdb.PExpire(ctx, sessionKey(in.ChannelID), time.Minute)
	time.Sleep(5 * time.Millisecond)
	in.Mailbox = ""
	in.Menu = nil
	if err := s.SaveSession(ctx, in); err != nil {
		t.Fatal(err)
	}
	again, err := s.LoadSession(ctx, in.ChannelID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Created.Equal(got.Created) || !again.Updated.After(got.Updated) {
		t.Errorf("second save: Created %v → %v, Updated %v → %v", got.Created, again.Created, got.Updated, again.Updated)
	}
	if again.Mailbox != "" || again.Menu != nil {
		t.Errorf("second save: %+v", again)
	}
	if ttl := rdb.PTTL(ctx, sessionKey(in.ChannelID)).Val(); ttl <= 59*time.Minute {
		t.Errorf("TTL %v not refreshed", ttl)
	}

	if err := s.DeleteSession(ctx, in.ChannelID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadSession(ctx, in.ChannelID); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("after delete: %v, want ErrSessionNotFound", err)
	}
	if err := s.DeleteSession(ctx, in.ChannelID); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestSessionCreatedGiven(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	created := time.UnixMilli(1700000000123)
	if err := s.SaveSession(ctx, Session{ChannelID: "c1", Created: created}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadSession(ctx, "c1")
	if err != nil || !got.Created.Equal(created) {
		t.Errorf("Created = %v, %v; want %v", got.Created, err, created)
	}
}

func TestSessionEpochFence(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	const ch = "chan-1"
	save := func(epoch int64, instance string) error {
		return s.SaveSession(ctx, Session{ChannelID: ch, Instance: instance, Epoch: epoch})
	}
	if err := save(1, "a"); err != nil {
		t.Fatal(err)
	}
	if err := save(1, "a"); err != nil {
		t.Fatalf("same epoch: %v", err)
	}
	if err := save(2, "b"); err != nil { // b takes over
		t.Fatalf("higher epoch: %v", err)
	}
	if err := save(1, "a"); !errors.Is(err, ErrStaleEpoch) { // a wakes up
		t.Fatalf("lower epoch: %v, want ErrStaleEpoch", err)
	}
	got, err := s.LoadSession(ctx, ch)
	if err != nil || got.Instance != "b" || got.Epoch != 2 {
		t.Errorf("after stale save: %+v, %v; want b's session", got, err)
	}
	// After the record expires or is deleted there is nothing to fence.
	if err := s.DeleteSession(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if err := save(0, "c"); err != nil {
		t.Errorf("after delete: %v", err)
	}
}

func TestSessionExpires(t *testing.T) {
	s, _ := newTestStore(t, Config{SessionTTL: 100 * time.Millisecond})
	ctx := testCtx(t)
	if err := s.SaveSession(ctx, Session{ChannelID: "c1"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the session to expire", func() bool {
		_, err := s.LoadSession(ctx, "c1")
		return errors.Is(err, ErrSessionNotFound)
	})
}

func TestSessionCorrupt(t *testing.T) {
	// fields writes a session HASH by hand.
	fields := func(kv ...any) func(context.Context, redis.UniversalClient, string) error {
		return func(ctx context.Context, rdb redis.UniversalClient, key string) error {
			return rdb.HSet(ctx, key, kv...).Err()
		}
	}
	tests := []struct {
		name string
		// write stores the bad record at key.
		write func(ctx context.Context, rdb redis.UniversalClient, key string) error
		// fenced: the epoch is readable, so SaveSession may overwrite.
		fenced bool
	}{
		{name: "not a hash", write: func(ctx context.Context, rdb redis.UniversalClient, key string) error {
			return rdb.Set(ctx, key, `{"epoch":1}`, 0).Err()
		}},
		{name: "epoch not a number", write: fields("epoch", "x", "created", "1", "updated", "1")},
		{name: "no epoch", write: fields("created", "1", "updated", "1")},
		{name: "no created", write: fields("epoch", "1", "updated", "1")},
		{name: "bad updated", write: fields("epoch", "1", "created", "1", "updated", "soon"), fenced: true},
		{name: "bad menu", write: fields("epoch", "1", "created", "1", "updated", "1", "menu", "{not json"), fenced: true},
		{name: "bad mailbox", write: fields("epoch", "1", "created", "1", "updated", "1", "mailbox", "../x"), fenced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rdb := newTestStore(t, Config{})
			ctx := testCtx(t)
			const ch = "1732634712.42"
			if err := tt.write(ctx, rdb, sessionKey(ch)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.LoadSession(ctx, ch); !errors.Is(err, ErrCorruptSession) {
				t.Errorf("LoadSession = %v, want ErrCorruptSession", err)
			}
			err := s.SaveSession(ctx, Session{ChannelID: ch, Epoch: 5})
			if tt.fenced {
				// The fence works, so the save replaces the bad fields.
				if err != nil {
					t.Fatalf("SaveSession over a readable epoch: %v", err)
				}
				if _, err := s.LoadSession(ctx, ch); err != nil {
					t.Errorf("after save: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrCorruptSession) {
				t.Errorf("SaveSession = %v, want ErrCorruptSession", err)
			}
			if err := s.DeleteSession(ctx, ch); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSession(ctx, Session{ChannelID: ch, Epoch: 5}); err != nil {
				t.Errorf("SaveSession after delete: %v", err)
			}
		})
	}
}

func TestSessionBadInput(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	badIDs := []string{"", "a b", "x/y", "../x", "{x}", "a:b", "ch*", "é", strings.Repeat("c", 129)}
	for _, id := range badIDs {
		if err := s.SaveSession(ctx, Session{ChannelID: id}); !errors.Is(err, ErrInvalidChannelID) {
			t.Errorf("SaveSession(%q) = %v, want ErrInvalidChannelID", id, err)
		}
		if _, err := s.LoadSession(ctx, id); !errors.Is(err, ErrInvalidChannelID) {
			t.Errorf("LoadSession(%q) = %v, want ErrInvalidChannelID", id, err)
		}
		if err := s.DeleteSession(ctx, id); !errors.Is(err, ErrInvalidChannelID) {
			t.Errorf("DeleteSession(%q) = %v, want ErrInvalidChannelID", id, err)
		}
	}
	for _, id := range []string{"1732634712.42", "my-channel_1", strings.Repeat("c", 128)} {
		if err := s.SaveSession(ctx, Session{ChannelID: id}); err != nil {
			t.Errorf("SaveSession(%q) = %v", id, err)
		}
	}
	bad := []Session{
		{ChannelID: "c", Epoch: -1},
		{ChannelID: "c", Epoch: 1<<53 + 1},
		{ChannelID: "c", Mailbox: "10 01"},
		{ChannelID: "c", Menu: json.RawMessage(`{"a":`)},
	}
	for _, sess := range bad {
		if err := s.SaveSession(ctx, sess); !errors.Is(err, ErrInvalidSession) {
			t.Errorf("SaveSession(%+v) = %v, want ErrInvalidSession", sess, err)
		}
	}
	if n := rdb.Exists(ctx, sessionKey("c")).Val(); n != 0 {
		t.Error("an invalid session was written")
	}
}

// TestSessionListingSavedApart checks that a listing is written only by the
// saves that carry one, kept by the others, and fenced like the rest.
func TestSessionListingSavedApart(t *testing.T) {
	s, _ := newTestStore(t, Config{SessionTTL: time.Hour})
	ctx := testCtx(t)
	sess := Session{ChannelID: "1732634712.43", Instance: "vm-a", App: "vm-a", Epoch: 1,
		Menu: json.RawMessage(`{"box":{"listing":1,"marks":"0"}}`), Listing: json.RawMessage(`[{"id":"m1"}]`)}
	if err := s.SaveSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	load := func(wantMenu, wantListing string) {
		t.Helper()
		got, err := s.LoadSession(ctx, sess.ChannelID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Menu) != wantMenu || string(got.Listing) != wantListing {
			t.Errorf("menu %s, listing %s; want %s, %s", got.Menu, got.Listing, wantMenu, wantListing)
		}
	}
	load(`{"box":{"listing":1,"marks":"0"}}`, `[{"id":"m1"}]`)

	sess.Menu, sess.Listing = json.RawMessage(`{"box":{"listing":1,"marks":"1"}}`), nil
	if err := s.SaveSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	load(`{"box":{"listing":1,"marks":"1"}}`, `[{"id":"m1"}]`)

	sess.Menu, sess.Listing = json.RawMessage(`{"box":{"listing":2,"marks":""}}`), json.RawMessage(`[]`)
	if err := s.SaveSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	load(`{"box":{"listing":2,"marks":""}}`, `[]`)

	stale := sess
	stale.Epoch, stale.Listing = 0, json.RawMessage(`[{"id":"old"}]`)
	if err := s.SaveSession(ctx, stale); !errors.Is(err, ErrStaleEpoch) {
		t.Fatalf("stale save: %v, want ErrStaleEpoch", err)
	}
	load(`{"box":{"listing":2,"marks":""}}`, `[]`)

	bad := sess
	bad.Listing = json.RawMessage(`[{`)
	if err := s.SaveSession(ctx, bad); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("listing not JSON: %v, want ErrInvalidSession", err)
	}
}
