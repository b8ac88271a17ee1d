package menus

import (
	"strconv"
	"strings"
)

// The forward menus (app_voicemail forward_message and vm_forwardoptions).
const (
	// MenuForwardTo asks for the mailboxes to forward to.
	MenuForwardTo MenuID = "forward.to"
	// MenuForwardCheck reads back a recipient found: its recorded name,
	// or its number.
	MenuForwardCheck MenuID = "forward.check"
	// MenuForwardOptions offers an introduction or none, or to cancel.
	MenuForwardOptions MenuID = "forward.options"
)

// forwardTries is how many entries of recipients forward_message refuses
// (an unknown or full mailbox, the caller's own, nothing typed) before it
// gives up: app_voicemail plays vm-extension five times at most.
const forwardTries = 5

// forwardMenus ask where to forward the current message ('8' after a
// message), read each recipient back as it is found, then ask whether to
// record an introduction.
func forwardMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:          MenuForwardTo,
			Doc:         "Forward to",
			Prompt:      []string{"vm-extension"},
			Input:       InputDigits,
			MaxDigits:   64,
			FirstDigit:  cfg.LoginFirstDigit,
			InterDigit:  cfg.LoginInterDigit,
			MaxRepeats:  cfg.MaxRepeats,
			OnGiveUp:    Action{Do: backToMain},
			OnInput:     Entry{Do: forwardTo, Doc: "the mailbox number (several: separated by *), then #; each is read back (its recorded name, or its number); an unknown or full mailbox, or your own, says `pbx-invalid` / `vm-mailboxfull` and asks again"},
			StarInInput: true,
		},
		{
			// Other keys during the read-back are ignored: the next
			// check follows it.
			ID:            MenuForwardCheck,
			Doc:           "Recipient read back",
			PromptFunc:    recipientPrompt,
			Input:         InputKey,
			FirstDigit:    cfg.MenuTimeout,
			MaxRepeats:    cfg.MaxRepeats,
			IgnoreInvalid: true,
			OnPromptDone:  Action{Do: checkNextRecipient},
			OnGiveUp:      Action{Do: checkNextRecipient},
			Keys: map[byte]Action{
				'#': {Do: checkNextRecipient, Doc: "skip the read-back"},
			},
		},
		{
			ID:         MenuForwardOptions,
			Doc:        "How to forward",
			Prompt:     []string{"vm-forwardoptions", "vm-starmain"},
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			// app_voicemail cancels a forward nobody confirms.
			OnGiveUp: Action{Do: backToMain},
			Keys: map[byte]Action{
				'1': {Do: recordIntro, Doc: "record an introduction first (`vm-record-prepend`), then forward"},
				'2': {Do: forwardNow, Doc: "forward it as it is (`vm-msgforwarded`)"},
				'*': {Do: backToMain, Doc: "cancel: nothing is forwarded"},
			},
		},
	}
}

// Forward is a forward being set up.
type Forward struct {
	MsgID string   `json:"msg_id"`
	To    []string `json:"to"`
	// Checked counts the mailboxes of To found and read back so far.
	Checked int `json:"checked,omitempty"`
	// Name is the recorded name of the last mailbox found, "" to say its
	// number (the read-back).
	Name string `json:"name,omitempty"`
	// Tries counts the entries refused.
	Tries int `json:"tries,omitempty"`
	// Intro is the introduction: named by the app (EvTakeNamed) before it
	// is recorded, like a greeting's take.
	Intro string `json:"intro,omitempty"`
	// Recording is set while the introduction is being recorded.
	Recording bool `json:"recording,omitempty"`
	// Sending is set from the moment the copies are asked for (CmdForward)
	// until their outcome: an instance that resumes or finishes the call
	// asks for them again (redoForward).
	Sending bool `json:"sending,omitempty"`
	// Key names this forward's copies (CmdForward's Key), the same each
	// time they are asked for: so a copy made before a takeover is not made
	// again. Empty when the call has no Key.
	Key string `json:"key,omitempty"`
}

// forwardMessage is '8' after a message: to which mailboxes (sorry when no
// message is current).
func forwardMessage(st *stepper) {
	m := current(&st.s)
	if m == nil {
		st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
		return
	}
	st.s.Forward = &Forward{MsgID: m.ID}
	st.enter(MenuForwardTo, nil)
}

// forwardTo takes the typed mailboxes: several may be typed with '*'
// between them ("1002*1003#"). They are checked one by one, each read back
// once found, as forward_message does.
func forwardTo(st *stepper, input string) {
	m := current(&st.s)
	if m == nil {
		backToMain(st)
		return
	}
	if st.s.Forward == nil || st.s.Forward.MsgID != m.ID {
		st.s.Forward = &Forward{MsgID: m.ID}
	}
	var to []string
	for _, n := range strings.Split(input, "*") {
		if n != "" {
			to = append(to, n)
		}
	}
	if len(to) == 0 {
		// Nothing typed: the question again (forward_message starts over).
		st.refuseRecipients(nil)
		return
	}
	f := st.s.Forward
	f.To, f.Checked, f.Name = to, 0, ""
	checkNextRecipient(st)
}

