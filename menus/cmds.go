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
}
