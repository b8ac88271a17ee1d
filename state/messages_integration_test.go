package state

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/clusterpbx/voicemail/state/redistest"
)

// testMessage returns a valid message for mailbox mb with id id, received
// at base+offset ms.
func testMessage(mb MailboxID, id string, offset int64) Message {
	return Message{
		ID:         id,
		Mailbox:    mb,
		Recording:  "voicemail/" + mb.Context + "/" + mb.Number + "/msg/" + id,
		CallerNum:  "5551234",
		CallerName: "Alice Caller",
		Received:   time.UnixMilli(1732634712000 + offset),
		Duration:   7 * time.Second,
	}
}

// deposit deposits m or fails the test.
func deposit(tb testing.TB, s *Store, m Message) MWI {
	tb.Helper()
	mwi, err := s.Deposit(testCtx(tb), m)
	if err != nil {
		tb.Fatalf("Deposit(%s): %v", m.ID, err)
	}
	return mwi
}

// messageIDs returns the ids of a folder's messages, in order.
func messageIDs(tb testing.TB, s *Store, mb MailboxID, f Folder) []string {
	tb.Helper()
	msgs, err := s.Messages(testCtx(tb), mb, f)
	if err != nil {
		tb.Fatalf("Messages(%v): %v", f, err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func TestDepositRoundTrip(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	in := Message{
		ID:         NewMessageID(time.UnixMilli(1732634712042)),
		Mailbox:    mb,
		Folder:     FolderNew,
		Recording:  "voicemail/default/1001/msg/x1",
		CallerNum:  "+33 1 23 45 67 89",
		CallerName: "Zoë Ñandú",
		Received:   time.UnixMilli(1732634712042),
		Duration:   42 * time.Second,
		Origin:     "2002@sales",
	}
	mwi, err := s.Deposit(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if mwi != (MWI{New: 1, Old: 0, Version: 1}) {
		t.Errorf("Deposit = %+v, want 1 new at version 1", mwi)
	}
	msgs, err := s.Messages(ctx, mb, FolderNew)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !reflect.DeepEqual(msgs[0], in) {
		t.Fatalf("Messages = %+v, want [%+v]", msgs, in)
	}
	one, err := s.Message(ctx, mb, in.ID)
	if err != nil || !reflect.DeepEqual(one, in) {
		t.Fatalf("Message = %+v, %v; want %+v", one, err, in)
	}

	// The layout of keys.go, under the mailbox's hash tag.
	if got := rdb.ZScore(ctx, "vm:{1001@default}:f:0", in.ID).Val(); got != 1732634712042 {
		t.Errorf("folder score %v, want the received time in ms", got)
	}
	fields := rdb.HGetAll(ctx, "vm:{1001@default}:msg:"+in.ID).Val()
	want := map[string]string{
		"folder": "0", "recording": in.Recording, "caller_num": in.CallerNum, "caller_name": in.CallerName,
		"received": "1732634712042", "duration": "42000", "origin": "2002@sales",
	}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("stored %v, want %v", fields, want)
	}
	if v := rdb.Get(ctx, "vm:{1001@default}:ver").Val(); v != "1" {
		t.Errorf("version key %q", v)
	}
	if c, err := s.Counts(ctx, mb); err != nil || c != (Counts{New: 1}) {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}

func TestDepositIdempotent(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	mb := mustID(t, "1001")
	m := testMessage(mb, "m1", 0)
	first := deposit(t, s, m)
	// A retry, even with a changed envelope, changes nothing.
	m.CallerName = "Retry"
	again := deposit(t, s, m)
	if again != first || again != (MWI{New: 1, Version: 1}) {
		t.Errorf("second deposit = %+v, first %+v", again, first)
	}
	if ids := messageIDs(t, s, mb, FolderNew); !slices.Equal(ids, []string{"m1"}) {
		t.Errorf("New = %v, want one message", ids)
	}
	got, err := s.Message(testCtx(t), mb, "m1")
	if err != nil || got.CallerName != "Alice Caller" {
		t.Errorf("Message = %+v, %v; want the first envelope", got, err)
	}
	// Still a no-op once the message has moved on to Old.
	if _, err := s.Move(testCtx(t), mb, "m1", FolderOld); err != nil {
		t.Fatal(err)
	}
	if mwi := deposit(t, s, m); mwi != (MWI{New: 0, Old: 1, Version: 2}) {
		t.Errorf("deposit after move = %+v", mwi)
	}
}

func TestDepositFull(t *testing.T) {
	s, rdb := newTestStore(t, Config{MaxMessages: 3})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	for i := range 3 {
		deposit(t, s, testMessage(mb, fmt.Sprint("m", i), int64(i)))
	}
	keys := allKeys(t, rdb)
	mwi, err := s.Deposit(ctx, testMessage(mb, "m3", 3))
	if !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("fourth deposit = %v, want ErrMailboxFull", err)
	}
	if mwi != (MWI{New: 3, Version: 3}) {
		t.Errorf("MWI with the refusal = %+v", mwi)
	}
	if after := allKeys(t, rdb); len(after) != len(keys) {
		t.Errorf("keys %v after a refused deposit, had %v", after, keys)
	}
	if n := rdb.Exists(ctx, messageKey(mb, "m3")).Val(); n != 0 {
		t.Error("refused message has a record")
	}
	if st, _ := s.MWIState(ctx, mb); st != mwi {
		t.Errorf("MWIState = %+v, want %+v (nothing written)", st, mwi)
	}
	// A folder emptied by listening has room again.
	if _, _, err := s.CloseFolder(ctx, mb, FolderNew, []string{"m0"}, nil); err != nil {
		t.Fatal(err)
	}
	if mwi := deposit(t, s, testMessage(mb, "m3", 3)); mwi.New != 3 || mwi.Old != 1 {
		t.Errorf("deposit after room was made = %+v", mwi)
	}
}

func TestDepositInvalidWritesNothing(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	bad := []Message{
		{},
		func() Message { m := testMessage(mb, "m1", 0); m.Recording = "../../etc/passwd"; return m }(),
		func() Message { m := testMessage(mb, "m1", 0); m.ID = "m1:x"; return m }(),
		func() Message { m := testMessage(mb, "m1", 0); m.Mailbox.Context = "{x}"; return m }(),
		func() Message { m := testMessage(mb, "m1", 0); m.Duration = -1; return m }(),
	}
	for i, m := range bad {
		if _, err := s.Deposit(ctx, m); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Deposit(bad %d) = %v, want ErrInvalidMessage", i, err)
		}
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Errorf("%d keys written by invalid deposits", n)
	}
}

func TestDepositCleansCallerID(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	mb := mustID(t, "1001")
	m := testMessage(mb, "m1", 0)
	m.CallerName = "Eve\r\n\x1b[2J" + string(make([]byte, 100))
	m.CallerNum = "123\x00456"
	deposit(t, s, m)
	got, err := s.Message(testCtx(t), mb, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.CallerName != "Eve[2J" || got.CallerNum != "123456" {
		t.Errorf("caller ID stored as %q / %q", got.CallerNum, got.CallerName)
	}
}

// Twenty deposits into one mailbox at once, through five Stores on one
// Redis as five instances would: none lost, none doubled, and every one
// gets its own version, the last of which is the mailbox's.
func TestDepositConcurrent(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	stores := []*Store{s}
	for range 4 {
		stores = append(stores, newStoreOn(t, Config{}, rdb))
	}
	const n = 20
	results := make([]MWI, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			m := testMessage(mb, NewMessageID(time.Now()), int64(i))
			results[i], errs[i] = stores[i%len(stores)].Deposit(ctx, m)
		})
	}
	close(start)
	wg.Wait()
	versions := map[int64]bool{}
	var maxVer int64
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("deposit %d: %v", i, errs[i])
		}
		v := results[i].Version
		if versions[v] {
			t.Errorf("version %d returned twice", v)
		}
		versions[v] = true
		maxVer = max(maxVer, v)
		if results[i].New < 1 || results[i].New > n || results[i].Old != 0 {
			t.Errorf("deposit %d: %+v", i, results[i])
		}
	}
	final, err := s.MWIState(ctx, mb)
	if err != nil {
		t.Fatal(err)
	}
	if final != (MWI{New: n, Old: 0, Version: maxVer}) || maxVer != n {
		t.Errorf("final MWI %+v, max version returned %d; want %d new at version %d", final, maxVer, n, n)
	}
	if ids := messageIDs(t, s, mb, FolderNew); len(ids) != n {
		t.Errorf("%d messages in New, want %d", len(ids), n)
	}
	// The message with the highest version saw every other one.
	for i := range n {
		if results[i].Version == maxVer && results[i].New != n {
			t.Errorf("deposit at version %d saw %d new", maxVer, results[i].New)
		}
	}
}

