package menus

import "strconv"

// Deposit describes a message being left (app_voicemail's leave_voicemail).
// The app fills it from the mailbox before the call starts.
type Deposit struct {
	// Mailbox is NUMBER@CONTEXT; Number is spoken by the default greeting.
	Mailbox string `json:"mailbox"`
	Number  string `json:"number"`
	// Busy selects the busy greeting ("is on the phone"), else unavailable.
	Busy bool `json:"busy,omitempty"`
	// Greeting is the recording to play as the greeting, "" for the default
	// one. The app picks it: temporary, else busy or unavailable as asked.
	Greeting string `json:"greeting,omitempty"`
	// NameRecording is the owner's recorded name, used by the default
	// greeting.
	NameRecording string `json:"name_recording,omitempty"`
	// Full is set when the mailbox cannot take another message.
	Full bool `json:"full,omitempty"`
	// Review offers 1 accept, 2 listen, 3 re-record after recording.
	Review bool `json:"review,omitempty"`
	// Operator lets 0 reach the operator (VOICEMAIL_STATUS=OPERATOR).
	Operator bool `json:"operator,omitempty"`
	// MinSeconds, MaxSeconds and MaxSilence bound the recording.
	MinSeconds int `json:"min"`
	MaxSeconds int `json:"max"`
	MaxSilence int `json:"silence"`
	// MessageID and Recording name the message and its audio.
	MessageID string `json:"msg_id"`
	Recording string `json:"recording"`
	// CallerNum and CallerName are the envelope's caller ID.
	CallerNum  string `json:"caller_num,omitempty"`
	CallerName string `json:"caller_name,omitempty"`

	// Recorded is set once a recording exists; Duration is its length.
	Recorded bool `json:"recorded,omitempty"`
	Duration int  `json:"duration,omitempty"`
	// Saved is set once the message is stored.
	Saved bool `json:"saved,omitempty"`
	// Then is the status to continue with after saving: "" (SUCCESS, after
	// vm-msgsaved) or "OPERATOR".
	Then string `json:"then,omitempty"`
}

// The deposit menus.
const (
	// MenuGreeting plays the greeting before the beep.
	MenuGreeting MenuID = "deposit.greeting"
	// MenuRecord is the recording itself.
	MenuRecord MenuID = "deposit.record"
	// MenuReview is the review menu after a recording.
	MenuReview MenuID = "deposit.review"
)

// startDeposit begins leaving a message: a full mailbox says so and goes
// back to the dialplan; otherwise the greeting plays.
func (st *stepper) startDeposit(d *Deposit) {
	if d == nil {
		st.emit(Cmd{Kind: CmdContinue, Status: "FAILED"})
		st.s.Phase = PhaseDone
		return
	}
	dep := *d
	st.s.Deposit = &dep
	st.s.Mailbox = dep.Mailbox
	if dep.Full {
		// app_voicemail: vm-mailboxfull, VMSTATUS=FAILED.
		st.s.Menu = MenuGreeting
		st.s.Phase = PhaseClosing
		st.s.Seq++
		st.s.Playback = st.s.Channel + ":" + strconv.Itoa(st.s.Seq)
		st.s.CloseStatus = "FAILED"
		st.emit(Cmd{Kind: CmdPlay, ID: st.s.Playback, Media: []string{"vm-mailboxfull"}, Lang: st.s.Lang})
		return
	}
	st.enter(MenuGreeting, nil)
}

// greetingPrompt is the greeting and the instructions (invent_message and
// leave_voicemail): a recorded greeting, or "the person at extension N" (or
// the recorded name) "is unavailable" / "is on the phone"; then vm-intro.
func greetingPrompt(s *State) []string {
	d := s.Deposit
	if d == nil {
		return nil
	}
	var out []string
	switch {
	case d.Greeting != "":
		out = append(out, "recording:"+d.Greeting)
	default:
		if d.NameRecording != "" {
			out = append(out, "recording:"+d.NameRecording)
		} else {
			out = append(out, "vm-theperson")
			out = append(out, sayDigits(d.Number)...)
		}
		if d.Busy {
			out = append(out, "vm-isonphone")
		} else {
			out = append(out, "vm-isunavail")
		}
	}
	return append(out, "vm-intro")
}

