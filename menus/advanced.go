package menus

import "strings"

// Advanced options and forwarding (app_voicemail advanced_options,
// forward_message).
const (
	// MenuAdvanced is '3': reply, envelope, leave a message.
	MenuAdvanced MenuID = "advanced"
	// MenuSendTo asks for the mailbox to leave a message in.
	MenuSendTo MenuID = "advanced.send"
	// MenuForwardTo asks for the mailboxes to forward to.
	MenuForwardTo MenuID = "forward.to"
	// MenuForwardOptions offers an introduction or none.
	MenuForwardOptions MenuID = "forward.options"
)

// Forward is a forward being set up.
type Forward struct {
	MsgID string   `json:"msg_id"`
	To    []string `json:"to"`
	// Intro is the recorded introduction, once recorded.
	Intro string `json:"intro,omitempty"`
	// Recording is set while the introduction is being recorded.
	Recording bool `json:"recording,omitempty"`
}

// advancedPrompt lists what applies: reply and envelope need a current
// message (app_voicemail says vm-sorry otherwise).
func advancedPrompt(s *State) []string {
	var out []string
	if current(s) != nil {
		out = append(out, "vm-toreply", "vm-tohearenv")
	}
	return append(out, "vm-leavemsg", "vm-starmain")
}

// current is the current message, or nil.
func current(s *State) *MsgInfo {
	b := s.Box
	if b == nil || b.Cur < 0 || b.Cur >= len(b.Msgs) {
		return nil
	}
	return &b.Msgs[b.Cur]
}

// reply leaves a message for the sender of the current message, when the
// sender's caller ID is a mailbox.
func (st *stepper) reply() {
	m := current(&st.s)
	if m == nil || m.CallerNum == "" {
		st.play(append([]string{"vm-sorry"}, advancedPrompt(&st.s)...), PhasePrompting)
		return
	}
	st.prepareSend(m.CallerNum)
}

// envelope plays the current message's envelope, then the message menu.
func (st *stepper) hearEnvelope() {
	m := current(&st.s)
	if m == nil {
		st.play(append([]string{"vm-sorry"}, advancedPrompt(&st.s)...), PhasePrompting)
		return
	}
	st.s.Menu = MenuMessage
	st.s.Repeats = 0
	env := envelope(st.e.cfg.Location, st.s.Lang, *m, st.s.Box.Now)
	st.play(append(env, messageInstructions(&st.s)...), PhasePrompting)
}

// prepareSend asks the app about the mailbox number before leaving a
// message in it.
func (st *stepper) prepareSend(number string) {
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdPrepareDeposit, Name: number, Mailbox: st.s.Mailbox})
}

// sendTo takes the typed mailbox number.
func (st *stepper) sendTo(number string) {
	if number == "" {
		st.backToBrowsing([]string{"vm-sorry"})
		return
	}
	st.prepareSend(number)
}

// targetReady starts leaving a message in the mailbox looked up: straight
// to "leave your message after the tone", no greeting; afterwards the
// caller is back in the mailbox.
func (st *stepper) targetReady(d *Deposit) {
	if st.s.Phase != PhaseBusy {
		return
	}
	// Keys typed during the lookup would land in the greeting, which
	// ignores them.
	st.s.Pending = ""
	if st.s.Forward != nil {
		st.forwardTargetsChecked(d != nil)
		return
	}
	if d == nil {
		// "You cannot reply: the sender has no mailbox."
		st.backToBrowsing([]string{"vm-nobox"})
		return
	}
	dep := *d
	dep.Greeting, dep.NameRecording = "", ""
	dep.Then = "return"
	dep.Operator = false
	st.s.Deposit = &dep
	if dep.Full {
		st.s.Deposit = nil
		st.backToBrowsing([]string{"vm-mailboxfull"})
		return
	}
	st.enter(MenuGreeting, []string{"vm-intro"})
}

// returnFromDeposit brings a logged-in caller back after leaving a message.
func (st *stepper) returnFromDeposit(said []string) {
	st.s.Deposit = nil
	st.backToBrowsing(said)
}

// forwardTo takes the typed mailboxes: several may be typed with '*'
// between them ("1002*1003#").
func (st *stepper) forwardTo(input string) {
	m := current(&st.s)
	var to []string
	for _, n := range strings.Split(input, "*") {
		if n != "" {
			to = append(to, n)
		}
	}
	if m == nil || len(to) == 0 {
		st.backToBrowsing([]string{"vm-sorry"})
		return
	}
	st.s.Forward = &Forward{MsgID: m.ID, To: to}
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	// Check the mailboxes before asking how to forward.
	st.emit(Cmd{Kind: CmdPrepareDeposit, Name: strings.Join(to, "*"), Mailbox: st.s.Mailbox})
}

func (st *stepper) forwardTargetsChecked(ok bool) {
	if !ok {
		st.s.Forward = nil
		st.backToBrowsing([]string{"vm-nobox"})
		return
	}
	st.enter(MenuForwardOptions, nil)
}

// forwardNow forwards the message, with the introduction when recorded.
func (st *stepper) forwardNow() {
	f := st.s.Forward
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdForward, Mailbox: st.s.Mailbox, MsgID: f.MsgID, To: f.To, Name: f.Intro})
}

// recordIntro records an introduction to prepend (vm-record-prepend).
func (st *stepper) recordIntro() {
	st.s.Forward.Recording = true
	st.s.Menu = MenuGreetingRecord
	st.play([]string{"vm-record-prepend"}, PhasePrompting)
}

func (st *stepper) introRecorded(r *Recorded) {
	f := st.s.Forward
	f.Recording = false
	if r.Failed || r.Duration == 0 {
		if r.Name != "" {
			st.emit(Cmd{Kind: CmdDiscard, Name: r.Name})
		}
		f.Intro = ""
	} else {
		f.Intro = r.Name
	}
	st.forwardNow()
}

func (st *stepper) forwarded(r *Saved) {
	f := st.s.Forward
	st.s.Forward = nil
	if f.Intro != "" && !r.OK {
		st.emit(Cmd{Kind: CmdDiscard, Name: f.Intro})
	}
	if !r.OK {
		st.backToBrowsing([]string{"vm-sorry"})
		return
	}
	st.backToBrowsing([]string{"vm-msgforwarded"})
}