// checkNextRecipient looks up the next mailbox typed, or, once all were
// found, asks how to forward. The caller's own mailbox is refused without
// a look-up: a message is not forwarded to the box it is in.
func checkNextRecipient(st *stepper) {
	f := st.s.Forward
	if f == nil {
		backToMain(st)
		return
	}
	if f.Checked >= len(f.To) {
		f.Name = ""
		st.enter(MenuForwardOptions, nil)
		return
	}
	n := f.To[f.Checked]
	if n == st.s.mailboxID().Number {
		st.refuseRecipients([]string{"pbx-invalid"})
		return
	}
	st.stopPrompt()
	st.s.Menu = MenuForwardTo
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdPrepareDeposit, Name: n, Mailbox: st.s.mailboxID()})
}

// recipientChecked takes the look-up of the next mailbox typed: an
// unknown one is refused with pbx-invalid, a full one with vm-mailboxfull;
// one found is read back.
func (st *stepper) recipientChecked(d *Deposit) {
	f := st.s.Forward
	switch {
	case d == nil:
		st.refuseRecipients([]string{"pbx-invalid"})
		return
	case d.Full:
		st.refuseRecipients([]string{"vm-mailboxfull"})
		return
	}
	f.Name = d.NameRecording
	f.Checked++
	st.enter(MenuForwardCheck, nil)
}

// recipientPrompt reads back the last mailbox found: its recorded name, or
// its number digit by digit.
func recipientPrompt(s *State) []string {
	f := s.Forward
	switch {
	case f == nil || f.Checked < 1 || f.Checked > len(f.To):
		return []string{"vm-extension"}
	case f.Name != "":
		return []string{"recording:" + f.Name}
	}
	if out := sayDigits(f.To[f.Checked-1]); len(out) > 0 {
		return out
	}
	return []string{"vm-extension"}
}

// refuseRecipients drops the mailboxes typed and asks for them again after
// said, or gives up after forwardTries entries.
func (st *stepper) refuseRecipients(said []string) {
	f := st.s.Forward
	f.To, f.Checked, f.Name = nil, 0, ""
	f.Tries++
	st.s.Pending = ""
	st.stopPrompt()
	if f.Tries >= forwardTries {
		st.s.Forward = nil
		st.backToBrowsing(said)
		return
	}
	st.enter(MenuForwardTo, append(said, "vm-extension"))
}

// forwardNow forwards the message, with the introduction when recorded:
// '2' in the forward options, and what follows the introduction.
func forwardNow(st *stepper) {
	f := st.s.Forward
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	f.Sending = true
	if st.s.Key != "" {
		// Seq moves on with every prompt, and one plays between two
		// forwards of a call: each forward's copies are named apart.
		f.Key = st.s.Key + "-" + strconv.Itoa(st.s.Seq)
	}
	st.sendForward()
}

// sendForward asks for the copies of the forward under way.
func (st *stepper) sendForward() {
	f := st.s.Forward
	st.emit(Cmd{Kind: CmdForward, Mailbox: st.s.mailboxID(), MsgID: f.MsgID, To: f.To, Name: f.Intro, Key: f.Key})
}

// redoForward asks again for the copies of a forward whose outcome went
// with the instance that asked for them (resume, finish): the copies it
// made are found by their names (Forward.Key) and not made twice. It
// reports whether there was one.
//
// A forward with no key (its call began on an older instance, or one
// saved its state) is not asked for again: its copies would be made
// twice. Resumed, the caller hears the menu again, as before keys.
func (st *stepper) redoForward() bool {
	f := st.s.Forward
	if f == nil || !f.Sending || f.Key == "" || st.s.Phase != PhaseBusy || !st.s.Authenticated {
		return false
	}
	st.sendForward()
	return true
}

// recordIntro is '1' in the forward options: record an introduction to
// prepend (vm-record-prepend).
func recordIntro(st *stepper) {
	st.s.Forward.Recording = true
	st.s.Menu = MenuGreetingRecord
	st.play([]string{"vm-record-prepend"}, PhasePrompting)
}

func (st *stepper) introRecorded(r *Recorded) {
	f := st.s.Forward
	if f.Intro != "" && r.Name != "" && r.Name != f.Intro {
		return // the end of another recording than the introduction's
	}
	f.Recording = false
	if r.Failed || r.Duration == 0 {
		if r.Name != "" {
			st.emit(Cmd{Kind: CmdDiscard, Name: r.Name})
		}
		f.Intro = ""
	} else {
		f.Intro = r.Name
	}
	forwardNow(st)
}

func (st *stepper) forwarded(r *Saved) {
	f := st.s.Forward
	st.s.Forward = nil
	if f.Intro != "" && !r.OK {
		st.emit(Cmd{Kind: CmdDiscard, Name: f.Intro})
	}
	said := st.takePrefix() // the apology of a forward sent again
	if !r.OK {
		st.backToBrowsing(append(said, "vm-sorry"))
		return
	}
	st.backToBrowsing(append(said, "vm-msgforwarded"))
}

// dropIntroOnHangup discards an introduction that was never sent. One
// this step sends again (finish) is left to the forward, which deletes it
// once copied. (On a live hang-up the forward has run already: the
// copies are made, or the take is the forward's leftover.)
func (st *stepper) dropIntroOnHangup() {
	if f := st.s.Forward; f != nil && f.Intro != "" && !st.introSent {
		st.emit(Cmd{Kind: CmdDiscard, Name: f.Intro})
	}
}
