package menus

import "github.com/clusterpbx/voicemail/mailbox"

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
	// PlayEnvelope: the number, date and sender of a message. The keys of
	// the menu's Playbacks act on it (1 skips to the message); other keys
	// stop it and count.
	PlayEnvelope PlayKind = "envelope"
	// PlayMessage: a message's audio. The keys of the menu's Playbacks act
	// on it (* rewinds, # fast-forwards, 0 pauses: app_voicemail's
	// ast_control_streamfile); other keys stop it and count.
	PlayMessage PlayKind = "message"
)

// Counts are the message counts announced after login.
type Counts struct {
	New int `json:"new"`
	Old int `json:"old"`
	// Urgent counts the Urgent folder (app_voicemail's urgentmessages):
	// announced first, and the folder the caller starts in.
	Urgent int `json:"urgent,omitempty"`
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

	// Mailbox is the mailbox being logged into: NUMBER as the caller typed
	// it, until the password is checked, or NUMBER@CONTEXT. It stays a
	// string, so that the saved state reads as before (the typed entry is
	// no mailbox id yet); the commands carry it as a mailbox.ID.
	Mailbox string `json:"mailbox,omitempty"`
	// FixedMailbox is set when the dialplan named the mailbox (the *97 case),
	// so only the password is asked.
	FixedMailbox bool `json:"fixed_mailbox,omitempty"`
	// Own is the caller's own mailbox (Start.Own, canonical), "" for none.
	Own string `json:"own,omitempty"`
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
	// Closing is the folder close the engine last asked for (closeBox),
	// kept until the call has done it or given it up (the call clears
	// it): the fence
	// saves it before the close runs, so that an instance taking the call
	// over, or finishing it offline, applies it again (resume, finish),
	// removes the deleted messages' audio and updates the lamp. A close is
	// idempotent: what it already applied stays as it is.
	Closing *Closing `json:"closing,omitempty"`
	// FolderPurpose says why the folder menu was entered: "change" or
	// "save"; "moving" while a save to folder SaveTo is being stored
	// ("moving again" when the message was already saved to another);
	// "next" while New is loaded after the last urgent message, whose
	// first message then plays.
	FolderPurpose string `json:"folder_purpose,omitempty"`
	// SaveTo is the folder a message is being saved to.
	SaveTo mailbox.Folder `json:"save_to,omitempty"`

	// Greetings says which of the mailbox's recordings exist: "unavail",
	// "busy", "temp", "greet" (the name).
	Greetings map[mailbox.Greeting]bool `json:"greetings,omitempty"`
	// Setup is set during the first-login walk-through.
	Setup bool `json:"setup,omitempty"`
	// Forced is set while a login records what forcename or
	// forcegreetings ask for, before the mailbox opens.
	Forced bool `json:"forced,omitempty"`
	// Options are the mailbox's options once logged in (LoginResult);
	// nil: see legacyOptions.
	Options *BoxOptions `json:"options,omitempty"`
	// Take is a greeting or name being recorded.
	Take *Take `json:"take,omitempty"`
	// TakeFails counts the takes in a row of a walk-through at login that
	// recorded nothing (silence, or a key at once): at walkTakeTries the
	// call ends.
	TakeFails int `json:"take_fails,omitempty"`
	// NewPIN holds the first entry of a new password until it is typed
	// again. Never persisted.
	NewPIN string `json:"new_pin,omitempty"`
	// Forward is a forward being set up.
	Forward *Forward `json:"forward,omitempty"`
	// Key names the call (Start.Key).
	Key string `json:"key,omitempty"`
	// SendTries counts the mailboxes refused at "leave a message in
	// another mailbox" ('5' in the advanced options) in a row.
	SendTries int `json:"send_tries,omitempty"`
	// Dir is the dial-by-name search, in directory mode.
	Dir *Directory `json:"dir,omitempty"`
	// Prefix is said before the intro once the starting folder is loaded,
	// or before what a step done again after a takeover says once done
	// (a move's "saved to", a forward's "forwarded", a greeting's "saved").
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

// Closing is a folder close asked for (CmdCloseFolder) of the logged-in
// mailbox.
type Closing struct {
	Folder     mailbox.Folder `json:"folder"`
	Heard      []string       `json:"heard,omitempty"`
	Deleted    []string       `json:"deleted,omitempty"`
	Recordings []string       `json:"recordings,omitempty"`
}

// Box is the folder a logged-in caller browses: its messages as loaded, with
// what the caller did to each. Heard and deleted take effect when the caller
// leaves the folder or hangs up, as in app_voicemail's close_mailbox.
type Box struct {
	// Folder is the folder browsed; in JSON, its number.
	Folder mailbox.Folder `json:"folder"`
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

// mailboxID is the mailbox the call is about, as the commands carry it.
// Every command but CmdAuthenticate (which carries the entry as it is) is
// sent once logged in or while leaving a message, when State.Mailbox is
// the canonical form of an id the app gave (LoginResult.Mailbox,
// Deposit.Mailbox, Start.Mailbox), so it parses. Anything else is the zero
// ID, which the app refuses.
func (s *State) mailboxID() mailbox.ID {
	id, _ := mailbox.ParseID(s.Mailbox)
	return id
}

// idText is the text State keeps of id: its canonical form, "" for the zero
// ID.
func idText(id mailbox.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
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

// Recording is the recording a call in PhaseRecording waits for the end
// of: a greeting take or a forward's introduction once named, else the
// message being left; "" in another phase, or before a take is named.
func (s State) Recording() string {
	if s.Phase != PhaseRecording {
		return ""
	}
	switch {
	case s.Take != nil:
		return s.Take.Recording
	case s.Forward != nil && s.Forward.Recording:
		return s.Forward.Intro
	case s.Deposit != nil:
		return s.Deposit.Recording
	}
	return ""
}