func TestMessagesOrderAndSkips(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	rdb := redistest.Start(t)
	s, err := New(Config{PINHashCost: 4}, rdb, WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	// Deposited out of order; b and c share a millisecond.
	deposit(t, s, testMessage(mb, "d", 30))
	deposit(t, s, testMessage(mb, "c", 20))
	deposit(t, s, testMessage(mb, "a", 10))
	deposit(t, s, testMessage(mb, "b", 20))
	deposit(t, s, testMessage(mb, "e", 40))
	if ids := messageIDs(t, s, mb, FolderNew); !slices.Equal(ids, []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("New = %v, want oldest first, ties by id", ids)
	}

	// A record deleted after the folder was read is left out silently; a
	// corrupt one with a warning.
	rdb.Del(ctx, messageKey(mb, "b"))
	rdb.HSet(ctx, messageKey(mb, "d"), fieldMsgReceived, "yesterday")
	rdb.ZAdd(ctx, folderKey(mb, FolderNew), zMember(99)) // an id with no record
	rdb.Del(ctx, messageKey(mb, "c"))
	rdb.Set(ctx, messageKey(mb, "c"), "not a hash", 0)
	if ids := messageIDs(t, s, mb, FolderNew); !slices.Equal(ids, []string{"a", "e"}) {
		t.Fatalf("New = %v, want a, e", ids)
	}
	if n := logs.FilterMessage("corrupt message record: skipped").Len(); n != 2 {
		t.Errorf("%d corrupt-record warnings, want 2", n)
	}
	if _, err := s.Message(ctx, mb, "d"); !errors.Is(err, ErrCorruptMessage) {
		t.Errorf("Message(corrupt) = %v, want ErrCorruptMessage", err)
	}

	// Empty folders, unknown mailboxes and bad input.
	if msgs, err := s.Messages(ctx, mb, FolderFriends); err != nil || len(msgs) != 0 {
		t.Errorf("Messages(empty) = %v, %v", msgs, err)
	}
	if msgs, err := s.Messages(ctx, mustID(t, "9999"), FolderNew); err != nil || len(msgs) != 0 {
		t.Errorf("Messages(unknown mailbox) = %v, %v", msgs, err)
	}
	if _, err := s.Messages(ctx, mb, Folder(6)); !errors.Is(err, ErrInvalidFolder) {
		t.Errorf("Messages(folder 6) = %v", err)
	}
	if _, err := s.Messages(ctx, MailboxID{Number: "1001", Context: "../x"}, FolderNew); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("Messages(bad mailbox) = %v", err)
	}
}

