package menus

import "github.com/clusterpbx/voicemail/mailbox"

// The mailbox options: greetings and the name (app_voicemail vm_options,
// vm_tempgreeting, vm_newuser_setup, play_record_review).
const (
	// MenuOptions is '0' from the main menu: greetings, name, password.
	MenuOptions MenuID = "options"
	// MenuTemp manages the temporary greeting when one exists.
	MenuTemp MenuID = "options.temp"
	// MenuGreetingRecord records a greeting or the name.
	MenuGreetingRecord MenuID = "greeting.record"
	// MenuGreetingReview follows a greeting or name recording.
	MenuGreetingReview MenuID = "greeting.review"
)

// optionsMenus are the mailbox options ('0' in the main and message menus),
// the temporary greeting's menu, and the recording and review of a
// greeting or the name.
func optionsMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuOptions,
			Doc:        "Mailbox options",
			PromptFunc: optionsPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			// Silence leaves the options as '*' does: app_voicemail's
			// vm_options returns to vm_execmain when its retries run out
			// ('t'), it does not hang up.
			OnGiveUp: Action{Do: backToMain},
			Keys: map[byte]Action{
				'1': {Do: recordTake(mailbox.GreetingUnavail), Doc: "record your unavailable greeting (`vm-rec-unv`, then # to end)"},
				'2': {Do: recordTake(mailbox.GreetingBusy), Doc: "record your busy greeting (`vm-rec-busy`)"},
				'3': {Do: recordTake(mailbox.GreetingName), Doc: "record your name (`vm-rec-name`)"},
				'4': {Do: tempGreeting, Doc: "temporary greeting: record one (`vm-rec-temp`), or manage it when one exists"},
				'5': {Goto: MenuNewPassword, Doc: "change your password (`vm-newpassword`, then `vm-reenterpassword`)"},
				'*': {Do: backToMain, Doc: "back to the main menu"},
			},
		},
		{
			ID:         MenuTemp,
			Doc:        "Temporary greeting (when one exists)",
			PromptFunc: tempPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: openOptions},
			Keys: map[byte]Action{
				'1': {Do: recordTake(mailbox.GreetingTemp), Doc: "record it again"},
				'2': {Do: deleteTemp, Doc: "delete it (`vm-tempremoved`): callers hear your usual greetings again"},
				'*': {Do: openOptions, Doc: "back to the options"},
			},
		},
		{
			ID:           MenuGreetingRecord,
			Doc:          "Recording a greeting or your name",
			Prompt:       []string{"vm-rec-unv"},
			Input:        InputKey,
			FirstDigit:   cfg.MenuTimeout,
			MaxRepeats:   cfg.MaxRepeats,
			OnPromptDone: Action{Do: startTake},
			Keys: map[byte]Action{
				'#': {Do: startTake, Doc: "skip the prompt: the beep, then speak; # ends the recording"},
			},
			IgnoreInvalid: true,
		},
		{
			ID:         MenuGreetingReview,
			Doc:        "After recording a greeting or your name",
			Prompt:     []string{"vm-review"},
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: keepOldGreeting},
			Keys: map[byte]Action{
				'1': {Do: acceptTake, Doc: "accept (`vm-msgsaved`)"},
				'2': {Do: listenToTake, Doc: "listen to it"},
				'3': {Do: rerecordTake, Doc: "record it again"},
			},
		},
	}
}

// Greeting kinds, as the app stores them.
//
// Deprecated: use mailbox.GreetingUnavail and the others, the same values.
const (
	GreetUnavail = mailbox.GreetingUnavail
	GreetBusy    = mailbox.GreetingBusy
	GreetTemp    = mailbox.GreetingTemp
	GreetName    = mailbox.GreetingName
)

// GreetIntro is the Cmd.Greeting of a CmdRecordGreeting that records a
// forward's introduction. It is no greeting of the mailbox (it fails
// mailbox.Greeting.Validate): the app stores the take as a message
// recording.
const GreetIntro mailbox.Greeting = "intro"

// Take is a greeting (or the name) being recorded.
type Take struct {
	// Kind is the greeting (or the name) recorded.
	Kind mailbox.Greeting `json:"kind"`
	// Recording is the new take: named by the app (EvTakeNamed) before
	// the recording starts, so that the session names the take's audio
	// from its first byte and whoever ends or resumes the call can
	// discard it.
	Recording string `json:"recording,omitempty"`
}

// recordPrompts are what app_voicemail says before each recording.
var recordPrompts = map[mailbox.Greeting]string{
	mailbox.GreetingUnavail: "vm-rec-unv",
	mailbox.GreetingBusy:    "vm-rec-busy",
	mailbox.GreetingName:    "vm-rec-name",
	mailbox.GreetingTemp:    "vm-rec-temp",
}

