package menus

// The advanced options (app_voicemail advanced_options).
const (
	// MenuAdvanced is '3': reply, envelope, leave a message.
	MenuAdvanced MenuID = "advanced"
	// MenuSendTo asks for the mailbox to leave a message in.
	MenuSendTo MenuID = "advanced.send"
)

// advancedMenus are the advanced options ('3' in the main and message
// menus) and the mailbox number to leave a message in.
func advancedMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuAdvanced,
			Doc:        "Advanced options",
			PromptFunc: advancedPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: backToMain},
			Keys: map[byte]Action{
				'1': {Do: reply, Doc: "reply: leave a message for the sender (when the sender has a mailbox)"},
				'3': {Do: hearEnvelope, Doc: "hear the message's envelope"},
				'5': {Do: startSendTo, Doc: "leave a message in another mailbox"},
				'*': {Do: backToMain, Doc: "back to the main menu"},
			},
		},
		{
			ID:         MenuSendTo,
			Doc:        "Mailbox to leave a message in",
			Prompt:     []string{"vm-extension"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: backToMain},
			OnInput:    Entry{Do: sendTo, Doc: "the mailbox number, then #: its recorded name (or number), `vm-intro`, the beep, your message; an unknown or full mailbox says `pbx-invalid` / `vm-mailboxfull` and asks again"},
		},
	}
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

// reply is '1' in the advanced options: leave a message for the sender of
// the current message, when the sender's caller ID is a mailbox. A message
// without a caller ID says vm-nonumber, as app_voicemail does.
func reply(st *stepper) {
	m := current(&st.s)
	if m == nil || m.CallerNum == "" {
		said := "vm-sorry"
		if m != nil {
			said = "vm-nonumber"
		}
		st.play(append([]string{said}, advancedPrompt(&st.s)...), PhasePrompting)
		return
	}
	st.prepareSend(m.CallerNum)
}

// hearEnvelope is '3' in the advanced options: the current message's
// envelope, then the message menu. It says the date and the caller ID
// whatever the envelope and saycid options (app_voicemail's
// advanced_options, key 3).
func hearEnvelope(st *stepper) {
	m := current(&st.s)
	if m == nil {
		st.play(append([]string{"vm-sorry"}, advancedPrompt(&st.s)...), PhasePrompting)
		return
	}
	st.s.Menu = MenuMessage
	st.s.Repeats = 0
	env := envelope(st.location(), st.s.Lang, *m, st.s.Box.Now, BoxOptions{Envelope: true, SayCID: true,
		SayDuration: st.s.options().SayDuration})
	st.play(append(env, messageInstructions(&st.s)...), PhasePrompting)
}

// prepareSend asks the app about the mailbox number before leaving a
// message in it.
func (st *stepper) prepareSend(number string) {
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdPrepareDeposit, Name: number, Mailbox: st.s.mailboxID()})
}

// startSendTo is '5' in the advanced options: which mailbox to leave a
// message in.
func startSendTo(st *stepper) {
	st.s.SendTries = 0
	st.enter(MenuSendTo, nil)
}

// sendTo takes the typed mailbox number.
func sendTo(st *stepper, number string) {
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
		st.recipientChecked(d) // forward.go
		return
	}
	sending := st.s.Menu == MenuSendTo // '5', not a reply
	if sending && (d == nil || d.Full) {
		st.refuseSendTo(d)
		return
	}
	st.s.SendTries = 0
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
	said := []string{"vm-intro"}
	if sending {
		// The mailbox is read back, as forward_message does: its
		// recorded name, or its number.
		said = append(recipientName(d), said...)
	}
	st.enter(MenuGreeting, said)
}

// returnFromDeposit brings a logged-in caller back after leaving a message.
func (st *stepper) returnFromDeposit(said []string) {
	st.s.Deposit = nil
	st.backToBrowsing(said)
}

// refuseSendTo asks for the mailbox again after an unknown one
// (pbx-invalid) or a full one (vm-mailboxfull), as forward_message does
// for a new message; after forwardTries entries it gives up, back to the
// messages.
func (st *stepper) refuseSendTo(d *Deposit) {
	said := []string{"pbx-invalid"}
	if d != nil {
		said = []string{"vm-mailboxfull"}
	}
	st.s.SendTries++
	st.s.Pending = ""
	if st.s.SendTries >= forwardTries {
		st.s.SendTries = 0
		st.backToBrowsing(said)
		return
	}
	st.enter(MenuSendTo, append(said, "vm-extension"))
}

// recipientName is what reads a mailbox back: its recorded name, or its
// number digit by digit.
func recipientName(d *Deposit) []string {
	if d.NameRecording != "" {
		return []string{"recording:" + d.NameRecording}
	}
	return sayDigits(d.Mailbox.Number)
}
