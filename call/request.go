package call

import (
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Request is what the dialplan asked a call for, parsed from the Stasis
// arguments (docs/dialplan.md).
type Request struct {
	// Mode is "main", "deposit", "directory" or "info".
	Mode string
	// Mailbox is the mailbox named by the dialplan; zero to ask for it.
	Mailbox state.MailboxID
	// HasMailbox is set when Mailbox was given.
	HasMailbox bool
	// Greeting is "unavail" or "busy" for deposits.
	Greeting string
	// Urgent leaves the message urgent (deposit,MAILBOX,GREETING,urgent:
	// app_voicemail's U option): it goes into the Urgent folder.
	Urgent bool
	// Context is the voicemail context the directory offers.
	Context string
	// DirBy and SayExten are the directory's options: which name is
	// spelled, and whether extensions are read.
	DirBy    menus.DirectoryBy
	SayExten bool
}
