package menus

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// splitRoundTrip checks that s, split, saved as JSON, read back and joined,
// is s.Persistable(t): what another instance resumes from.
func splitRoundTrip(t *Tree, s State) error {
	menu, listing := s.Split(t), s.FolderListing()
	mb, err := json.Marshal(menu)
	if err != nil {
		return err
	}
	var back State
	if err := json.Unmarshal(mb, &back); err != nil {
		return err
	}
	var lback []MsgInfo
	if listing != nil {
		lb, err := json.Marshal(listing)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(lb, &lback); err != nil {
			return err
		}
	}
	joined, err := Join(back, lback)
	if err != nil {
		return err
	}
	if want := s.Persistable(t); !reflect.DeepEqual(joined, want) {
		return fmt.Errorf("split state does not join back:\n got %+v\nwant %+v", joined, want)
	}
	return nil
}

func TestSplitKeepsListingOutOfTheState(t *testing.T) {
	tree := newEngine(t).Tree()
	msgs := []MsgInfo{
		{ID: "m1", Recording: "vm/1", CallerNum: "2001", Received: 1, Duration: 3, Heard: true},
		{ID: "m2", Recording: "vm/2", CallerName: "Bob", Deleted: true, Moved: true},
		{ID: "m3", Recording: "vm/3", Intro: "vm/3i"},
	}
	s := State{Channel: "ch", Menu: MenuMessage, Box: &Box{Folder: 1, Msgs: msgs, Cur: 1, Now: 7, Listing: 2}}
	menu, listing := s.Split(tree), s.FolderListing()
	if menu.Box.Msgs != nil || menu.Box.Marks != "160" {
		t.Errorf("split box %+v, want no messages and marks 160", menu.Box)
	}
	if len(listing) != 3 || listing[0].Heard || listing[1].Deleted || listing[1].Moved || listing[2].ID != "m3" {
		t.Errorf("listing %+v", listing)
	}
	if !s.Box.Msgs[0].Heard || s.Box.Marks != "" {
		t.Error("Split modified its state")
	}
	b, _ := json.Marshal(menu)
	if strings.Contains(string(b), "vm/1") {
		t.Errorf("split state holds the listing: %s", b)
	}
	if err := splitRoundTrip(tree, s); err != nil {
		t.Error(err)
	}

	// A state saved whole (before listings were numbered) joins as is.
	old := State{Channel: "ch", Box: &Box{Msgs: msgs, Cur: 0}}
	if m, l := old.Split(tree), old.FolderListing(); l != nil || len(m.Box.Msgs) != 3 {
		t.Errorf("unnumbered listing split: %+v, %v", m.Box, l)
	}
	if err := splitRoundTrip(tree, old); err != nil {
		t.Error(err)
	}

	for _, bad := range []struct {
		marks string
		n     int
	}{{"16", 3}, {"1608", 4}, {"", 1}} {
		_, err := Join(State{Box: &Box{Listing: 1, Marks: bad.marks}}, make([]MsgInfo, bad.n))
		if !errors.Is(err, ErrBadSplit) {
			t.Errorf("Join(marks %q, %d messages) = %v, want ErrBadSplit", bad.marks, bad.n, err)
		}
	}
}
