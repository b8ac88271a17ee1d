package menus

// Phase says what the call is waiting for.
type Phase string

// The phases of a call.
const (
	// PhaseIdle: nothing started yet.
	PhaseIdle Phase = ""
	// PhasePrompting: a prompt is playing; a digit interrupts it.
	PhasePrompting Phase = "prompting"
	// PhaseCollecting: the prompt ended and a timer runs for the next digit.
	PhaseCollecting Phase = "collecting"
	// PhaseBusy: waiting for the result of a command (a password check);
	// digits typed meanwhile are kept as type-ahead.
	PhaseBusy Phase = "busy"
	// PhaseClosing: the last prompt (goodbye) plays; the call ends after it.
	PhaseClosing Phase = "closing"
	// PhaseRecording: the caller is being recorded; the recording's end
	// comes as EvRecorded.
	PhaseRecording Phase = "recording"
	// PhaseDone: the call is over for the engine.
	PhaseDone Phase = "done"
)

// PlayKind says what the current playback is, which decides what a key does
// while it plays.
type PlayKind string

// The kinds of playback.
const (
	// PlayPrompt: menu prompts; any key stops them and counts (type-ahead).
	PlayPrompt PlayKind = ""
	// PlayEnvelope: the number, date and sender of a message; 1 skips to the
	// message, other keys stop it and count.
	PlayEnvelope PlayKind = "envelope"
	// PlayMessage: a message's audio; * rewinds, # fast-forwards, 0 pauses,
	// other keys stop it and count (app_voicemail's ast_control_streamfile).
	PlayMessage PlayKind = "message"
)

// Counts are the message counts announced after login.
type Counts struct {
	New int `json:"new"`
	Old int `json:"old"`
}

// State is everything the engine knows about one call. It is a plain value
// that serialises to JSON, so that another instance can resume the call from
// Redis. Secret input (a password being typed) is dropped by [State.Persistable].
type State struct {
	// Channel is the ARI channel id; playback ids are derived from it.
	Channel string `json:"channel"`
	// Menu is the menu the caller is in.
	Menu MenuID `json:"menu"`
	// Phase says what the engine waits for.
	Phase Phase `json:"phase"`

	// Mailbox is the mailbox being logged into (NUMBER or NUMBER@CONTEXT).
	Mailbox string `json:"mailbox,omitempty"`
	// FixedMailbox is set when the dialplan named the mailbox (the *97 case),
	// so only the password is asked.
	FixedMailbox bool `json:"fixed_mailbox,omitempty"`
	// Authenticated is set once the password was accepted.
	Authenticated bool `json:"authenticated,omitempty"`
	// Lang is the language of the prompts ("en", "fr", …).
	Lang string `json:"lang,omitempty"`
	// Counts are the mailbox's counts at login.
	Counts Counts `json:"counts"`

	// Input holds the digits collected for the current entry.
	Input string `json:"input,omitempty"`
	// Pending holds digits typed ahead while nothing could take them.
	Pending string `json:"pending,omitempty"`
	// Failures counts failed logins.
	Failures int `json:"failures,omitempty"`
	// Repeats counts prompts of the current menu that got no usable answer.
	Repeats int `json:"repeats,omitempty"`

	// Playback is the id of the prompt playing now, "" if none.
	Playback string `json:"playback,omitempty"`
	// Playing is what that playback is.
	Playing PlayKind `json:"playing,omitempty"`
	// Paused is set while a message's audio is paused (key 0).
	Paused bool `json:"paused,omitempty"`
	// CloseStatus, when set, ends the call after the closing prompt by
	// handing it back to the dialplan with VOICEMAIL_STATUS=CloseStatus
	// instead of hanging up.
	CloseStatus string `json:"close_status,omitempty"`
	// HungUp is set once the caller hung up; pending work (a recording
	// being saved) still finishes, nothing more is played.
	HungUp bool `json:"hung_up,omitempty"`

	// Deposit is the message being left, in deposit mode.
	Deposit *Deposit `json:"deposit,omitempty"`

	// Box is the folder being browsed, once loaded.
	Box *Box `json:"box,omitempty"`
	// FolderPurpose says why the folder menu was entered: "change" or
	// "save"; "moving" while a save to folder SaveTo is being stored
	// ("moving again" when the message was already saved to another).
	FolderPurpose string `json:"folder_purpose,omitempty"`
	// SaveTo is the folder a message is being saved to.
	SaveTo int `json:"save_to,omitempty"`

	// Greetings says which of the mailbox's recordings exist: "unavail",
	// "busy", "temp", "greet" (the name).
	Greetings map[string]bool `json:"greetings,omitempty"`
	// Setup is set during the first-login walk-through.
	Setup bool `json:"setup,omitempty"`
	// Take is a greeting or name being recorded.
	Take *Take `json:"take,omitempty"`
	// NewPIN holds the first entry of a new password until it is typed
	// again. Never persisted.
	NewPIN string `json:"new_pin,omitempty"`
	// Forward is a forward being set up.
	Forward *Forward `json:"forward,omitempty"`
	// Prefix is said before the intro once the starting folder is loaded.
	Prefix []string `json:"prefix,omitempty"`
	// Loads counts the folders loaded in this call; it numbers their
	// listings (Box.Listing).
	Loads int `json:"loads,omitempty"`
	// Seq numbers playbacks; ids are Channel + ":" + Seq.
	Seq int `json:"seq"`
	// TimerGen is the generation of the running timer; a timer event of an
	// older generation is stale and ignored.
	TimerGen int `json:"timer_gen"`
}

// Box is the folder a logged-in caller browses: its messages as loaded, with
// what the caller did to each. Heard and deleted take effect when the caller
// leaves the folder or hangs up, as in app_voicemail's close_mailbox.
type Box struct {
	Folder int `json:"folder"`
	// Msgs is the listing as loaded, with the caller's marks. [State.Split]
	// leaves it out of the state saved at every step: the listing is saved
	// apart, once per load, and the marks travel in Marks.
	Msgs []MsgInfo `json:"msgs,omitempty"`
	// Listing numbers the loads of a folder in this call (from 1): a new
	// value means a new listing, which must be saved again.
	Listing int `json:"listing,omitempty"`
	// Marks is set in split state only: one byte per message, the marks
	// of Msgs[i] (see [State.Split]).
	Marks string `json:"marks,omitempty"`
	// Cur is the index of the current message, -1 before the first.
	Cur int `json:"cur"`
	// Now is when the folder was loaded, for saying "today" or "yesterday".
	Now int64 `json:"now"`
	// Failed is set when the folder could not be read (storage down): the
	// caller is told sorry rather than "no messages".
	Failed bool `json:"failed,omitempty"`
}

// MsgInfo is what the engine needs of one message.
type MsgInfo struct {
	ID         string `json:"id"`
	Recording  string `json:"rec"`
	CallerNum  string `json:"num,omitempty"`
	CallerName string `json:"name,omitempty"`
	// Received is the unix time in milliseconds.
	Received int64 `json:"at"`
	// Duration in seconds.
	Duration int `json:"dur"`
	// Intro is the introduction a forwarding owner recorded, played first.
	Intro   string `json:"intro,omitempty"`
	Heard   bool   `json:"heard,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
	// Moved is set once the message was saved to another folder.
	Moved bool `json:"moved,omitempty"`
}

// Persistable returns the state as it may be written to shared storage: a
// password being typed is never stored.
func (s State) Persistable(t *Tree) State {
	if m, ok := t.menus[s.Menu]; ok && m.Secret {
		s.Input = ""
		s.Pending = ""
	}
	s.NewPIN = ""
	return s
}