// optionsPrompt is vm-options: "press 1 to record your unavailable message,
// 2 busy, 3 name, 4 temporary greeting, 5 change password, * main menu".
// A temporary greeting that exists is recalled first: vm-tmpexists
// (app_voicemail's vm_options).
func optionsPrompt(s *State) []string {
	if s.Greetings[mailbox.GreetingTemp] {
		return []string{"vm-tmpexists", "vm-options"}
	}
	return []string{"vm-options"}
}

// tempPrompt is vm-tempgreeting2: "press 1 to record, 2 to erase".
func tempPrompt(s *State) []string {
	return []string{"vm-tempgreeting2"}
}

// recordTake is the options' key that records greeting kind.
func recordTake(kind mailbox.Greeting) func(st *stepper) {
	return func(st *stepper) { st.recordGreeting(kind) }
}

// openOptions enters the mailbox options ('0' in the main and message
// menus, '*' in the temporary greeting's menu); a greeting take left over
// is forgotten.
func openOptions(st *stepper) {
	st.s.Take = nil
	st.enter(MenuOptions, nil)
}

// recordGreeting asks for a new take of kind: prefix, its prompt, then
// the beep.
func (st *stepper) recordGreeting(kind mailbox.Greeting, prefix ...string) {
	st.s.Take = &Take{Kind: kind}
	st.s.Menu = MenuGreetingRecord
	st.s.Repeats = 0
	st.s.Input = ""
	st.s.Pending = ""
	st.play(append(prefix, recordPrompts[kind]), PhasePrompting)
}

// startTake starts a take, once the prompt ended (or on '#'): the app
// names it first (CmdNameTake), and the recording starts once the name is
// in the state (takeNamed).
func startTake(st *stepper) {
	kind := GreetIntro
	if st.s.Take != nil {
		kind = st.s.Take.Kind
		st.s.Take.Recording = ""
	}
	st.stopPrompt()
	st.s.Phase = PhaseRecording
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdNameTake, Greeting: kind, Mailbox: st.s.mailboxID()})
}

// takeNamed keeps the name the app gave the take being started
// (EvTakeNamed) and records it. The step's state names the take before
// its recording starts: the app saves it, fenced, first (CmdRecordGreeting
// waits for the call's ownership), so an instance that resumes the call
// finds the take and discards it. A name that comes late (the call moved
// on, or the take is named already) is dropped.
func (st *stepper) takeNamed(name string) {
	if name == "" || st.s.Phase != PhaseRecording {
		return
	}
	kind := GreetIntro
	switch t, f := st.s.Take, st.s.Forward; {
	case t != nil && t.Recording == "":
		kind, t.Recording = t.Kind, name
	case t == nil && f != nil && f.Recording && f.Intro == "":
		f.Intro = name
	default:
		return
	}
	st.emit(Cmd{Kind: CmdRecordGreeting, Greeting: kind, Mailbox: st.s.mailboxID(), Name: name,
		MaxSeconds: st.e.cfg.MaxGreetingSeconds})
}

// takeRecorded goes to the review menu; a failed or empty take says so and
// keeps the old recording. The end of another recording than the take's
// is stale.
func (st *stepper) takeRecorded(r *Recorded) {
	t := st.s.Take
	if t.Recording != "" && r.Name != "" && r.Name != t.Recording {
		return
	}
	if r.Failed || r.Duration == 0 {
		if r.Name != "" {
			st.emit(Cmd{Kind: CmdDiscard, Name: r.Name})
		}
		st.s.Take = nil
		if st.s.walkingThrough() {
			// The walk-through asks again for what is missing; a caller
			// who never records is not asked forever.
			st.s.TakeFails++
			if st.s.TakeFails >= walkTakeTries {
				st.goodbye("vm-sorry", "vm-goodbye")
				return
			}
		}
		st.afterTake([]string{"vm-sorry"})
		return
	}
	st.s.TakeFails = 0
	t.Recording = r.Name
	st.enter(MenuGreetingReview, nil)
}

// walkTakeTries is how many takes in a row may record nothing in the
// walk-through at login before the call ends: app_voicemail's
// play_record_review gives up after three attempts, and the login then
// hangs up.
const walkTakeTries = 3

// acceptTake is '1' after a take: it becomes the mailbox's recording.
func acceptTake(st *stepper) {
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.setTake()
}

// setTake asks for the take to become the mailbox's recording.
func (st *stepper) setTake() {
	t := st.s.Take
	st.emit(Cmd{Kind: CmdSetGreeting, Mailbox: st.s.mailboxID(), Greeting: t.Kind, Name: t.Recording})
}

