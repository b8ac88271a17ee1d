package menus

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
	// EvHangup: the caller hung up or the channel left the app.
	EvHangup EventKind = "hangup"
)

// Mode is what the dialplan asked for (the first Stasis argument).
type Mode string

// The modes of the dialplan contract (SPEC.md §1).
const (
	// ModeMain is VoiceMailMain: log in and manage a mailbox.
	ModeMain Mode = "main"
)

// Start describes a new call.
type Start struct {
	// Mode is the first Stasis argument.
	Mode Mode
	// Mailbox is the mailbox named by the dialplan, "" to ask for it.
	Mailbox string
	// Lang is the channel's language, used until a mailbox's own is known.
	Lang string
}

// LoginResult is the outcome of a password check.
type LoginResult struct {
	// OK is set when the mailbox exists and the password matched.
	OK bool
	// Mailbox is the canonical id of the mailbox (NUMBER@CONTEXT).
	Mailbox string
	// Lang is the mailbox's language, "" to keep the current one.
	Lang string
	// Counts are the mailbox's message counts.
	Counts Counts
}

// Event is one input to [Engine.Step].
type Event struct {
	Kind  EventKind
	Digit byte
	// ID is the playback id of an EvPromptDone.
	ID string
	// Gen is the timer generation of an EvTimeout.
	Gen   int
	Start *Start
	Login *LoginResult
}

// Digit returns the event of a key press.
func Digit(d byte) Event { return Event{Kind: EvDigit, Digit: d} }

// PromptDone returns the event of the end of playback id.
func PromptDone(id string) Event { return Event{Kind: EvPromptDone, ID: id} }

// Timeout returns the event of the timer of generation gen.
func Timeout(gen int) Event { return Event{Kind: EvTimeout, Gen: gen} }
