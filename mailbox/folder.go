package mailbox

import (
	"fmt"
	"strconv"
)

// Folder is a message folder of a mailbox, numbered as in app_voicemail
// (apps/app_voicemail.c, mailbox_folders: INBOX, Old, Work, Family, Friends),
// so that the digit a caller presses to pick a folder is its number. It is
// stored as that number (in Redis and in the saved menu state), so Folder
// has no text encoding of its own. The Urgent folder comes after them: no
// digit picks it (app_voicemail's get_folder2 offers 0 to 9, and numbers
// Urgent 11); urgent messages are deposited into it and played first.
type Folder int

// The folders of a mailbox.
const (
	FolderNew     Folder = 0 // new, unheard messages (app_voicemail's INBOX)
	FolderOld     Folder = 1 // messages listened to
	FolderWork    Folder = 2
	FolderFamily  Folder = 3
	FolderFriends Folder = 4
	// FolderUrgent holds urgent new messages (app_voicemail's Urgent
	// folder): left with the urgent option or marked urgent in the
	// caller's review. They count as new for the message-waiting lamp
	// and move to Old once heard, as New's do.
	FolderUrgent Folder = 5
)

// AllFolders lists every folder in number order.
var AllFolders = [...]Folder{FolderNew, FolderOld, FolderWork, FolderFamily, FolderFriends, FolderUrgent}

// Unheard reports whether f holds messages not listened to yet: New and
// Urgent, which the message-waiting lamp counts as new and whose heard
// messages move to Old (app_voicemail's close_mailbox, moveheard).
func (f Folder) Unheard() bool { return f == FolderNew || f == FolderUrgent }

// folderNames are the names String returns, by folder number.
var folderNames = [...]string{"New", "Old", "Work", "Family", "Friends", "Urgent"}

// String returns the folder's name: "New", "Old", "Work", "Family",
// "Friends" or "Urgent", or "Folder(N)" for a number out of range.
func (f Folder) String() string {
	if f.valid() {
		return folderNames[f]
	}
	return "Folder(" + strconv.Itoa(int(f)) + ")"
}

// Validate reports whether f is one of AllFolders; the error wraps
// ErrInvalidFolder.
func (f Folder) Validate() error {
	if !f.valid() {
		return fmt.Errorf("%w: %d", ErrInvalidFolder, int(f))
	}
	return nil
}

// valid reports whether f is one of AllFolders.
func (f Folder) valid() bool {
	return f >= FolderNew && f <= FolderUrgent
}

// ParseFolder reads the digit a caller pressed to choose a folder, "0" to
// "4". Anything else gives an error wrapping ErrInvalidFolder: no digit
// picks FolderUrgent.
func ParseFolder(digit string) (Folder, error) {
	if len(digit) == 1 && digit[0] >= '0' && digit[0] <= '4' {
		return Folder(digit[0] - '0'), nil
	}
	return 0, fmt.Errorf("%w: %q", ErrInvalidFolder, clip(digit))
}