// redoChange asks again for a greeting change whose outcome went with the
// instance that asked for it (resume, finish): a take made the mailbox's
// recording (acceptTake) or the temporary greeting removed (deleteTemp).
// Either comes out the same when done twice. (A new password is not kept
// in the state, so its change cannot be asked for again: the caller hears
// the menu again.) It reports whether there was one.
func (st *stepper) redoChange() bool {
	if st.s.Phase != PhaseBusy || !st.s.Authenticated {
		return false
	}
	switch t := st.s.Take; {
	case t != nil && t.Recording != "" && st.s.Menu == MenuGreetingReview:
		st.setTake()
	case t == nil && st.s.Menu == MenuTemp:
		st.clearTemp()
	default:
		return false
	}
	return true
}

// listenToTake is '2' after a take: the take, then the review's prompt.
func listenToTake(st *stepper) {
	st.play(append([]string{"recording:" + st.s.Take.Recording}, st.prompt(st.menu())...), PhasePrompting)
}

// rerecordTake is '3' after a take: the take is dropped and the same
// greeting asked for again.
func rerecordTake(st *stepper) {
	kind := st.takeKind()
	st.dropTake()
	st.recordGreeting(kind)
}

// takeKind is the kind of the greeting being recorded.
func (st *stepper) takeKind() mailbox.Greeting {
	if st.s.Take != nil {
		return st.s.Take.Kind
	}
	return mailbox.GreetingUnavail
}

// keepOldGreeting is what the review of a take does when it gets no
// answer: the take is dropped, and the caller is back in the options (the
// walk-through ends the call).
func keepOldGreeting(st *stepper) {
	st.dropTake()
	if st.s.walkingThrough() {
		st.goodbye("vm-goodbye")
		return
	}
	st.enter(MenuOptions, nil)
}

// dropTake discards an unaccepted take: hanging up or not answering the
// review keeps the old recording (play_record_review).
func (st *stepper) dropTake() {
	if t := st.s.Take; t != nil && t.Recording != "" {
		st.emit(Cmd{Kind: CmdDiscard, Name: t.Recording})
	}
	st.s.Take = nil
}

// dropTakeOnHangup: a greeting take that was not accepted is not kept (the
// old one stays). A take whose acceptance is being stored (busy) is the
// mailbox's greeting now.
func (st *stepper) dropTakeOnHangup() {
	if st.s.Phase != PhaseBusy {
		st.dropTake()
	}
}

// changeDone ends a mailbox change (EvDone).
func (st *stepper) changeDone(r *Saved) {
	if r == nil || st.s.Phase != PhaseBusy {
		return
	}
	switch {
	case st.s.Take != nil:
		t := st.s.Take
		st.s.Take = nil
		said := st.takePrefix() // the apology of a change done again
		if !r.OK {
			// The take stays: a change whose reply was lost may have been
			// stored, and then the take is the mailbox's greeting. Audio
			// that nothing points at is the janitor's.
			st.afterTake(append(said, "vm-sorry"))
			return
		}
		if st.s.Greetings == nil {
			st.s.Greetings = map[mailbox.Greeting]bool{}
		}
		st.s.Greetings[t.Kind] = true
		st.afterTake(append(said, "vm-msgsaved"))
	case st.s.Menu == MenuTemp:
		if r.OK && st.s.Greetings != nil {
			delete(st.s.Greetings, mailbox.GreetingTemp)
			if len(st.s.Greetings) == 0 {
				st.s.Greetings = nil
			}
		}
		said := "vm-tempremoved"
		if !r.OK {
			said = "vm-sorry"
		}
		st.enter(MenuOptions, append(append(st.takePrefix(), said), optionsPrompt(&st.s)...))
	case st.s.Menu == MenuReenterPassword:
		st.passwordChanged(r.OK)
	case st.s.Forward != nil:
		st.forwarded(r)
	}
}

// afterTake returns from a recording to the options, or to the next step
// of the first-login walk-through.
func (st *stepper) afterTake(said []string) {
	if st.s.walkingThrough() {
		st.nextSetupStep(said...)
		return
	}
	st.enter(MenuOptions, append(said, optionsPrompt(&st.s)...))
}

// tempGreeting is '4' in the options: record one when none exists, else
// offer re-record or delete (vm_tempgreeting).
func tempGreeting(st *stepper) {
	if st.s.Greetings[mailbox.GreetingTemp] {
		st.enter(MenuTemp, nil)
		return
	}
	st.recordGreeting(mailbox.GreetingTemp)
}

// deleteTemp is '2' in the temporary greeting's menu.
func deleteTemp(st *stepper) {
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.clearTemp()
}

// clearTemp asks for the temporary greeting's removal.
func (st *stepper) clearTemp() {
	st.emit(Cmd{Kind: CmdClearGreeting, Mailbox: st.s.mailboxID(), Greeting: mailbox.GreetingTemp})
}
