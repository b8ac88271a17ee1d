package state

import (
	"errors"
	"reflect"
	"testing"
)

func TestImportMessageIntoAnyFolderWithoutNotifications(t *testing.T) {
	s, rdb := newTestStore(t, Config{MaxMessages: 1})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	// The mailbox has an email address: a deposit would queue a
	// notification, an import must not.
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: mb, Email: "a@example.com", PIN: "1234"}); err != nil {
		t.Fatal(err)
	}
	work := testMessage(mb, "m1", 0)
	work.Folder = FolderWork
	work.Urgent = true
	for _, m := range []Message{work, testMessage(mb, "m2", 1), testMessage(mb, "m3", 2)} {
		done, err := s.ImportMessage(ctx, m)
		if err != nil || !done {
			t.Fatalf("ImportMessage(%s) = %v, %v", m.ID, done, err)
		}
	}
	// Two in New although MaxMessages is 1: app_voicemail took them.
	if ids := messageIDs(t, s, mb, FolderNew); len(ids) != 2 {
		t.Errorf("New = %v, want m2 and m3", ids)
	}
	got, err := s.Message(ctx, mb, "m1")
	work.Origin = mb.String()
	if err != nil || !reflect.DeepEqual(got, work) {
		t.Errorf("Message(m1) = %+v, %v; want %+v", got, err, work)
	}
	if n := rdb.Exists(ctx, outboxKey(mb)).Val(); n != 0 {
		t.Error("an import queued a notification")
	}
	if c, err := s.Counts(ctx, mb); err != nil || c != (Counts{New: 2, Work: 1}) {
		t.Errorf("Counts = %+v, %v", c, err)
	}
	// Again: nothing written.
	if done, err := s.ImportMessage(ctx, work); err != nil || done {
		t.Errorf("second ImportMessage = %v, %v; want false", done, err)
	}
	if v := rdb.Get(ctx, versionKey(mb)).Val(); v != "3" {
		t.Errorf("version %q, want 3", v)
	}
	bad := testMessage(mb, "m4", 3)
	bad.Recording = "../etc/passwd"
	if _, err := s.ImportMessage(ctx, bad); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("bad recording: %v, want ErrInvalidMessage", err)
	}
}
