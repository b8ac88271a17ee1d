package state

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// A message deleted to the trash leaves its folder and the counts, keeps
// its record and audio, cannot be moved or read as a folder's, comes back
// to the folder it left, and is purged for good with its audio returned.
func TestTrashDeleteRestorePurge(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "1001@default")
	deposit(t, s, testMessage(id, "m1", 1))
	deposit(t, s, testMessage(id, "m2", 2))
	if _, err := s.Move(ctx, id, "m2", FolderWork); err != nil {
		t.Fatal(err)
	}

	mwi, err := s.TrashMessage(ctx, id, "m1")
	if err != nil || mwi.New != 0 {
		t.Fatalf("TrashMessage = %+v, %v; want New 0", mwi, err)
	}
	if _, err := s.TrashMessage(ctx, id, "m1"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("second delete: %v, want ErrMessageNotFound", err)
	}
	if _, err := s.Message(ctx, id, "m1"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message of a trashed message: %v, want ErrMessageNotFound", err)
	}
	if _, err := s.Move(ctx, id, "m1", FolderOld); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Move of a trashed message: %v, want ErrMessageNotFound", err)
	}
	if got := messageIDs(t, s, id, FolderNew); len(got) != 0 {
		t.Errorf("New after the delete: %v", got)
	}
	if _, err := s.TrashMessage(ctx, id, "m2"); err != nil {
		t.Fatal(err)
	}
	trash, err := s.Trash(ctx, id)
	if err != nil || len(trash) != 2 {
		t.Fatalf("Trash = %v, %v; want 2 messages", trash, err)
	}
	if trash[0].ID != "m2" || trash[0].Folder != FolderWork || trash[0].Deleted.IsZero() || trash[1].ID != "m1" {
		t.Errorf("Trash = %+v; want m2 (from Work, deleted last) then m1", trash)
	}
	pl, err := s.MessagePlacement(ctx, id, "m1")
	if err != nil || !pl.Record || !pl.Trashed || len(pl.Folders) != 0 {
		t.Errorf("placement of a trashed message %+v, %v", pl, err)
	}
	// fsck's stray-record repair leaves a trashed record alone.
	if done, _, err := s.RepairMessage(ctx, id, "m1", RepairStrayRecord, ""); err != nil || done {
		t.Errorf("stray-record repair of a trashed message: done %v, %v; want left alone", done, err)
	}

	f, mwi, err := s.RestoreMessage(ctx, id, "m1")
	if err != nil || f != FolderNew || mwi.New != 1 {
		t.Fatalf("RestoreMessage = %v, %+v, %v; want New, New 1", f, mwi, err)
	}
	m, err := s.Message(ctx, id, "m1")
	if err != nil || !m.Deleted.IsZero() || m.Folder != FolderNew {
		t.Errorf("restored message %+v, %v", m, err)
	}
	if _, _, err := s.RestoreMessage(ctx, id, "m1"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("second restore: %v, want ErrMessageNotFound", err)
	}

	// The janitor's purge: only what was deleted at or before the cutoff.
	due, err := s.TrashedBefore(ctx, id, time.Now().Add(-time.Hour))
	if err != nil || len(due) != 0 {
		t.Errorf("TrashedBefore an hour ago = %v, %v; want none", due, err)
	}
	due, err = s.TrashedBefore(ctx, id, time.Now().Add(time.Minute))
	if err != nil || !slices.Equal(due, []string{"m2"}) {
		t.Fatalf("TrashedBefore now = %v, %v; want [m2]", due, err)
	}
	n, removed, err := s.PurgeTrash(ctx, id, time.Now().Add(-time.Hour), due...)
	if err != nil || n != 0 || len(removed) != 0 {
		t.Errorf("purge past an earlier cutoff = %d, %v, %v; want nothing", n, removed, err)
	}
	n, removed, err = s.PurgeTrash(ctx, id, time.Time{}, "m2", "m1")
	if err != nil || n != 1 || !slices.Equal(removed, []string{"voicemail/default/1001/msg/m2"}) {
		t.Errorf("purge = %d, %v, %v; want m2's audio", n, removed, err)
	}
	if trash, _ := s.Trash(ctx, id); len(trash) != 0 {
		t.Errorf("trash after the purge %+v", trash)
	}
	if _, err := s.Message(ctx, id, "m1"); err != nil {
		t.Errorf("m1, restored, was purged: %v", err)
	}
}