// record starts (or restarts) the recording, with a beep.
func (st *stepper) record() {
	d := st.s.Deposit
	st.stopPrompt()
	st.s.Menu = MenuRecord
	st.s.Phase = PhaseRecording
	st.s.Pending = ""
	st.s.Input = ""
	st.s.TimerGen++
	d.Recorded = false
	st.emit(Cmd{Kind: CmdRecord, Name: d.Recording, MaxSeconds: d.MaxSeconds, MaxSilence: d.MaxSilence})
}

// recorded handles the end of a recording. A caller who hung up keeps the
// message; one shorter than the minimum is discarded (vm-tooshort); with
// review on, the review menu follows; else the message is saved.
func (st *stepper) recorded(r *Recorded) {
	if r != nil && st.s.Phase == PhaseRecording {
		switch {
		case st.s.Take != nil:
			st.takeRecorded(r)
			return
		case st.s.Forward != nil && st.s.Forward.Recording:
			st.introRecorded(r)
			return
		}
	}
	d := st.s.Deposit
	if r == nil || d == nil || st.s.Phase != PhaseRecording || r.Name != d.Recording {
		return
	}
	if r.Failed {
		st.s.Phase = PhaseDone
		st.emit(Cmd{Kind: CmdContinue, Status: "FAILED"})
		return
	}
	d.Duration = r.Duration
	if r.Duration < d.MinSeconds || r.Duration == 0 {
		st.emit(Cmd{Kind: CmdDiscard, Name: d.Recording})
		if st.s.HungUp {
			st.s.Phase = PhaseDone
			return
		}
		if d.Then == "return" {
			st.returnFromDeposit([]string{"vm-tooshort"})
			return
		}
		st.s.CloseStatus = "FAILED"
		st.play([]string{"vm-tooshort"}, PhaseClosing)
		return
	}
	d.Recorded = true
	if d.Review && !st.s.HungUp {
		st.enter(MenuReview, nil)
		return
	}
	st.save("")
}

// save stores the message. then is the status to continue with afterwards
// ("" for SUCCESS after vm-msgsaved, OPERATOR to reach the operator).
func (st *stepper) save(then string) {
	d := st.s.Deposit
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	if then != "" {
		d.Then = then
	}
	st.s.Input = ""
	st.s.Pending = ""
	st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: d.Duration})
}

// saved finishes the deposit: "message saved", then back to the dialplan.
func (st *stepper) saved(r *Saved) {
	d := st.s.Deposit
	if r == nil || d == nil || st.s.Phase != PhaseBusy {
		return
	}
	then := d.Then
	if st.s.HungUp {
		d.Saved = r.OK
		st.s.Phase = PhaseDone
		return
	}
	if !r.OK {
		media := []string{"vm-sorry"}
		if r.Full {
			media = []string{"vm-mailboxfull"}
		}
		if then == "return" {
			st.returnFromDeposit(media)
			return
		}
		st.s.CloseStatus = "FAILED"
		st.play(media, PhaseClosing)
		return
	}
	d.Saved = true
	if then == "return" {
		st.returnFromDeposit([]string{"vm-msgsaved"})
		return
	}
	if then == "OPERATOR" {
		st.s.Phase = PhaseDone
		st.emit(Cmd{Kind: CmdContinue, Status: "OPERATOR"})
		return
	}
	st.s.CloseStatus = "SUCCESS"
	st.play([]string{"vm-msgsaved"}, PhaseClosing)
}

// depositHangupRequest: the caller hung up. While recording, wait for the
// recording's end (it is kept); in review, keep the message as
// app_voicemail does.
func (st *stepper) depositHangupRequest() {
	d := st.s.Deposit
	if d == nil {
		return
	}
	if st.s.Menu == MenuReview && d.Recorded && !d.Saved && st.s.Phase != PhaseBusy {
		st.s.Playback = ""
		st.save("")
	}
}

// sayDigits speaks a string of digits one by one (ast_say_digit_str).
func sayDigits(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			out = append(out, "digits/"+string(r))
		case r == '*':
			out = append(out, "digits/star")
		case r == '#':
			out = append(out, "digits/pound")
		}
	}
	return out
}

// reviewPrompt is "press 1 to accept, 2 to listen, 3 to re-record", and "0
// for the operator" when there is one.
func reviewPrompt(s *State) []string {
	if s.Deposit != nil && s.Deposit.Operator {
		return []string{"vm-review", "vm-reachoper"}
	}
	return []string{"vm-review"}
}
