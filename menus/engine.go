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
	case EvRecorded:
		st.recorded(ev.Recorded)
	case EvSaved:
		st.saved(ev.Saved)
	case EvFolder:
		st.folderLoaded(ev.Folder)
	case EvMoved:
		st.moved(ev.Saved)
	case EvDone:
		st.changeDone(ev.Saved)
	case EvMailbox:
		st.targetReady(ev.Target)
	case EvHangupRequest:
		st.s.HungUp = true
		st.depositHangupRequest()
	case EvHangup:
		st.hangup()
	case EvResume:
		st.resume()
	}
}

// hangup ends the call. Nothing is lost: a recording whose end was not seen
// is saved (the app measures it), and the folder being browsed is closed so
// heard and deleted messages take effect, as app_voicemail does on hangup.
func (st *stepper) hangup() {
	st.s.HungUp = true
	if d := st.s.Deposit; d != nil && !d.Saved && st.s.Phase != PhaseBusy {
		switch {
		case st.s.Phase == PhaseRecording:
			// The recording's end was not seen: the app measures it.
			st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: -1})
		case d.Recorded:
			// Hung up in the review menu: the message is kept
			// (play_record_review).
			st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: d.Duration})
		}
	}
	st.closeBox()
	// A greeting take that was not accepted is not kept (the old one
	// stays), nor is an introduction that was never sent. A take whose
	// acceptance is being stored (busy) is the mailbox's greeting now.
	if st.s.Phase != PhaseBusy {
		st.dropTake()
	}
	if f := st.s.Forward; f != nil && f.Intro != "" {
		st.emit(Cmd{Kind: CmdDiscard, Name: f.Intro})
	}
	st.s.Phase = PhaseDone
	st.s.Playback = ""
	st.s.Playing = PlayPrompt
}

func (st *stepper) start(start *Start) {
	if start == nil || st.s.Phase != PhaseIdle {
		return
	}
	st.s.Lang = start.Lang
	if start.Mode == ModeDeposit {
		st.startDeposit(start.Deposit)
		return
	}
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
		// On a copy: handing &st.s to a function value would move the
		// whole stepper to the heap in every Step, prompt or not.
		s := st.s
		return m.PromptFunc(&s)
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
	case PhaseClosing, PhaseIdle, PhaseRecording:
		// While recording, Asterisk itself ends the recording on '#'.
		return
	case PhaseBusy:
		st.typeAhead(d)
		return
	case PhasePrompting:
		if st.controlPlayback(d) {
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

// controlPlayback handles keys that act on the message playing instead of
// being commands (app_voicemail's wait_file: ast_control_streamfile with "#"
// forward, "*" reverse, "0" pause; on the envelope "1" skips to the
// message).
func (st *stepper) controlPlayback(d byte) bool {
	switch st.s.Playing {
	case PlayMessage:
		switch d {
		case '*':
			st.emit(Cmd{Kind: CmdControl, ID: st.s.Playback, Op: "reverse"})
			return true
		case '#':
			st.emit(Cmd{Kind: CmdControl, ID: st.s.Playback, Op: "forward"})
			return true
		case '0':
			op := "pause"
			if st.s.Paused {
				op = "unpause"
			}
			st.s.Paused = !st.s.Paused
			st.emit(Cmd{Kind: CmdControl, ID: st.s.Playback, Op: op})
			return true
		}
		// Any other key stops the message, which counts as heard.
		if b := st.s.Box; b != nil && b.Cur >= 0 && b.Cur < len(b.Msgs) {
			st.msg(b.Cur).Heard = true
		}
	case PlayEnvelope:
		if d == '1' {
			st.stopPrompt()
			st.playAudio()
			return true
		}
	}
	return false
}

// keyWorks reports whether key d does something in menu m now.
func (st *stepper) keyWorks(m *Menu, d byte) bool {
	a, ok := m.Keys[d]
	if !ok {
		return false
	}
	switch a.Requires {
	case "":
		return true
	case "operator":
		return st.s.Deposit != nil && st.s.Deposit.Operator
	}
	return false
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
		st.run(m.Keys[d], string(d))
	case InputDigits:
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
		st.giveUp(m)
		return
	}
	st.play(append([]string{"vm-sorry"}, st.prompt(m)...), PhasePrompting)
}

// giveUp ends a menu that got no usable answer: its OnGiveUp action, or
// goodbye.
func (st *stepper) giveUp(m *Menu) {
	if m.OnGiveUp.Kind != "" {
		st.s.Repeats = 0
		st.run(m.OnGiveUp, "")
		return
	}
	st.goodbye("vm-goodbye")
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
	case ActLoginMailbox:
		st.loginMailbox(input)
	case ActLoginPassword:
		st.loginPassword(input)
	case ActRecordNow, ActRerecord:
		st.record()
	case ActLoginHere:
		st.loginHere()
	case ActOperator:
		st.operator()
	case ActAccept:
		st.save("")
	case ActListen:
		st.play(append([]string{"recording:" + st.s.Deposit.Recording}, st.prompt(st.menu())...), PhasePrompting)
	case ActFirst, ActRepeat, ActPrev, ActNext:
		st.browse(a.Kind)
	case ActDelete:
		st.toggleDelete()
	case ActSave:
		st.openFolderMenu("save")
	case ActChangeFolder:
		st.openFolderMenu("change")
	case ActFolder:
		if len(input) == 1 {
			st.folderChosen(input[0])
		}
	case ActCancel:
		st.folderCancelled()
	case ActOptions:
		st.s.Take = nil
		st.enter(MenuOptions, nil)
	case ActMain:
		st.s.Forward = nil
		st.backToBrowsing(nil)
	case ActRecordGreeting:
		st.recordGreeting(a.Arg)
	case ActTempGreeting:
		st.tempGreeting()
	case ActDeleteTemp:
		st.deleteTemp()
	case ActChangePassword:
		st.enter(MenuNewPassword, nil)
	case ActNewPassword:
		st.newPassword(input)
	case ActReenterPassword:
		st.reenterPassword(input)
	case ActStartTake:
		st.startTake()
	case ActAcceptTake:
		st.acceptTake()
	case ActListenTake:
		st.play(append([]string{"recording:" + st.s.Take.Recording}, st.prompt(st.menu())...), PhasePrompting)
	case ActRerecordTake:
		kind := st.takeKind()
		st.dropTake()
		st.recordGreeting(kind)
	case ActDropTake:
		st.dropTake()
		if st.s.Setup {
			st.goodbye("vm-goodbye")
			return
		}
		st.enter(MenuOptions, nil)
	case ActAdvanced:
		st.enter(MenuAdvanced, nil)
	case ActReply:
		st.reply()
	case ActEnvelope:
		st.hearEnvelope()
	case ActSendMessage:
		st.enter(MenuSendTo, nil)
	case ActSendTo:
		st.sendTo(input)
	case ActForward:
		if current(&st.s) == nil {
			st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
			return
		}
		st.enter(MenuForwardTo, nil)
	case ActForwardTo:
		st.forwardTo(input)
	case ActForwardPlain:
		st.forwardNow()
	case ActForwardIntro:
		st.recordIntro()
	}
}

