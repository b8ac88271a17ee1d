package menus

import "strings"

// The mailbox owner's menus (app_voicemail vm_options, vm_tempgreeting,
// vm_newuser_setup, play_record_review).
const (
	// MenuOptions is '0' from the main menu: greetings, name, password.
	MenuOptions MenuID = "options"
	// MenuTemp manages the temporary greeting when one exists.
	MenuTemp MenuID = "options.temp"
	// MenuGreetingRecord records a greeting or the name.
	MenuGreetingRecord MenuID = "greeting.record"
	// MenuGreetingReview follows a greeting or name recording.
	MenuGreetingReview MenuID = "greeting.review"
	// MenuNewPassword asks for a new password.
	MenuNewPassword MenuID = "password.new"
	// MenuReenterPassword asks for it again.
	MenuReenterPassword MenuID = "password.again"
)

// Greeting kinds, as the app stores them.
const (
	GreetUnavail = "unavail"
	GreetBusy    = "busy"
	GreetTemp    = "temp"
	GreetName    = "greet"
)

// Take is a greeting (or the name) being recorded.
type Take struct {
	// Kind is GreetUnavail, GreetBusy, GreetTemp or GreetName.
	Kind string `json:"kind"`
	// Recording is the new take, once recorded.
	Recording string `json:"recording,omitempty"`
}

// recordPrompts are what app_voicemail says before each recording.
var recordPrompts = map[string]string{
	GreetUnavail: "vm-rec-unv",
	GreetBusy:    "vm-rec-busy",
	GreetName:    "vm-rec-name",
	GreetTemp:    "vm-rec-temp",
}

// optionsPrompt is vm-options: "press 1 to record your unavailable message,
// 2 busy, 3 name, 4 temporary greeting, 5 change password, * main menu".
func optionsPrompt(s *State) []string {
	return []string{"vm-options"}
}

// tempPrompt is vm-tempgreeting2: "press 1 to record, 2 to erase".
func tempPrompt(s *State) []string {
	return []string{"vm-tempgreeting2"}
}

// recordGreeting asks for a new take of kind: prefix, its prompt, then
// the beep.
func (st *stepper) recordGreeting(kind string, prefix ...string) {
	st.s.Take = &Take{Kind: kind}
	st.s.Menu = MenuGreetingRecord
	st.s.Repeats = 0
	st.s.Input = ""
	st.s.Pending = ""
	st.play(append(prefix, recordPrompts[kind]), PhasePrompting)
}

// startTake starts the recording itself, once the prompt ended.
func (st *stepper) startTake() {
	kind := "intro" // a forward's introduction
	if st.s.Take != nil {
		kind = st.s.Take.Kind
		st.s.Take.Recording = ""
	}
	st.stopPrompt()
	st.s.Phase = PhaseRecording
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdRecordGreeting, Greeting: kind, Mailbox: st.s.Mailbox, MaxSeconds: st.e.cfg.MaxGreetingSeconds})
}

// takeRecorded goes to the review menu; a failed or empty take says so and
// keeps the old recording.
func (st *stepper) takeRecorded(r *Recorded) {
	t := st.s.Take
	if r.Failed || r.Duration == 0 {
		if r.Name != "" {
			st.emit(Cmd{Kind: CmdDiscard, Name: r.Name})
		}
		st.s.Take = nil
		st.afterTake([]string{"vm-sorry"})
		return
	}
	t.Recording = r.Name
	st.enter(MenuGreetingReview, nil)
}

// acceptTake makes the take the mailbox's recording.
func (st *stepper) acceptTake() {
	t := st.s.Take
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdSetGreeting, Mailbox: st.s.Mailbox, Greeting: t.Kind, Name: t.Recording})
}