func TestMessageErrors(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	if _, err := s.Message(ctx, mb, "m1"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message(unknown) = %v, want ErrMessageNotFound", err)
	}
	if _, err := s.Message(ctx, mb, "../m1"); !errors.Is(err, ErrInvalidMessageID) {
		t.Errorf("Message(bad id) = %v, want ErrInvalidMessageID", err)
	}
	rdb.Set(ctx, messageKey(mb, "m2"), "x", 0)
	if _, err := s.Message(ctx, mb, "m2"); !errors.Is(err, ErrCorruptMessage) {
		t.Errorf("Message(not a hash) = %v, want ErrCorruptMessage", err)
	}
	// A message of another mailbox is not this one's.
	deposit(t, s, testMessage(mustID(t, "1001@sales"), "m3", 0))
	if _, err := s.Message(ctx, mb, "m3"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message(other mailbox's) = %v, want ErrMessageNotFound", err)
	}
}

func TestMove(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxMessages: 3})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	for i, id := range []string{"m1", "m2", "m3"} {
		deposit(t, s, testMessage(mb, id, int64(i)))
	}

	mwi, err := s.Move(ctx, mb, "m2", FolderWork)
	if err != nil {
		t.Fatal(err)
	}
	// Work is in no MWI count: New loses one, Old stays.
	if mwi != (MWI{New: 2, Old: 0, Version: 4}) {
		t.Errorf("Move = %+v, want 2 new, 0 old, version 4", mwi)
	}
	if c, _ := s.Counts(ctx, mb); c != (Counts{New: 2, Work: 1}) {
		t.Errorf("Counts = %+v", c)
	}
	got, err := s.Message(ctx, mb, "m2")
	want := testMessage(mb, "m2", 1)
	want.Folder, want.Origin = FolderWork, "1001@default"
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("moved message = %+v, %v; want %+v (received time kept)", got, err, want)
	}
	if ids := messageIDs(t, s, mb, FolderWork); !slices.Equal(ids, []string{"m2"}) {
		t.Errorf("Work = %v", ids)
	}

	tests := []struct {
		name    string
		msg     string
		to      Folder
		wantErr error
		wantMWI MWI // of the reply, when there is one
	}{
		{"same folder is a no-op", "m2", FolderWork, nil, MWI{New: 2, Old: 0, Version: 4}},
		{"to Old", "m1", FolderOld, nil, MWI{New: 1, Old: 1, Version: 5}},
		{"back to New", "m1", FolderNew, nil, MWI{New: 2, Old: 0, Version: 6}},
		{"unknown message", "m9", FolderOld, ErrMessageNotFound, MWI{}},
		{"bad id", "m/1", FolderOld, ErrInvalidMessageID, MWI{}},
		{"bad folder", "m1", Folder(-1), ErrInvalidFolder, MWI{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mwi, err := s.Move(ctx, mb, tt.msg, tt.to)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Move = %v, want %v", err, tt.wantErr)
			}
			if mwi != tt.wantMWI {
				t.Errorf("Move = %+v, want %+v", mwi, tt.wantMWI)
			}
		})
	}

	t.Run("target full", func(t *testing.T) {
		for _, id := range []string{"m1", "m3"} {
			if _, err := s.Move(ctx, mb, id, FolderWork); err != nil {
				t.Fatal(err)
			}
		}
		deposit(t, s, testMessage(mb, "m4", 4))
		before, _ := s.MWIState(ctx, mb)
		mwi, err := s.Move(ctx, mb, "m4", FolderWork)
		if !errors.Is(err, ErrMailboxFull) || mwi != before {
			t.Fatalf("Move into a full folder = %+v, %v; want ErrMailboxFull and %+v", mwi, err, before)
		}
		if m, _ := s.Message(ctx, mb, "m4"); m.Folder != FolderNew {
			t.Errorf("refused message is in %v", m.Folder)
		}
	})
}

