package mailbox

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestFolder(t *testing.T) {
	want := []string{"New", "Old", "Work", "Family", "Friends", "Urgent"}
	if len(AllFolders) != len(want) {
		t.Fatalf("AllFolders has %d folders", len(AllFolders))
	}
	for i, f := range AllFolders {
		if int(f) != i {
			t.Errorf("AllFolders[%d] = %d", i, f)
		}
		if f.String() != want[i] {
			t.Errorf("Folder(%d).String() = %q, want %q", i, f, want[i])
		}
	}
	if got := Folder(7).String(); got != "Folder(7)" {
		t.Errorf("Folder(7).String() = %q", got)
	}
	for _, f := range AllFolders {
		if err := f.Validate(); err != nil {
			t.Errorf("%v.Validate() = %v", f, err)
		}
	}
	for _, f := range []Folder{-1, 6, 9, 11, 48} {
		if err := f.Validate(); !errors.Is(err, ErrInvalidFolder) {
			t.Errorf("Folder(%d).Validate() = %v, want ErrInvalidFolder", int(f), err)
		}
	}
	for _, f := range AllFolders {
		if got, want := f.Unheard(), f == FolderNew || f == FolderUrgent; got != want {
			t.Errorf("%v.Unheard() = %v, want %v", f, got, want)
		}
	}
	// Stored as its number (saved menu state, Redis): no text encoding.
	if b, err := json.Marshal(map[string]Folder{"folder": FolderWork}); err != nil || string(b) != `{"folder":2}` {
		t.Errorf("JSON of Work = %s, %v", b, err)
	}
}

func TestParseFolder(t *testing.T) {
	tests := []struct {
		in   string
		want Folder
		ok   bool
	}{
		{"0", FolderNew, true},
		{"1", FolderOld, true},
		{"2", FolderWork, true},
		{"3", FolderFamily, true},
		{"4", FolderFriends, true},
		{"5", 0, false},
		{"9", 0, false},
		{"", 0, false},
		{"00", 0, false},
		{"*", 0, false},
		{"#", 0, false},
		{"a", 0, false},
		{"-1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFolder(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInvalidFolder) {
					t.Fatalf("ParseFolder(%q) = %v, %v; want ErrInvalidFolder", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFolder(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseFolder(f *testing.F) {
	for _, s := range []string{"0", "4", "5", "", "00", "-1", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFolder(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidFolder) {
				t.Fatalf("ParseFolder(%q): %v does not wrap ErrInvalidFolder", s, err)
			}
			return
		}
		if got.Validate() != nil || len(s) != 1 || int(s[0]-'0') != int(got) {
			t.Fatalf("ParseFolder(%q) = %d", s, int(got))
		}
	})
}