// A restore into a full folder is refused and leaves the message in the
// trash; deleting the mailbox deletes its trash and returns its audio.
func TestTrashRestoreFullAndMailboxDelete(t *testing.T) {
	s, rdb := newTestStore(t, Config{MaxMessages: 1})
	ctx := testCtx(t)
	id := mustID(t, "1002@default")
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: id, Name: "Bob", PIN: "2580"}); err != nil {
		t.Fatal(err)
	}
	deposit(t, s, testMessage(id, "m1", 1))
	if _, err := s.TrashMessage(ctx, id, "m1"); err != nil {
		t.Fatal(err)
	}
	deposit(t, s, testMessage(id, "m2", 2))
	if _, _, err := s.RestoreMessage(ctx, id, "m1"); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("restore into a full New: %v, want ErrMailboxFull", err)
	}
	if trash, _ := s.Trash(ctx, id); len(trash) != 1 {
		t.Errorf("trash after a refused restore: %+v", trash)
	}
	audio, _, err := s.DeleteMailbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(audio, "voicemail/default/1002/msg/m1") || !slices.Contains(audio, "voicemail/default/1002/msg/m2") {
		t.Errorf("audio of the deleted mailbox %v; want m1 (trash) and m2", audio)
	}
	for _, k := range allKeys(t, rdb) {
		if k == trashKey(id) || k == messageKey(id, "m1") {
			t.Errorf("key %s left after the mailbox was deleted", k)
		}
	}
}

// A mailbox's own maxmsg bounds every folder a message is filed into, not
// only the deposit's: a move (9 on the phone, the web page, the admin
// API), the heard messages' move to Old when a folder is closed, and a
// restore from the trash, as app_voicemail's save_to_folder checks
// vmu->maxmsg. The system's limit (100 here) would let all of them pass.
func TestFolderLimitsFollowTheMailboxMaxmsg(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxMessages: 100})
	ctx := testCtx(t)
	id := mustID(t, "1003@default")
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: id, Name: "Cy", PIN: "2580", Options: Options{MaxMessages: new(2)}}); err != nil {
		t.Fatal(err)
	}
	for i, m := range []string{"n1", "n2"} {
		deposit(t, s, testMessage(id, m, int64(i)))
	}
	if _, err := s.Deposit(ctx, testMessage(id, "n3", 3)); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("third deposit into a maxmsg 2 mailbox: %v, want ErrMailboxFull", err)
	}
	for _, m := range []string{"n1", "n2"} {
		if _, err := s.Move(ctx, id, m, FolderWork); err != nil {
			t.Fatalf("move %s to Work: %v", m, err)
		}
	}
	for i, m := range []string{"n3", "n4"} {
		deposit(t, s, testMessage(id, m, int64(3+i)))
	}

	// Move: Work holds 2.
	before, _ := s.MWIState(ctx, id)
	if mwi, err := s.Move(ctx, id, "n3", FolderWork); !errors.Is(err, ErrMailboxFull) || mwi != before {
		t.Fatalf("move into a Work holding maxmsg 2 = %+v, %v; want ErrMailboxFull and %+v", mwi, err, before)
	}
	if m, _ := s.Message(ctx, id, "n3"); m.Folder != FolderNew {
		t.Errorf("refused message is in %v, want New", m.Folder)
	}

	// Close: n3 and n4 heard; Old has room for both, then for none.
	if _, _, err := s.CloseFolder(ctx, id, FolderNew, []string{"n3", "n4"}, nil); err != nil {
		t.Fatal(err)
	}
	deposit(t, s, testMessage(id, "n5", 5))
	if _, _, err := s.CloseFolder(ctx, id, FolderNew, []string{"n5"}, nil); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counts(ctx, id); c != (Counts{New: 1, Old: 2, Work: 2}) {
		t.Errorf("counts after closing New with Old at maxmsg = %+v, want n5 kept in New", c)
	}

	// Restore: n1 left Work, which is full again by the time it comes back.
	if _, err := s.TrashMessage(ctx, id, "n1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Move(ctx, id, "n5", FolderWork); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RestoreMessage(ctx, id, "n1"); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("restore into a Work holding maxmsg 2: %v, want ErrMailboxFull", err)
	}
	if trash, _ := s.Trash(ctx, id); len(trash) != 1 || trash[0].ID != "n1" {
		t.Errorf("trash after a refused restore: %+v", trash)
	}

	// Raised to 3, the same restore goes through.
	if _, err := s.UpdateMailbox(ctx, id, MailboxUpdate{Options: Options{MaxMessages: new(3)}}); err != nil {
		t.Fatal(err)
	}
	if f, _, err := s.RestoreMessage(ctx, id, "n1"); err != nil || f != FolderWork {
		t.Fatalf("restore after maxmsg 3 = %v, %v; want Work", f, err)
	}
}