func TestCloseFolder(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	for i, id := range []string{"n1", "n2", "n3", "n4"} {
		deposit(t, s, testMessage(mb, id, int64(i)))
	}
	for i, id := range []string{"w1", "w2"} {
		deposit(t, s, testMessage(mb, id, int64(10+i)))
		if _, err := s.Move(ctx, mb, id, FolderWork); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := s.MWIState(ctx, mb) // 4 new, version 8

	// The caller browsed New: heard n1, n2 and n3, deleted n2 (deletion
	// wins) and w1 (of another folder), and two ids that do not exist.
	removed, mwi, err := s.CloseFolder(ctx, mb, FolderNew,
		[]string{"n1", "n2", "n3", "n1", "gone"},
		[]string{"n2", "w1", "gone2", "n2"})
	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{testMessage(mb, "n2", 0).Recording, testMessage(mb, "w1", 0).Recording}
	if !slices.Equal(removed, wantRemoved) {
		t.Errorf("removed %v, want %v", removed, wantRemoved)
	}
	if want := (MWI{New: 1, Old: 2, Version: before.Version + 1}); mwi != want {
		t.Errorf("MWI %+v, want %+v (one version step)", mwi, want)
	}
	for _, c := range []struct {
		f    Folder
		want []string
	}{
		{FolderNew, []string{"n4"}},
		{FolderOld, []string{"n1", "n3"}},
		{FolderWork, []string{"w2"}},
	} {
		if ids := messageIDs(t, s, mb, c.f); !slices.Equal(ids, c.want) {
			t.Errorf("%v = %v, want %v", c.f, ids, c.want)
		}
	}
	for _, id := range []string{"n2", "w1"} {
		if _, err := s.Message(ctx, mb, id); !errors.Is(err, ErrMessageNotFound) {
			t.Errorf("deleted %s: %v", id, err)
		}
	}
	if m, _ := s.Message(ctx, mb, "n1"); m.Folder != FolderOld || !m.Received.Equal(testMessage(mb, "n1", 0).Received) {
		t.Errorf("heard n1 = %+v", m)
	}

	tests := []struct {
		name          string
		f             Folder
		heard, delete []string
		wantRemoved   int
		wantMWI       MWI
	}{
		{"nothing happened", FolderNew, nil, nil, 0, mwi},
		{"only unknown ids", FolderNew, []string{"x"}, []string{"y"}, 0, mwi},
		{"heard in Work stays", FolderWork, []string{"w2"}, nil, 0, mwi},
		{"heard in Old stays", FolderOld, []string{"n1"}, nil, 0, mwi},
		{"delete from Old", FolderOld, nil, []string{"n3"}, 1, MWI{New: 1, Old: 1, Version: mwi.Version + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed, got, err := s.CloseFolder(ctx, mb, tt.f, tt.heard, tt.delete)
			if err != nil || len(removed) != tt.wantRemoved || got != tt.wantMWI {
				t.Fatalf("CloseFolder = %v, %+v, %v; want %d removed, %+v", removed, got, err, tt.wantRemoved, tt.wantMWI)
			}
		})
	}

	t.Run("invalid input writes nothing", func(t *testing.T) {
		before, _ := s.MWIState(ctx, mb)
		if _, _, err := s.CloseFolder(ctx, mb, FolderNew, []string{"n4"}, []string{"../x"}); !errors.Is(err, ErrInvalidMessageID) {
			t.Errorf("bad deleted id: %v", err)
		}
		if _, _, err := s.CloseFolder(ctx, mb, FolderNew, []string{"n4", "a b"}, nil); !errors.Is(err, ErrInvalidMessageID) {
			t.Errorf("bad heard id: %v", err)
		}
		if _, _, err := s.CloseFolder(ctx, mb, Folder(9), nil, nil); !errors.Is(err, ErrInvalidFolder) {
			t.Errorf("bad folder: %v", err)
		}
		if after, _ := s.MWIState(ctx, mb); after != before {
			t.Errorf("MWI %+v → %+v", before, after)
		}
	})
}

// As close_mailbox does when save_to_folder fails with ERROR_MAX_MSGS, a
// heard message stays in New when Old is full.
func TestCloseFolderOldFull(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxMessages: 2})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	for i, id := range []string{"a", "b"} {
		deposit(t, s, testMessage(mb, id, int64(i)))
	}
	if _, _, err := s.CloseFolder(ctx, mb, FolderNew, []string{"a", "b"}, nil); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"c", "d"} {
		deposit(t, s, testMessage(mb, id, int64(2+i)))
	}
	_, mwi, err := s.CloseFolder(ctx, mb, FolderNew, []string{"c"}, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	// a's deletion made room for c; d was not heard.
	if mwi.New != 1 || mwi.Old != 2 {
		t.Errorf("MWI %+v, want 1 new 2 old", mwi)
	}
	_, mwi, err = s.CloseFolder(ctx, mb, FolderNew, []string{"d"}, nil)
	if err != nil || mwi.New != 1 || mwi.Old != 2 {
		t.Errorf("CloseFolder with Old full = %+v, %v; want d kept in New", mwi, err)
	}
	if ids := messageIDs(t, s, mb, FolderNew); !slices.Equal(ids, []string{"d"}) {
		t.Errorf("New = %v", ids)
	}
}

