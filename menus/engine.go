package menus

import (
	"strconv"
)

// Engine walks the menu tree. It holds only immutable settings, so one Engine
// serves every call and Step is safe for concurrent use.
type Engine struct {
	cfg  Config
	tree *Tree
}

// New returns an engine with cfg; zero fields of cfg take their defaults.
func New(cfg Config) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, tree: newTree(cfg)}, nil
}

// Tree returns the menu tree the engine walks.
func (e *Engine) Tree() *Tree { return e.tree }

// Step applies one event to the call's state. It returns the new state and
// the commands to carry out, in order. Stale events (the end of a prompt that
// was already replaced, an old timer) leave the state unchanged.
func (e *Engine) Step(s State, ev Event) (State, []Cmd) {
	st := stepper{e: e, s: s}
	st.apply(ev)
	return st.s, st.cmds
}

// stepper accumulates the commands of one Step.
type stepper struct {
	e    *Engine
	s    State
	cmds []Cmd
}

func (st *stepper) emit(c Cmd) { st.cmds = append(st.cmds, c) }

func (st *stepper) menu() *Menu {
	m, ok := st.e.tree.menus[st.s.Menu]
	if !ok {
		// A state from a newer or older tree: start the caller over at the
		// top that fits their login.
		if st.s.Authenticated {
			return st.e.tree.menus[MenuMain]
		}
		return st.e.tree.menus[MenuLoginPassword]
	}
	return m
}

func (st *stepper) apply(ev Event) {
	if st.s.Phase == PhaseDone {
		return
	}
	switch ev.Kind {
	case EvStart:
		st.start(ev.Start)
	case EvDigit:
		st.digit(ev.Digit)
	case EvPromptDone:
		st.promptDone(ev.ID)
	case EvTimeout:
		st.timeout(ev.Gen)
	case EvLogin:
		st.loginResult(ev.Login)
	case EvHangup:
		st.s.Phase = PhaseDone
		st.s.Playback = ""
	}
}

func (st *stepper) start(start *Start) {
	if start == nil || st.s.Phase != PhaseIdle {
		return
	}
	st.s.Lang = start.Lang
	if start.Mailbox != "" {
		st.s.Mailbox = start.Mailbox
		st.s.FixedMailbox = true
		st.enter(MenuLoginPassword, nil)
		return
	}
	st.enter(MenuLoginMailbox, nil)
}

// enter moves the caller into menu id and plays prompt (nil: the menu's
// own). Digits typed ahead are consumed at once, as app_voicemail's prompt
// chains do: a key pressed during one prompt skips the rest.
func (st *stepper) enter(id MenuID, prompt []string) {
	if st.s.Menu != id {
		st.s.Repeats = 0
	}
	st.s.Menu = id
	st.s.Input = ""
	m := st.menu()
	if m.Secret {
		st.s.Pending = ""
	}
	if prompt == nil {
		prompt = st.prompt(m)
	}
	if st.s.Pending != "" {
		st.s.Phase = PhaseCollecting
		st.drainPending()
		return
	}
	st.play(prompt, PhasePrompting)
}

func (st *stepper) prompt(m *Menu) []string {
	if m.PromptFunc != nil {
		return m.PromptFunc(&st.s)
	}
	return m.Prompt
}

// play starts one playback of media and waits in phase for its end.
func (st *stepper) play(media []string, phase Phase) {
	st.s.Seq++
	st.s.TimerGen++ // any running timer is now stale
	id := st.s.Channel + ":" + strconv.Itoa(st.s.Seq)
	st.s.Playback = id
	st.s.Phase = phase
	st.emit(Cmd{Kind: CmdPlay, ID: id, Media: media, Lang: st.s.Lang})
}

// stopPrompt stops the prompt that is playing, if any.
func (st *stepper) stopPrompt() {
	if st.s.Playback != "" {
		st.emit(Cmd{Kind: CmdStop, ID: st.s.Playback})
		st.s.Playback = ""
	}
}

func (st *stepper) startTimer() {
	m := st.menu()
	after := m.FirstDigit
	if st.s.Input != "" && m.InterDigit > 0 {
		after = m.InterDigit
	}
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdTimer, After: after, Gen: st.s.TimerGen})
}

