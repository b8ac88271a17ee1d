package menus

import "time"

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
	// CmdAuthenticate: check Cmd.PIN for Cmd.Mailbox and send EvLogin.
	CmdAuthenticate CmdKind = "authenticate"
	// CmdHangup: end the call.
	CmdHangup CmdKind = "hangup"
	// CmdContinue: hand the call back to the dialplan with
	// VOICEMAIL_STATUS=Cmd.Status.
	CmdContinue CmdKind = "continue"
	// CmdRecord: record the caller into Cmd.Name (beep first), ended by #,
	// Cmd.MaxSilence seconds of silence or Cmd.MaxSeconds; the end comes back
	// as EvRecorded.
	CmdRecord CmdKind = "record"
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
	// CmdRecordGreeting: record the caller (beep first, '#' ends) as a new
	// take of greeting Cmd.Greeting; the app names it; EvRecorded follows.
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
)

// Cmd is one thing for the app to do. Only the fields of its Kind are set.
type Cmd struct {
	Kind    CmdKind
	ID      string
	Media   []string
	Lang    string
	After   time.Duration
	Gen     int
	Mailbox string
	PIN     string
	Status  string
	Name    string
	// MaxSeconds and MaxSilence bound a recording.
	MaxSeconds int
	MaxSilence int
	Duration   int
	Deposit    *Deposit
	Folder     int
	MsgID      string
	Heard      []string
	Deleted    []string
	Op         string
	Greeting   string
	To         []string
}