// Messages makes two round trips whatever the folder's size: ZRANGE for
// the ids, then one pipeline of HGETALLs.
func TestMessagesTwoRoundTrips(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	mb := mustID(t, "1001")
	for i := range 10 {
		deposit(t, s, testMessage(mb, fmt.Sprint("m", i), int64(i)))
	}
	hook := &roundTripHook{}
	rdb.AddHook(hook)
	if ids := messageIDs(t, s, mb, FolderNew); len(ids) != 10 {
		t.Fatalf("%d messages", len(ids))
	}
	if c, p := hook.cmds.Load(), hook.pipelines.Load(); c != 1 || p != 1 {
		t.Errorf("%d lone commands and %d pipelines, want one of each", c, p)
	}
}

// roundTripHook counts the lone ZRANGE/HGETALL commands and the pipelines
// holding one that a client sends (a new connection's handshake also passes
// through the hooks, so other commands are not counted).
type roundTripHook struct {
	cmds, pipelines atomic.Int64
}

// counted reports whether a command is one Messages sends.
func (h *roundTripHook) counted(c redis.Cmder) bool {
	return c.Name() == "zrange" || c.Name() == "hgetall"
}

// DialHook passes dials through.
func (h *roundTripHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts lone commands.
func (h *roundTripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.counted(cmd) {
			h.cmds.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts pipelines.
func (h *roundTripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if slices.ContainsFunc(cmds, h.counted) {
			h.pipelines.Add(1)
		}
		return next(ctx, cmds)
	}
}

func TestDepositKeepsIntroAndCloseReturnsIt(t *testing.T) {
	s, _ := newTestStore(t, Config{PINHashCost: 4})
	ctx := context.Background()
	mb := MailboxID{Number: "1001", Context: "default"}
	m := Message{ID: NewMessageID(time.Now()), Mailbox: mb, Folder: FolderNew, Recording: "voicemail/default/1001/msg/a",
		Intro: "voicemail/default/1001/msg/i", Received: time.Now()}
	if _, err := s.Deposit(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, mb, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Intro != m.Intro {
		t.Fatalf("intro %q, want %q", got.Intro, m.Intro)
	}
	removed, _, err := s.CloseFolder(ctx, mb, FolderNew, nil, []string{m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || removed[0] != m.Recording || removed[1] != m.Intro {
		t.Fatalf("removed %v, want the audio and the introduction", removed)
	}
}