// takeKind is the kind of the greeting being recorded.
func (st *stepper) takeKind() string {
	if st.s.Take != nil {
		return st.s.Take.Kind
	}
	return GreetUnavail
}

// loginHere: '*' during the greeting lets the owner log in to this mailbox
// (the guide: "press * when you hear the greeting, then enter your
// password"). No message is left.
func (st *stepper) loginHere() {
	d := st.s.Deposit
	st.s.Deposit = nil
	if st.s.Authenticated {
		// Leaving a message from inside the mailbox: '*' cancels it.
		st.stopPrompt()
		st.backToBrowsing(nil)
		return
	}
	st.s.Mailbox = d.Mailbox
	st.s.FixedMailbox = true
	st.enter(MenuLoginPassword, nil)
}

// operator: '0' during the greeting or the review. A recorded message is
// saved first (app_voicemail's vm-saveoper, option 1).
func (st *stepper) operator() {
	d := st.s.Deposit
	if d != nil && d.Recorded && !d.Saved {
		st.save("OPERATOR")
		return
	}
	st.stopPrompt()
	st.s.Phase = PhaseDone
	st.emit(Cmd{Kind: CmdContinue, Status: "OPERATOR"})
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
		switch playing {
		case PlayEnvelope:
			st.playAudio()
			return
		case PlayMessage:
			st.msg(st.s.Box.Cur).Heard = true
			st.play(messageInstructions(&st.s), PhasePrompting)
			return
		}
		if m := st.menu(); m.OnPromptDone.Kind != "" {
			st.run(m.OnPromptDone, "")
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
	if m.Input == InputDigits && st.s.Input != "" {
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
	if s.Forward != nil {
		f := *s.Forward
		f.To = append([]string(nil), f.To...)
		s.Forward = &f
	}
	if s.Greetings != nil {
		g := make(map[string]bool, len(s.Greetings))
		for k, v := range s.Greetings {
			g[k] = v
		}
		s.Greetings = g
	}
	return s
}
