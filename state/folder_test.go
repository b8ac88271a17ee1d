package state

import (
	"errors"
	"testing"
)

func TestFolder(t *testing.T) {
	want := []string{"New", "Old", "Work", "Family", "Friends"}
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
