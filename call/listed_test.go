package call

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// listingStore is a fakeStore that also lists from ids read before
// (ListedReader), and records which way each folder was read.
type listingStore struct {
	*fakeStore
	reads []string
}

func (l *listingStore) Messages(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error) {
	l.reads = append(l.reads, "afresh")
	return l.fakeStore.Messages(ctx, id, f)
}

func (l *listingStore) MessagesListed(_ context.Context, _ state.MailboxID, f state.Folder, ids []string) ([]state.Message, error) {
	l.reads = append(l.reads, "listed "+f.String()+" "+strconv.Itoa(len(ids)))
	var out []state.Message
	for _, id := range ids {
		out = append(out, state.Message{ID: id, Folder: f})
	}
	return out, nil
}

// TestListFolderUsesTheLoginsListing: the folder load right after a login
// lists the ids the login read with its counts, once, for the same
// mailbox and while fresh; any other load reads the folder afresh.
func TestListFolderUsesTheLoginsListing(t *testing.T) {
	box := state.MailboxID{Number: "1001", Context: "default"}
	other := state.MailboxID{Number: "1002", Context: "default"}
	listed := map[state.Folder][]string{state.FolderNew: {"a", "b"}, state.FolderOld: {}, state.FolderUrgent: {}}
	for _, tt := range []struct {
		name    string
		age     time.Duration
		load    state.MailboxID
		folders []state.Folder
		want    []string
	}{
		{"fresh, New", 0, box, []state.Folder{state.FolderNew, state.FolderNew}, []string{"listed New 2", "afresh"}},
		{"fresh, Old (listed empty)", 0, box, []state.Folder{state.FolderOld}, []string{"listed Old 0"}},
		{"a folder the login did not list", 0, box, []state.Folder{state.FolderWork}, []string{"afresh"}},
		{"stale", listedFresh + time.Second, box, []state.Folder{state.FolderNew}, []string{"afresh"}},
		{"another mailbox", 0, other, []state.Folder{state.FolderNew}, []string{"afresh"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, fs, _ := newTestCall(t)
			ls := &listingStore{fakeStore: fs}
			c.deps.messages = ls
			c.listed = &loginListing{mailbox: box, ids: listed, at: time.Now().Add(-tt.age)}
			for _, f := range tt.folders {
				if _, err := c.listFolder(t.Context(), tt.load, f); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(ls.reads, tt.want) {
				t.Errorf("reads %q, want %q", ls.reads, tt.want)
			}
			if c.listed != nil {
				t.Errorf("the login's listing kept after a load")
			}
		})
	}
}

// TestCloseFolderClearsTheStatesClose: once the folder close the state
// keeps for a successor (menus.State.Closing) is done, or given up, the
// call clears it, so that sessions saved from then on do not ask for it
// again (a close given up and done later could delete a message the
// caller has since saved elsewhere); another close leaves it.
func TestCloseFolderClearsTheStatesClose(t *testing.T) {
	box := state.MailboxID{Number: "1001", Context: "default"}
	pending := &menus.Closing{Folder: state.FolderNew, Heard: []string{"m2"}, Deleted: []string{"m1"}, Recordings: []string{"r1"}}
	cmd := menus.Cmd{Kind: menus.CmdCloseFolder, Mailbox: box, Folder: state.FolderNew, Heard: []string{"m2"}, Deleted: []string{"m1"}, Recordings: []string{"r1"}}
	for _, tt := range []struct {
		name    string
		cmd     menus.Cmd
		fail    error
		cleared bool
	}{
		{"done", cmd, nil, true},
		{"another close", menus.Cmd{Kind: menus.CmdCloseFolder, Mailbox: box, Folder: state.FolderOld, Deleted: []string{"m9"}}, nil, false},
		{"given up", cmd, state.ErrMailboxNotFound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, fs, _ := newTestCall(t)
			if tt.fail != nil {
				fs.closeErrs = []error{tt.fail}
			}
			c.s.Closing = pending
			c.closeFolder(t.Context(), tt.cmd)
			if cleared := c.s.Closing == nil; cleared != tt.cleared {
				t.Errorf("Closing cleared %v, want %v", cleared, tt.cleared)
			}
		})
	}
}