func (st *stepper) digit(d byte) {
	if !isKey(d) {
		return
	}
	switch st.s.Phase {
	case PhaseClosing, PhaseIdle:
		return
	case PhaseBusy:
		st.s.Pending += string(d)
		return
	case PhasePrompting:
		st.stopPrompt()
		st.s.Phase = PhaseCollecting
	}
	st.s.Pending += string(d)
	st.drainPending()
}

// drainPending feeds the type-ahead to the current menu until it is empty or
// the menu stops collecting (it left for a check, a prompt or goodbye).
func (st *stepper) drainPending() {
	for st.s.Pending != "" && st.s.Phase == PhaseCollecting {
		d := st.s.Pending[0]
		st.s.Pending = st.s.Pending[1:]
		st.take(d)
	}
	if st.s.Phase == PhaseCollecting {
		st.startTimer()
	}
}

// take gives one digit to the current menu.
func (st *stepper) take(d byte) {
	m := st.menu()
	switch m.Input {
	case InputKey:
		a, ok := m.Keys[d]
		if !ok {
			st.invalid(m)
			return
		}
		st.s.Repeats = 0
		st.run(a, string(d))
	case InputDigits:
		if d == '#' {
			st.complete(m)
			return
		}
		if d == '*' {
			// '*' is no digit of a number: app_voicemail jumps to the 'a'
			// extension here. Without one, treat the entry as wrong.
			st.s.Input += "*"
			st.complete(m)
			return
		}
		st.s.Input += string(d)
		if len(st.s.Input) >= m.MaxDigits {
			st.complete(m)
		}
	}
}

// complete hands a finished entry to the menu's action.
func (st *stepper) complete(m *Menu) {
	input := st.s.Input
	st.s.Input = ""
	st.run(m.OnInput, input)
}

// invalid answers a key the menu does not know: the standard "sorry" prompt,
// then the menu's prompt again. Type-ahead is dropped, so the caller is not
// surprised by keys pressed before the apology.
func (st *stepper) invalid(m *Menu) {
	st.s.Pending = ""
	st.s.Repeats++
	if st.s.Repeats >= m.MaxRepeats {
		st.goodbye("vm-goodbye")
		return
	}
	st.play(append([]string{"vm-sorry"}, st.prompt(m)...), PhasePrompting)
}

func (st *stepper) run(a Action, input string) {
	switch a.Kind {
	case ActGoto:
		st.enter(a.Target, nil)
	case ActHelp:
		st.s.Pending = ""
		st.play(st.prompt(st.menu()), PhasePrompting)
	case ActGoodbye:
		st.goodbye("vm-goodbye")
	case ActNotAvailable:
		st.s.Pending = ""
		st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
	case ActLoginMailbox:
		st.loginMailbox(input)
	case ActLoginPassword:
		st.loginPassword(input)
	}
}

func (st *stepper) promptDone(id string) {
	if id == "" || id != st.s.Playback {
		return // an older prompt, already replaced or stopped
	}
	st.s.Playback = ""
	switch st.s.Phase {
	case PhaseClosing:
		st.s.Phase = PhaseDone
		st.emit(Cmd{Kind: CmdHangup})
	case PhasePrompting:
		st.s.Phase = PhaseCollecting
		st.startTimer()
	}
}

func (st *stepper) timeout(gen int) {
	if gen != st.s.TimerGen || st.s.Phase != PhaseCollecting {
		return
	}
	m := st.menu()
	if m.Input == InputDigits && st.s.Input != "" {
		st.complete(m)
		return
	}
	st.s.Repeats++
	if st.s.Repeats >= m.MaxRepeats {
		st.goodbye("vm-goodbye")
		return
	}
	st.play(st.prompt(m), PhasePrompting)
}

// goodbye plays media and hangs up after it.
func (st *stepper) goodbye(media ...string) {
	st.stopPrompt()
	st.s.Pending = ""
	st.s.Input = ""
	st.play(media, PhaseClosing)
}

func isKey(d byte) bool {
	return (d >= '0' && d <= '9') || d == '*' || d == '#'
}
