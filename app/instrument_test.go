package app

import (
	"context"
	"slices"
	"testing"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/state"
)

// listingStore is a MessageStore that lists a folder from given ids, and
// says which way it was asked.
type listingStore struct {
	call.MessageStore
	asked []string
}

func (s *listingStore) Messages(context.Context, state.MailboxID, state.Folder) ([]state.Message, error) {
	s.asked = append(s.asked, "Messages")
	return nil, nil
}

func (s *listingStore) MessagesListed(_ context.Context, _ state.MailboxID, _ state.Folder, ids []string) ([]state.Message, error) {
	s.asked = append(s.asked, "MessagesListed")
	msgs := make([]state.Message, len(ids))
	for i, id := range ids {
		msgs[i].ID = id
	}
	return msgs, nil
}

// stoppingRecorder is a Recorder that can stop a live recording.
type stoppingRecorder struct {
	call.Recorder
	stopped []string
}

func (r *stoppingRecorder) StopRecording(_ context.Context, name string) error {
	r.stopped = append(r.stopped, name)
	return nil
}

// TestInstrumentKeepsWhatTheStoresCan: the counting wrappers pass on the
// optional interfaces the call looks for, so that instrumenting a store
// does not turn off what it can do. (The login's folder listing was
// lost so: every login listed its first folder again, a Redis round trip
// more before "you have".)
func TestInstrumentKeepsWhatTheStoresCan(t *testing.T) {
	store, rec := &listingStore{}, &stoppingRecorder{}
	deps := call.Deps{Messages: store, Recorder: rec}
	newMetrics(func() int { return 0 }).instrument(&deps)

	lr, ok := deps.Messages.(call.ListedReader)
	if !ok {
		t.Fatalf("instrumented messages %T hide MessagesListed", deps.Messages)
	}
	msgs, err := lr.MessagesListed(context.Background(), state.MailboxID{Number: "1001", Context: "default"}, state.FolderNew, []string{"m1", "m2"})
	if err != nil || len(msgs) != 2 || msgs[1].ID != "m2" {
		t.Fatalf("listed: %v %v", msgs, err)
	}
	if !slices.Equal(store.asked, []string{"MessagesListed"}) {
		t.Errorf("the store was asked %v, want the listing", store.asked)
	}

	rs, ok := deps.Recorder.(call.RecordingStopper)
	if !ok {
		t.Fatalf("instrumented recorder %T hides StopRecording", deps.Recorder)
	}
	if err := rs.StopRecording(context.Background(), "r1"); err != nil || !slices.Equal(rec.stopped, []string{"r1"}) {
		t.Errorf("stop: %v, stopped %v", err, rec.stopped)
	}
}