// dropTake discards an unaccepted take: hanging up or not answering the
// review keeps the old recording (play_record_review).
func (st *stepper) dropTake() {
	if t := st.s.Take; t != nil && t.Recording != "" {
		st.emit(Cmd{Kind: CmdDiscard, Name: t.Recording})
	}
	st.s.Take = nil
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
		if !r.OK {
			st.emit(Cmd{Kind: CmdDiscard, Name: t.Recording})
			st.afterTake([]string{"vm-sorry"})
			return
		}
		if st.s.Greetings == nil {
			st.s.Greetings = map[string]bool{}
		}
		st.s.Greetings[t.Kind] = true
		st.afterTake([]string{"vm-msgsaved"})
	case st.s.Menu == MenuTemp:
		if r.OK && st.s.Greetings != nil {
			delete(st.s.Greetings, GreetTemp)
			if len(st.s.Greetings) == 0 {
				st.s.Greetings = nil
			}
		}
		said := "vm-tempremoved"
		if !r.OK {
			said = "vm-sorry"
		}
		st.enter(MenuOptions, append([]string{said}, optionsPrompt(&st.s)...))
	case st.s.Menu == MenuReenterPassword:
		st.passwordChanged(r.OK)
	case st.s.Forward != nil:
		st.forwarded(r)
	}
}

// afterTake returns from a recording to the options, or to the next step
// of the first-login walk-through.
func (st *stepper) afterTake(said []string) {
	if st.s.Setup {
		if st.s.Greetings[GreetName] {
			st.enter(MenuNewPassword, append(said, "vm-newpassword"))
			return
		}
		st.recordGreeting(GreetName, said...)
		return
	}
	st.enter(MenuOptions, append(said, optionsPrompt(&st.s)...))
}

// tempGreeting is '4': record one when none exists, else offer re-record or
// delete (vm_tempgreeting).
func (st *stepper) tempGreeting() {
	if st.s.Greetings[GreetTemp] {
		st.enter(MenuTemp, nil)
		return
	}
	st.recordGreeting(GreetTemp)
}

func (st *stepper) deleteTemp() {
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdClearGreeting, Mailbox: st.s.Mailbox, Greeting: GreetTemp})
}

// newPassword takes the first entry of a new password and checks the rules
// (apps/app_voicemail.c check_password, and the product's: not the default,
// not the mailbox number, not all one digit, not a straight run such as
// 1234 or 9876: the first PINs a guesser tries).
func (st *stepper) newPassword(pin string) {
	if !st.validPassword(pin) {
		st.enter(MenuNewPassword, []string{"vm-invalid-password", "vm-newpassword"})
		return
	}
	st.s.NewPIN = pin
	st.enter(MenuReenterPassword, nil)
}

func (st *stepper) validPassword(pin string) bool {
	if len(pin) < st.e.cfg.MinPasswordLength || len(pin) > 20 || pin == st.e.cfg.DefaultPIN {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	number := st.s.Mailbox
	for i := 0; i < len(number); i++ {
		if number[i] == '@' {
			number = number[:i]
			break
		}
	}
	if pin == number {
		return false
	}
	return strings.Repeat(pin[:1], len(pin)) != pin && !straightRun(pin)
}

// straightRun reports whether each digit of pin is one more (or each one
// less) than the one before, wrapping 9 to 0: 1234, 7890, 4321, 2109.
func straightRun(pin string) bool {
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		d := (int(pin[i]) - int(pin[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}

// reenterPassword compares the second entry; a mismatch says vm-mismatch.
func (st *stepper) reenterPassword(pin string) {
	first := st.s.NewPIN
	st.s.NewPIN = ""
	if pin != first || first == "" {
		if st.s.Setup {
			st.enter(MenuNewPassword, []string{"vm-mismatch", "vm-newpassword"})
			return
		}
		st.enter(MenuOptions, append([]string{"vm-mismatch"}, optionsPrompt(&st.s)...))
		return
	}
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdSetPIN, Mailbox: st.s.Mailbox, PIN: pin})
}

// passwordChanged says vm-passchanged; a walk-through then goes on to the
// mailbox as after any login.
func (st *stepper) passwordChanged(ok bool) {
	if !ok {
		st.enter(MenuOptions, append([]string{"vm-sorry"}, optionsPrompt(&st.s)...))
		return
	}
	if st.s.Setup {
		st.s.Setup = false
		st.s.Menu = MenuLoginPassword
		st.s.Prefix = []string{"vm-passchanged"}
		st.loadFolder(startFolderIndex(st.s.Counts))
		return
	}
	st.enter(MenuOptions, append([]string{"vm-passchanged"}, optionsPrompt(&st.s)...))
}
