package menus

import (
	"strconv"

	"github.com/clusterpbx/voicemail/mailbox"
)

// Engine walks the menu tree. It holds only immutable settings, so one Engine
// serves every call and Step is safe for concurrent use.
type Engine struct {
	cfg  Config
	tree *Tree
}

// New returns an engine with cfg; zero fields of cfg take their defaults.
func New(cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
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
	st := stepper{e: e, s: s.clone()}
	st.apply(ev)
	return st.s, st.cmds
}

// stepper accumulates the commands of one Step.
type stepper struct {
	e    *Engine
	s    State
	cmds []Cmd
	// ownMsgs is set once st.s.Box.Msgs is this step's own copy; until
	// then it is shared with the state Step was given.
	ownMsgs bool
	// introSent is set when this step asked for a forward's copies again
	// (finish): the introduction is the forward's to delete once copied.
	introSent bool
}

func (st *stepper) emit(c Cmd) { st.cmds = append(st.cmds, c) }

// msg returns message i of the browsed folder for changing its marks,
// copying the listing first the first time in a step: clone does not copy
// it, because most steps change no message and a listing can be long.
func (st *stepper) msg(i int) *MsgInfo {
	b := st.s.Box
	if !st.ownMsgs {
		b.Msgs = append([]MsgInfo(nil), b.Msgs...)
		st.ownMsgs = true
	}
	return &b.Msgs[i]
}

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

// apply hands ev to the machinery, or the result of a command to the
// family that asked for it.
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
		st.loginResult(ev.Login) // login.go
	case EvTakeNamed:
		st.takeNamed(ev.Name) // options.go
	case EvRecorded:
		st.recorded(ev.Recorded) // deposit.go
	case EvSaved:
		st.saved(ev.Saved) // deposit.go
	case EvFolder:
		st.folderLoaded(ev.Folder) // folders.go
	case EvMoved:
		st.moved(ev.Saved) // folders.go
	case EvDone:
		st.changeDone(ev.Saved) // options.go
	case EvMailbox:
		st.targetReady(ev.Target) // advanced.go
	case EvDirectory:
		st.directoryLoaded(ev.Directory) // directory.go
	case EvHangupRequest:
		st.s.HungUp = true
		st.depositHangupRequest() // deposit.go
	case EvHangup:
		st.hangup()
	case EvResume:
		st.resume()
	case EvFinish:
		st.finish()
	}
}

// hangup ends the call. Nothing is lost: each family keeps or drops what
// was under way, in this order, which is the order of the commands.
func (st *stepper) hangup() {
	st.s.HungUp = true
	st.keepMessageOnHangup() // deposit.go
	st.closeBox()            // folders.go: heard and deleted take effect
	st.dropTakeOnHangup()    // options.go
	st.dropIntroOnHangup()   // forward.go
	st.s.Phase = PhaseDone
	st.s.Playback = ""
	st.s.Playing = PlayPrompt
}

// finish ends a call whose channel is gone, from the state another
// instance saved in its session (EvFinish): a hang-up, after the work that
// state shows under way, whose outcome went with that instance, is done
// again.
func (st *stepper) finish() {
	st.redoClose()                  // folders.go
	st.resaveMessageOnFinish()      // deposit.go
	st.introSent = st.redoForward() // forward.go
	st.redoChange()                 // options.go
	st.hangup()
}

// takePrefix returns what is to be said first (State.Prefix: the apology
// of a takeover that did a step again) and clears it. A copy: the prompts
// said after it append to it, and the state from before this step may
// still share its array.
func (st *stepper) takePrefix() []string {
	pre := append([]string(nil), st.s.Prefix...)
	st.s.Prefix = nil
	return pre
}

// start begins a call: leaving a message (deposit.go), the dial-by-name
// directory (directory.go), or logging in to a mailbox (login.go).
func (st *stepper) start(start *Start) {
	if start == nil || st.s.Phase != PhaseIdle {
		return
	}
	st.s.Lang = start.Lang
	st.s.Key = start.Key
	switch start.Mode {
	case ModeDeposit:
		st.startDeposit(start.Deposit)
		return
	case ModeDirectory:
		st.startDirectory(start.Directory) // directory.go
		return
	}
	st.startLogin(start.Mailbox, start.Own)
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

// prompt is menu m's prompt in the call's state. (A PromptFunc only reads
// the state; the stepper is on the heap anyway, since handlers are
// function values, so it gets no copy.)
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
	st.s.Playing = PlayPrompt
	st.s.Paused = false
	st.s.Phase = phase
	st.emit(Cmd{Kind: CmdPlay, ID: id, Media: media, Lang: st.s.Lang})
}

// stopPrompt stops the prompt that is playing, if any.
func (st *stepper) stopPrompt() {
	if st.s.Playback != "" {
		st.emit(Cmd{Kind: CmdStop, ID: st.s.Playback})
		st.s.Playback = ""
		st.s.Playing = PlayPrompt
		st.s.Paused = false
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
	case PhaseRecording:
		// '#' ends the recording (hashWhileRecording); '0' ends a
		// message's with the operator on (app_voicemail's canceldtmf
		// "0").
		st.hashWhileRecording(d)
		st.operatorWhileRecording(d)
		return
	case PhaseClosing, PhaseIdle:
		return
	case PhaseBusy:
		st.typeAhead(d)
		return
	case PhasePrompting:
		if st.playbackKey(d) {
			return
		}
		if m := st.menu(); m.Input == InputKey && m.IgnoreInvalid && !st.keyWorks(m, d) {
			return
		}
		st.stopPrompt()
		st.s.Phase = PhaseCollecting
	}
	st.typeAhead(d)
	st.drainPending()
}

