package menus

import (
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// CmdKind names a command for the app to carry out.
type CmdKind string

// The commands the engine returns.
const (
	// CmdPlay: play Cmd.Media as one playback with id Cmd.ID, in Cmd.Lang.
	// Its end comes back as EvPromptDone with that id.
	CmdPlay CmdKind = "play"
	// CmdStop: stop playback Cmd.ID (the caller barged in).
	CmdStop CmdKind = "stop"
	// CmdTimer: after Cmd.After, send EvTimeout with Cmd.Gen. Starting a timer
	// replaces the previous one; the engine ignores stale generations anyway.
	CmdTimer CmdKind = "timer"
	// CmdAuthenticate: check Cmd.PIN for the mailbox Cmd.Entry and send
	// EvLogin.
	CmdAuthenticate CmdKind = "authenticate"
	// CmdHangup: end the call.
	CmdHangup CmdKind = "hangup"
	// CmdContinue: hand the call back to the dialplan with
	// VOICEMAIL_STATUS=Cmd.Status (unless it is empty) and the channel
	// variables Cmd.Vars set.
	CmdContinue CmdKind = "continue"
	// CmdRecord: record the caller into Cmd.Name (beep first), ended by #,
	// Cmd.MaxSilence seconds of silence or Cmd.MaxSeconds; the end comes back
	// as EvRecorded.
	CmdRecord CmdKind = "record"
	// CmdStopRecording: end the recording Cmd.Name now, keeping what was
	// recorded; its end comes back as EvRecorded, as after '#'.
	CmdStopRecording CmdKind = "stop_recording"
	// CmdDiscard: delete the recording Cmd.Name.
	CmdDiscard CmdKind = "discard"
	// CmdSaveMessage: store the recorded message Cmd.Deposit (duration in
	// Cmd.Duration; -1 when the recording's end was not seen and the app
	// must measure it); the result comes back as EvSaved.
	CmdSaveMessage CmdKind = "save_message"
	// CmdLoadFolder: load folder Cmd.Folder of Cmd.Mailbox; EvFolder follows.
	CmdLoadFolder CmdKind = "load_folder"
	// CmdCloseFolder: apply what the caller did in folder Cmd.Folder: move
	// Cmd.Heard (New) messages to Old, delete Cmd.Deleted.
	CmdCloseFolder CmdKind = "close_folder"
	// CmdMove: move message Cmd.MsgID to folder Cmd.Folder; EvMoved follows.
	CmdMove CmdKind = "move"
	// CmdNameTake: name a new take of greeting Cmd.Greeting of
	// Cmd.Mailbox (GreetIntro: a forward's introduction); EvTakeNamed
	// follows, with the name.
	CmdNameTake CmdKind = "name_take"
	// CmdRecordGreeting: record the caller (beep first, '#' ends) into
	// Cmd.Name, the take of greeting Cmd.Greeting that CmdNameTake named;
	// EvRecorded follows. The state of the step that asks for it names the
	// take: the app saves it before the recording starts.
	CmdRecordGreeting CmdKind = "record_greeting"
	// CmdSetGreeting: make recording Cmd.Name the mailbox's greeting
	// Cmd.Greeting (the one it replaces is deleted); EvDone follows.
	CmdSetGreeting CmdKind = "set_greeting"
	// CmdClearGreeting: remove greeting Cmd.Greeting; EvDone follows.
	CmdClearGreeting CmdKind = "clear_greeting"
	// CmdSetPIN: change the mailbox's password to Cmd.PIN; EvDone follows.
	CmdSetPIN CmdKind = "set_pin"
	// CmdPrepareDeposit: look up mailbox Cmd.Name (NUMBER, in the caller's
	// context) to leave a message in it; EvMailbox follows.
	CmdPrepareDeposit CmdKind = "prepare_deposit"
	// CmdForward: copy message Cmd.MsgID to the mailboxes Cmd.To, with the
	// introduction recording Cmd.Name first when set; EvDone follows (not
	// OK when a mailbox does not exist).
	CmdForward CmdKind = "forward"
	// CmdControl: apply Cmd.Op (reverse, forward, pause, unpause) to
	// playback Cmd.ID.
	CmdControl CmdKind = "control"
	// CmdDirectory: read the mailboxes of context Cmd.Name that the
	// dial-by-name directory offers; EvDirectory follows.
	CmdDirectory CmdKind = "directory"
	// CmdMeasure: measure the finished recording Cmd.Name and report it as
	// EvRecorded (its end was seen by another instance, or by nobody).
	CmdMeasure CmdKind = "measure"
)

// Cmd is one thing for the app to do. Only the fields of its Kind are set.
type Cmd struct {
	// Kind says what to do.
	Kind CmdKind
	// ID is the playback id (CmdPlay, CmdStop, CmdControl).
	ID string
	// Media are the sounds to play, in order: sound names, or
	// "recording:NAME" for stored recordings (CmdPlay).
	Media []string
	// Lang is the language to play them in (CmdPlay).
	Lang string
	// After is the timer's delay and Gen its generation (CmdTimer).
	After time.Duration
	Gen   int
	// Mailbox is the mailbox concerned (every command that has one but
	// CmdAuthenticate).
	Mailbox mailbox.ID
	// Entry is the mailbox to log in to as it was entered
	// (CmdAuthenticate): the number the caller typed, or the id the
	// dialplan or the deposit named (NUMBER@CONTEXT). It is not checked:
	// the app parses it, and an entry that names no mailbox fails like a
	// wrong password, so that callers cannot probe for mailboxes.
	Entry string
	// PIN is a password to check or to set (CmdAuthenticate, CmdSetPIN).
	PIN string
	// Status is the VOICEMAIL_STATUS to continue with (CmdContinue).
	Status string
	// Vars are channel variables to set before continuing (CmdContinue).
	Vars []Var
	// Name is a recording name (CmdRecord, CmdRecordGreeting, CmdDiscard,
	// CmdSetGreeting, the introduction of CmdForward), the mailbox
	// numbers to look up (CmdPrepareDeposit) or a context
	// (CmdDirectory).
	Name string
	// MaxSeconds and MaxSilence bound a recording.
	MaxSeconds int
	MaxSilence int
	// Duration is a recording's length in seconds (CmdSaveMessage; -1: the
	// app measures it).
	Duration int
	// Deposit is the message to store (CmdSaveMessage).
	Deposit *Deposit
	// Folder is the folder concerned (CmdLoadFolder, CmdCloseFolder,
	// CmdMove).
	Folder mailbox.Folder
	// MsgID is the message concerned (CmdMove, CmdForward).
	MsgID string
	// Heard and Deleted are the message ids to apply (CmdCloseFolder).
	Heard   []string
	Deleted []string
	// Recordings are the audio of the Deleted messages, as the listing
	// names it (their recordings and introductions), for the app to delete
	// once their metadata is gone (CmdCloseFolder).
	Recordings []string
	// Op is a playback operation: reverse, forward, pause, unpause
	// (CmdControl).
	Op string
	// Greeting is the greeting concerned (CmdNameTake, CmdRecordGreeting,
	// CmdSetGreeting, CmdClearGreeting), or GreetIntro for a forward's
	// introduction (CmdNameTake, CmdRecordGreeting).
	Greeting mailbox.Greeting
	// Key names a forward's copies (CmdForward): the same Key gives the
	// same copies, so a forward asked for again (resume, finish) does not
	// copy twice. Empty: fresh copies.
	Key string
	// To are the mailbox numbers to forward to (CmdForward).
	To []string
}

// Var is a channel variable to set.
type Var struct {
	Name, Value string
}
