package menus

import "github.com/clusterpbx/voicemail/mailbox"

// EventKind names what happened.
type EventKind string

// The events the engine understands.
const (
	// EvStart: the call entered the app; Event.Start says how.
	EvStart EventKind = "start"
	// EvDigit: the caller pressed Event.Digit.
	EvDigit EventKind = "digit"
	// EvPromptDone: the playback Event.ID ended (finished, stopped or failed).
	EvPromptDone EventKind = "prompt_done"
	// EvTimeout: the timer of generation Event.Gen fired.
	EvTimeout EventKind = "timeout"
	// EvLogin: the result of a [CmdAuthenticate], in Event.Login.
	EvLogin EventKind = "login"
	// EvHangup: the channel left the app; nothing more can be played.
	EvHangup EventKind = "hangup"
	// EvHangupRequest: the caller hung up; the channel is still in the app
	// until its recording (if any) is finished.
	EvHangupRequest EventKind = "hangup_request"
	// EvRecorded: the recording of a CmdRecord ended, in Event.Recorded.
	EvRecorded EventKind = "recorded"
	// EvTakeNamed: the name of the take a CmdNameTake asked for, in
	// Event.Name.
	EvTakeNamed EventKind = "take_named"
	// EvSaved: the result of a CmdSaveMessage, in Event.Saved.
	EvSaved EventKind = "saved"
	// EvFolder: the messages of a CmdLoadFolder, in Event.Folder.
	EvFolder EventKind = "folder"
	// EvMoved: the result of a CmdMove, in Event.Saved.
	EvMoved EventKind = "moved"
	// EvDone: the result of a mailbox change (CmdSetGreeting,
	// CmdClearGreeting, CmdSetPIN, CmdForward), in Event.Saved.
	EvDone EventKind = "done"
	// EvMailbox: the result of a CmdPrepareDeposit, in Event.Target.
	EvMailbox EventKind = "mailbox"
	// EvDirectory: the mailboxes a CmdDirectory read, in Event.Directory.
	EvDirectory EventKind = "directory"
	// EvResume: this instance took the call over from another one (which
	// died or is stopping), with the state that one saved; whatever it was
	// playing is gone.
	EvResume EventKind = "resume"
	// EvFinish: this instance took the call over from another one, with
	// the state that one saved, and the call's channel is gone: the call
	// ends as at EvHangup, and work that state shows under way, whose
	// outcome went with the other instance, is done again.
	EvFinish EventKind = "finish"
)

// Mode is what the dialplan asked for (the first Stasis argument).
type Mode string

// The modes of the dialplan contract (docs/dialplan.md).
const (
	// ModeMain is VoiceMailMain: log in and manage a mailbox.
	ModeMain Mode = "main"
	// ModeDeposit is VoiceMail: leave a message.
	ModeDeposit Mode = "deposit"
	// ModeDirectory is Directory: dial by name.
	ModeDirectory Mode = "directory"
)

// Start describes a new call.
type Start struct {
	// Mode is the first Stasis argument.
	Mode Mode
	// Mailbox is the mailbox named by the dialplan, the zero ID to ask for
	// it.
	Mailbox mailbox.ID
	// Own is the caller's own mailbox, when the mailbox is asked for: an
	// empty entry (or silence) at vm-login logs in to it, as
	// app_voicemail's vm_authenticate takes the caller ID number, and a
	// typed number is taken in its context. The zero ID: none.
	Own mailbox.ID
	// Lang is the channel's language, used until a mailbox's own is known.
	Lang string
	// Deposit describes the message to leave, in ModeDeposit.
	Deposit *Deposit
	// Directory describes the search, in ModeDirectory: its Context, By
	// and SayExten.
	Directory *Directory
	// Key names the call, uniquely (the app makes it: a fresh message id
	// will do). What the call writes that must come out the same when it
	// is written again by an instance that resumes or finishes the call
	// is named from it: a forward's copies (Forward.Key). Empty: such
	// writes get fresh names each time.
	Key string
}

// LoginResult is the outcome of a password check.
type LoginResult struct {
	// OK is set when the mailbox exists and the password matched.
	OK bool
	// Mailbox is the mailbox logged in to.
	Mailbox mailbox.ID
	// Lang is the mailbox's language, "" to keep the current one.
	Lang string
	// Counts are the mailbox's message counts.
	Counts Counts
	// Greetings says which recordings the mailbox has (see State.Greetings).
	Greetings map[mailbox.Greeting]bool
	// NeedsSetup is set while the mailbox is still on the default password:
	// the first-login walk-through runs.
	NeedsSetup bool
	// Options are the mailbox's options; nil for the legacy behaviour
	// (State.Options).
	Options *BoxOptions
	// Unavailable is set when the password could not be checked at all
	// (storage unreachable): the caller is told sorry, no try is counted.
	Unavailable bool
}

// Event is one input to [Engine.Step].
type Event struct {
	Kind  EventKind
	Digit byte
	// ID is the playback id of an EvPromptDone.
	ID string
	// Gen is the timer generation of an EvTimeout.
	Gen int
	// Name is the recording name of an EvTakeNamed.
	Name  string
	Start *Start
	Login *LoginResult
	// Recorded is the outcome of a recording (EvRecorded).
	Recorded *Recorded
	// Saved is the outcome of a save or a move (EvSaved, EvMoved).
	Saved *Saved
	// Folder is a loaded folder (EvFolder).
	Folder *Box
	// Target is a mailbox looked up (EvMailbox): the deposit to make into
	// it, nil when it does not exist.
	Target *Deposit
	// Directory is the outcome of a CmdDirectory (EvDirectory).
	Directory *DirectoryResult
}

// Recorded is the outcome of a recording.
type Recorded struct {
	// Name is the recording's name.
	Name string
	// Duration is its length in whole seconds.
	Duration int
	// Failed is set when Asterisk could not record.
	Failed bool
}

// Saved is the outcome of a save or a move.
type Saved struct {
	OK bool
	// Full is set when the target folder is full.
	Full bool
}

// Digit returns the event of a key press.
func Digit(d byte) Event { return Event{Kind: EvDigit, Digit: d} }

// PromptDone returns the event of the end of playback id.
func PromptDone(id string) Event { return Event{Kind: EvPromptDone, ID: id} }

// Timeout returns the event of the timer of generation gen.
func Timeout(gen int) Event { return Event{Kind: EvTimeout, Gen: gen} }