// maxPending bounds the type-ahead: the longest entry of the tree (64
// digits, MenuForwardTo) and its '#'. Keys beyond it are dropped, so a
// caller flooding DTMF while a check runs cannot grow the state that is
// saved to Redis after every step.
const maxPending = 65

// typeAhead keeps key d for the menu that will take it, unless the
// type-ahead is full.
func (st *stepper) typeAhead(d byte) {
	if len(st.s.Pending) < maxPending {
		st.s.Pending += string(d)
	}
}

// playbackKey runs the action of key d on what plays, when the menu has
// one (Menu.Playbacks), and reports whether it did. Any other key stops a
// message, which counts as heard.
func (st *stepper) playbackKey(d byte) bool {
	if a, ok := st.menu().Playbacks[st.s.Playing].Keys[d]; ok {
		st.run(a)
		return true
	}
	if b := st.s.Box; st.s.Playing == PlayMessage && b != nil && b.Cur >= 0 && b.Cur < len(b.Msgs) {
		st.msg(b.Cur).Heard = true
	}
	return false
}

// keyWorks reports whether key d does something in menu m now.
func (st *stepper) keyWorks(m *Menu, d byte) bool {
	a, ok := m.Keys[d]
	return ok && (a.Requires == nil || a.Requires(&st.s))
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
		if !st.keyWorks(m, d) {
			if m.IgnoreInvalid {
				return
			}
			st.invalid(m)
			return
		}
		st.s.Repeats = 0
		st.run(m.Keys[d])
	case InputDigits:
		if a, ok := m.Escapes[d]; ok && st.s.Input == "" {
			st.run(a)
			return
		}
		if d == '#' {
			st.complete(m)
			return
		}
		if d == '*' && !m.StarInInput {
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

// complete hands a finished entry to the menu's handler.
func (st *stepper) complete(m *Menu) {
	input := st.s.Input
	st.s.Input = ""
	if m.OnInput.Do != nil {
		m.OnInput.Do(st, input)
	}
}

// invalid answers a key the menu does not know: the standard "sorry" prompt,
// then the menu's prompt again. Type-ahead is dropped, so the caller is not
// surprised by keys pressed before the apology. Invalid keys are never
// counted, so they never end the call: app_voicemail's vm_execmain
// answers them with the instructions again (its default case), and only
// silence counts (vms->repeats).
func (st *stepper) invalid(m *Menu) {
	st.s.Pending = ""
	st.play(append([]string{"vm-sorry"}, st.prompt(m)...), PhasePrompting)
}

// giveUp ends a menu that got no usable answer: its OnGiveUp action, or
// goodbye.
func (st *stepper) giveUp(m *Menu) {
	if m.OnGiveUp.does() {
		st.s.Repeats = 0
		st.run(m.OnGiveUp)
		return
	}
	st.goodbye("vm-goodbye")
}

// run carries out action a: it enters a menu, or runs a handler.
func (st *stepper) run(a Action) {
	switch {
	case a.Goto != "":
		st.enter(a.Goto, nil)
	case a.Do != nil:
		a.Do(st)
	}
}

func (st *stepper) promptDone(id string) {
	if id == "" || id != st.s.Playback {
		return // an older prompt, already replaced or stopped
	}
	st.s.Playback = ""
	playing := st.s.Playing
	st.s.Playing = PlayPrompt
	st.s.Paused = false
	switch st.s.Phase {
	case PhaseClosing:
		st.s.Phase = PhaseDone
		if st.s.CloseStatus != "" {
			st.emit(Cmd{Kind: CmdContinue, Status: st.s.CloseStatus})
			return
		}
		st.emit(Cmd{Kind: CmdHangup})
	case PhasePrompting:
		m := st.menu()
		if p, ok := m.Playbacks[playing]; ok && p.OnDone.does() {
			st.run(p.OnDone)
			return
		}
		if m.OnPromptDone.does() {
			st.run(m.OnPromptDone)
			return
		}
		st.s.Phase = PhaseCollecting
		st.startTimer()
	}
}

func (st *stepper) timeout(gen int) {
	if gen != st.s.TimerGen || st.s.Phase != PhaseCollecting {
		return
	}
	m := st.menu()
	if m.Input == InputDigits && (st.s.Input != "" || m.SilenceIsEntry) {
		st.complete(m)
		return
	}
	st.s.Repeats++
	if st.s.Repeats >= m.MaxRepeats {
		st.giveUp(m)
		return
	}
	st.play(st.prompt(m), PhasePrompting)
}

// goodbye plays media and hangs up after it.
func (st *stepper) goodbye(media ...string) {
	st.stopPrompt()
	st.closeBox()
	st.s.Pending = ""
	st.s.Input = ""
	st.play(media, PhaseClosing)
}

func isKey(d byte) bool {
	return (d >= '0' && d <= '9') || d == '*' || d == '#'
}

// clone copies what Step may change in place, so that the state handed to
// Step is never modified (the engine stays a pure function). The folder's
// listing is copied only by a step that changes a message (stepper.msg).
func (s State) clone() State {
	if s.Box != nil {
		b := *s.Box
		s.Box = &b
	}
	if s.Deposit != nil {
		d := *s.Deposit
		s.Deposit = &d
	}
	if s.Take != nil {
		t := *s.Take
		s.Take = &t
	}
	if s.Dir != nil {
		// Matches is replaced, never changed in place.
		d := *s.Dir
		s.Dir = &d
	}
	if s.Forward != nil {
		f := *s.Forward
		f.To = append([]string(nil), f.To...)
		s.Forward = &f
	}
	if s.Greetings != nil {
		g := make(map[mailbox.Greeting]bool, len(s.Greetings))
		for k, v := range s.Greetings {
			g[k] = v
		}
		s.Greetings = g
	}
	return s
}
