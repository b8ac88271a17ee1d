package menus

import (
	"errors"
	"fmt"
)

// ErrBadSplit is returned by [Join] when a split state does not fit the
// listing given with it.
var ErrBadSplit = errors.New("menus: split state does not match its listing")

// Marks of a message in [Box.Marks]: '0' plus the sum of these bits.
const (
	markHeard   = 1
	markDeleted = 2
	markMoved   = 4
)

// Split returns the state to save after a step: s.Persistable(t) without
// the browsed folder's listing. Of the folder it keeps the cursor and one
// byte of marks (heard, deleted, moved) per message. The listing, which
// only changes when a folder is loaded (then Box.Listing changes too), is
// saved apart, once per load: [State.FolderListing]. [Join] puts the two
// back together. A folder loaded before listings were numbered
// (Box.Listing 0) is kept whole. s is not modified.
func (s State) Split(t *Tree) State {
	s = s.Persistable(t)
	if s.Box == nil || s.Box.Listing == 0 {
		return s
	}
	b := *s.Box
	marks := make([]byte, len(b.Msgs))
	for i, m := range b.Msgs {
		var k byte
		if m.Heard {
			k |= markHeard
		}
		if m.Deleted {
			k |= markDeleted
		}
		if m.Moved {
			k |= markMoved
		}
		marks[i] = '0' + k
	}
	b.Msgs, b.Marks = nil, string(marks)
	s.Box = &b
	return s
}

// FolderListing returns the listing of the browsed folder that
// [State.Split] leaves out: its messages without the caller's marks. It is
// nil when no folder is loaded, or the folder is kept whole in the split
// state (Box.Listing 0).
func (s State) FolderListing() []MsgInfo {
	if s.Box == nil || s.Box.Listing == 0 {
		return nil
	}
	listing := make([]MsgInfo, len(s.Box.Msgs))
	for i, m := range s.Box.Msgs {
		m.Heard, m.Deleted, m.Moved = false, false, false
		listing[i] = m
	}
	return listing
}

// Join rebuilds the state that [State.Split] split: listing is the
// [State.FolderListing] saved for s.Box.Listing. A state saved whole (no Box, or Box.Listing 0)
// is returned as it is, and listing is ignored. A listing whose length is
// not that of the marks, or a mark that is not one, gives an error wrapping
// ErrBadSplit.
func Join(s State, listing []MsgInfo) (State, error) {
	if s.Box == nil || s.Box.Listing == 0 {
		return s, nil
	}
	b := *s.Box
	if len(b.Marks) != len(listing) {
		return State{}, fmt.Errorf("%w: %d marks, %d messages", ErrBadSplit, len(b.Marks), len(listing))
	}
	msgs := make([]MsgInfo, len(listing))
	for i, m := range listing {
		k := b.Marks[i] - '0'
		if k > markHeard|markDeleted|markMoved {
			return State{}, fmt.Errorf("%w: mark %q", ErrBadSplit, b.Marks[i])
		}
		m.Heard, m.Deleted, m.Moved = k&markHeard != 0, k&markDeleted != 0, k&markMoved != 0
		msgs[i] = m
	}
	if len(msgs) == 0 {
		msgs = nil // As a loaded empty folder has it.
	}
	b.Msgs, b.Marks = msgs, ""
	s.Box = &b
	return s, nil
}
