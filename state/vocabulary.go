package state

import (
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// The mailbox vocabulary moved to package mailbox. The names below forward
// to it so that code written against the old names keeps compiling; they
// are the same types and values, not copies.

// DefaultContext is the mailbox context used when a mailbox id names none.
//
// Deprecated: use mailbox.DefaultContext.
const DefaultContext = mailbox.DefaultContext

// MailboxID names a mailbox: a number within a voicemail context.
//
// Deprecated: use mailbox.ID.
type MailboxID = mailbox.ID

// ParseMailbox parses "1001" or "1001@sales"; errors wrap ErrInvalidMailbox.
//
// Deprecated: use mailbox.ParseID.
func ParseMailbox(s string) (MailboxID, error) { return mailbox.ParseID(s) }

// Folder is a message folder of a mailbox.
//
// Deprecated: use mailbox.Folder.
type Folder = mailbox.Folder

// The folders of a mailbox.
//
// Deprecated: use mailbox.FolderNew and the others.
const (
	FolderNew     = mailbox.FolderNew
	FolderOld     = mailbox.FolderOld
	FolderWork    = mailbox.FolderWork
	FolderFamily  = mailbox.FolderFamily
	FolderFriends = mailbox.FolderFriends
	FolderUrgent  = mailbox.FolderUrgent
)

// AllFolders lists every folder in number order.
//
// Deprecated: use mailbox.AllFolders.
var AllFolders = mailbox.AllFolders

// ParseFolder reads the digit a caller pressed to choose a folder.
//
// Deprecated: use mailbox.ParseFolder.
func ParseFolder(digit string) (Folder, error) { return mailbox.ParseFolder(digit) }

// GreetingKind names one of a mailbox's recorded greetings.
//
// Deprecated: use mailbox.Greeting.
type GreetingKind = mailbox.Greeting

// The greetings a mailbox owner can record.
//
// Deprecated: use mailbox.GreetingUnavail and the others.
const (
	GreetingUnavail = mailbox.GreetingUnavail
	GreetingBusy    = mailbox.GreetingBusy
	GreetingTemp    = mailbox.GreetingTemp
	GreetingName    = mailbox.GreetingName
)

// AllGreetingKinds lists every greeting kind.
//
// Deprecated: use mailbox.AllGreetings.
var AllGreetingKinds = mailbox.AllGreetings

// NewMessageID returns a fresh message id as a string.
//
// Deprecated: use mailbox.NewMessageID.
func NewMessageID(now time.Time) string { return string(mailbox.NewMessageID(now)) }

// ValidateMessageID reports whether id is a well-formed message id; the
// error wraps ErrInvalidMessageID.
//
// Deprecated: use mailbox.ParseMessageID or mailbox.MessageID.Validate.
func ValidateMessageID(id string) error { return mailbox.MessageID(id).Validate() }
