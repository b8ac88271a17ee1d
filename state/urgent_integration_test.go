package state

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// An urgent message goes into the Urgent folder, lights the lamp as a new
// one does, and moves to Old once heard (app_voicemail's U option,
// close_mailbox with moveheard).
func TestUrgentDepositHeardMovesToOld(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	deposit(t, s, testMessage(mb, "m1", 0))
	u := testMessage(mb, "m2", 1)
	u.Urgent = true
	mwi := deposit(t, s, u)
	if mwi.New != 2 || mwi.Old != 0 || mwi.Version != 2 {
		t.Fatalf("MWI after an urgent deposit = %+v, want 2 new (New and Urgent)", mwi)
	}
	if got := messageIDs(t, s, mb, FolderUrgent); !slices.Equal(got, []string{"m2"}) {
		t.Errorf("Urgent holds %v", got)
	}
	if got := messageIDs(t, s, mb, FolderNew); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("New holds %v", got)
	}
	m, err := s.Message(ctx, mb, "m2")
	if err != nil || m.Folder != FolderUrgent || !m.Urgent {
		t.Fatalf("Message(m2) = %+v, %v", m, err)
	}
	if f := rdb.HGet(ctx, messageKey(mb, "m2"), fieldMsgFolder).Val(); f != "5" {
		t.Errorf("folder field %q, want 5", f)
	}
	c, err := s.Counts(ctx, mb)
	if err != nil || c.New != 1 || c.Urgent != 1 || c.Waiting() != 2 {
		t.Errorf("Counts = %+v, %v", c, err)
	}
	if st, err := s.MWIState(ctx, mb); err != nil || st != mwi {
		t.Errorf("MWIState = %+v, %v; want %+v", st, err, mwi)
	}
	// Depositing into Urgent by folder says the same.
	byFolder := testMessage(mb, "m3", 2)
	byFolder.Folder = FolderUrgent
	if mwi := deposit(t, s, byFolder); mwi.New != 3 {
		t.Errorf("MWI after a deposit into Urgent = %+v", mwi)
	}
	if m, _ := s.Message(ctx, mb, "m3"); !m.Urgent || m.Folder != FolderUrgent {
		t.Errorf("deposit by folder: %+v", m)
	}

	// Heard in Urgent: to Old, still marked urgent; deleted: gone.
	removed, mwi, err := s.CloseFolder(ctx, mb, FolderUrgent, []string{"m2"}, []string{"m3"})
	if err != nil {
		t.Fatal(err)
	}
	if mwi.New != 1 || mwi.Old != 1 || len(removed) != 1 {
		t.Errorf("close Urgent: removed %v, %+v", removed, mwi)
	}
	if got := messageIDs(t, s, mb, FolderOld); !slices.Equal(got, []string{"m2"}) {
		t.Errorf("Old holds %v", got)
	}
	if m, _ := s.Message(ctx, mb, "m2"); m.Folder != FolderOld || !m.Urgent {
		t.Errorf("heard urgent message: %+v", m)
	}
	if n := rdb.ZCard(ctx, folderKey(mb, FolderUrgent)).Val(); n != 0 {
		t.Errorf("Urgent holds %d after close", n)
	}
}

// The Urgent folder has its own maxmsg limit, as leave_voicemail counts the
// destination folder.
func TestUrgentDepositFull(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxMessages: 2})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	for i := range 2 {
		m := testMessage(mb, fmt.Sprint("u", i), int64(i))
		m.Urgent = true
		deposit(t, s, m)
	}
	m := testMessage(mb, "u2", 2)
	m.Urgent = true
	if _, err := s.Deposit(ctx, m); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("third urgent deposit = %v, want ErrMailboxFull", err)
	}
	if mwi := deposit(t, s, testMessage(mb, "n0", 3)); mwi.New != 3 {
		t.Errorf("a plain deposit beside a full Urgent = %+v", mwi)
	}
	bad := testMessage(mb, "x", 4)
	bad.Folder = FolderOld
	if _, err := s.Deposit(ctx, bad); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("deposit into Old = %v", err)
	}
}

// Move, repair, delete after email and deleting the mailbox see the Urgent
// folder like the others.
func TestUrgentFolderInEveryScript(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	m := testMessage(mb, "m1", 0)
	m.Urgent = true
	deposit(t, s, m)

	mwi, err := s.Move(ctx, mb, "m1", FolderWork)
	if err != nil || mwi.New != 0 {
		t.Fatalf("Move to Work = %+v, %v", mwi, err)
	}
	if mwi, err = s.Move(ctx, mb, "m1", FolderUrgent); err != nil || mwi.New != 1 {
		t.Fatalf("Move back to Urgent = %+v, %v", mwi, err)
	}
	if got := messageIDs(t, s, mb, FolderUrgent); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("Urgent holds %v after the moves", got)
	}
	if n := rdb.ZCard(ctx, folderKey(mb, FolderWork)).Val(); n != 0 {
		t.Errorf("Work still holds %d", n)
	}

	// A record whose folder field is wrong is set from the folder listing it.
	rdb.HSet(ctx, messageKey(mb, "m1"), fieldMsgFolder, "2")
	done, mwi, err := s.RepairMessage(ctx, mb, "m1", RepairRefolder, "")
	if err != nil || !done || mwi.New != 1 {
		t.Fatalf("refolder = %v, %+v, %v", done, mwi, err)
	}
	if f := rdb.HGet(ctx, messageKey(mb, "m1"), fieldMsgFolder).Val(); f != "5" {
		t.Errorf("folder field %q after refolder", f)
	}
	// A stray id in Urgent is dropped.
	rdb.ZAdd(ctx, folderKey(mb, FolderUrgent), redis.Z{Score: 5, Member: "m9"})
	if done, mwi, err := s.RepairMessage(ctx, mb, "m9", RepairStrayID, ""); err != nil || !done || mwi.New != 1 {
		t.Errorf("stray id = %v, %+v, %v", done, mwi, err)
	}

	// Delete after email removes it from Urgent.
	provisionNotified(t, s, mb, "", NotifySettings{})
	m2 := testMessage(mb, "m2", 1)
	m2.Urgent = true
	deposit(t, s, m2)
	ns := takeAll(t, s, mb, "a", time.Minute)
	if len(ns) != 1 || !ns[0].Urgent {
		t.Fatalf("took %+v, want one urgent notification", ns)
	}
	res, err := s.NotificationSent(ctx, ns[0], true)
	if err != nil || !res.Deleted || res.MWI.New != 1 {
		t.Fatalf("NotificationSent with delete = %+v, %v", res, err)
	}
	if got := messageIDs(t, s, mb, FolderUrgent); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("Urgent holds %v after delete after email", got)
	}

	// Deleting the mailbox takes the Urgent folder with it.
	audio, _, err := s.DeleteMailbox(ctx, mb)
	if err != nil || !slices.Contains(audio, m.Recording) {
		t.Fatalf("DeleteMailbox = %v, %v", audio, err)
	}
	if n := rdb.Exists(ctx, folderKey(mb, FolderUrgent), messageKey(mb, "m1")).Val(); n != 0 {
		t.Errorf("%d keys of the Urgent folder left", n)
	}
}
