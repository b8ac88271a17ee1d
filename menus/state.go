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
	// PhaseDone: the call is over for the engine.
	PhaseDone Phase = "done"
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
	// Seq numbers playbacks; ids are Channel + ":" + Seq.
	Seq int `json:"seq"`
	// TimerGen is the generation of the running timer; a timer event of an
	// older generation is stale and ignored.
	TimerGen int `json:"timer_gen"`
}

// Persistable returns the state as it may be written to shared storage: a
// password being typed is never stored.
func (s State) Persistable(t *Tree) State {
	if m, ok := t.menus[s.Menu]; ok && m.Secret {
		s.Input = ""
		s.Pending = ""
	}
	return s
}
