package migrate

import (
	"context"
	"sort"
	"sync"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// fakeStore keeps mailboxes, messages and greetings in memory, as
// ImportStore and ExportStore describe them.
type fakeStore struct {
	mu        sync.Mutex
	boxes     map[mailbox.ID]state.NewMailbox
	messages  map[mailbox.ID]map[string]state.Message
	greetings map[mailbox.ID]map[mailbox.Greeting]string
	notified  map[mailbox.ID]int
}

func newFakeStore() *fakeStore {
	return &fakeStore{boxes: map[mailbox.ID]state.NewMailbox{}, messages: map[mailbox.ID]map[string]state.Message{},
		greetings: map[mailbox.ID]map[mailbox.Greeting]string{}, notified: map[mailbox.ID]int{}}
}

func (s *fakeStore) MailboxExists(_ context.Context, id state.MailboxID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.boxes[id]
	return ok, nil
}

func (s *fakeStore) CreateMailbox(_ context.Context, m state.NewMailbox) (state.Mailbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.boxes[m.ID]; ok {
		return state.Mailbox{}, state.ErrMailboxExists
	}
	s.boxes[m.ID] = m
	return state.Mailbox{ID: m.ID, Name: m.Name, Email: m.Email, Language: m.Language}, nil
}

func (s *fakeStore) Message(_ context.Context, id state.MailboxID, msgID string) (state.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.messages[id][msgID]; ok {
		return m, nil
	}
	return state.Message{}, state.ErrMessageNotFound
}

func (s *fakeStore) ImportMessage(_ context.Context, m state.Message) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.messages[m.Mailbox] == nil {
		s.messages[m.Mailbox] = map[string]state.Message{}
	}
	if _, ok := s.messages[m.Mailbox][m.ID]; ok {
		return false, nil
	}
	s.messages[m.Mailbox][m.ID] = m
	return true, nil
}

func (s *fakeStore) Greetings(_ context.Context, id state.MailboxID) (map[state.GreetingKind]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[state.GreetingKind]string{}
	for k, v := range s.greetings[id] {
		out[k] = v
	}
	return out, nil
}

func (s *fakeStore) SetGreeting(_ context.Context, id state.MailboxID, kind state.GreetingKind, rec string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.greetings[id] == nil {
		s.greetings[id] = map[mailbox.Greeting]string{}
	}
	prev := s.greetings[id][kind]
	s.greetings[id][kind] = rec
	return prev, nil
}

func (s *fakeStore) NotifyMWIChanged(_ context.Context, id state.MailboxID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notified[id]++
	return nil
}

func (s *fakeStore) MailboxIDs(context.Context) ([]state.MailboxID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []state.MailboxID
	for id := range s.boxes {
		out = append(out, id)
	}
	return out, nil
}

func (s *fakeStore) Messages(_ context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []state.Message
	for _, m := range s.messages[id] {
		if m.Folder == f {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

var (
	_ ImportStore = (*fakeStore)(nil)
	_ ExportStore = (*fakeStore)(nil)
)
