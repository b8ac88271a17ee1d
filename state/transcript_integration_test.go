package state

import (
	"errors"
	"strings"
	"testing"
)

func TestSetTranscript(t *testing.T) {
	s, rdb := newTestStore(t, Config{PINHashCost: 4})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	deposit(t, s, testMessage(mb, "a", 10))
	if err := s.SetTranscript(ctx, mb, "a", "please  call\x00 me\nback"); err != nil {
		t.Fatal(err)
	}
	m, err := s.Message(ctx, mb, "a")
	if err != nil {
		t.Fatal(err)
	}
	if m.Transcript != "please call me back" {
		t.Errorf("Transcript = %q", m.Transcript)
	}
	// Long text is cut; a deleted message is not brought back.
	if err := s.SetTranscript(ctx, mb, "a", strings.Repeat("é", MaxTranscript)); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message(ctx, mb, "a"); len(m.Transcript) > MaxTranscript || !strings.HasPrefix(m.Transcript, "éé") || strings.ContainsRune(m.Transcript, '\uFFFD') {
		t.Errorf("long transcript: %d bytes", len(m.Transcript))
	}
	if err := s.SetTranscript(ctx, mb, "gone", "text"); !errors.Is(err, ErrMessageNotFound) {
		t.Fatalf("a missing message: %v", err)
	}
	if n, _ := rdb.Exists(ctx, messageKey(mb, "gone")).Result(); n != 0 {
		t.Fatal("a transcript created a message record")
	}
}
