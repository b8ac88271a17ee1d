package menus

import (
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// Deposit describes a message being left (app_voicemail's leave_voicemail).
// The app fills it from the mailbox before the call starts.
type Deposit struct {
	// Mailbox is the mailbox (in JSON, NUMBER@CONTEXT); Number is spoken by
	// the default greeting.
	Mailbox mailbox.ID `json:"mailbox"`
	Number  string     `json:"number"`
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
	// Urgent files the message into the Urgent folder: the dialplan asked
	// for it (app_voicemail's U option), or the caller pressed 4 in the
	// review. It is part of the saved session, so an instance taking the
	// call over saves the message as urgent too.
	Urgent bool `json:"urgent,omitempty"`
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
	// ZeroPressed is set when the caller pressed 0 while recording, with
	// the operator on: the recording was stopped, and vm-saveoper follows.
	ZeroPressed bool `json:"zero,omitempty"`
}

// The deposit menus.
const (
	// MenuGreeting plays the greeting before the beep.
	MenuGreeting MenuID = "deposit.greeting"
	// MenuRecord is the recording itself.
	MenuRecord MenuID = "deposit.record"
	// MenuReview is the review menu after a recording.
	MenuReview MenuID = "deposit.review"
	// MenuSaveOper asks whether to keep the message before the operator
	// (vm-saveoper).
	MenuSaveOper MenuID = "deposit.saveoper"
)

// depositMenus are the greeting a caller hears before leaving a message,
// and the review after recording it (leave_voicemail,
// play_record_review). The recording itself is no menu: the caller only
// speaks.
func depositMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:            MenuGreeting,
			Doc:           "Greeting, when leaving a message",
			PromptFunc:    greetingPrompt,
			Input:         InputKey,
			FirstDigit:    cfg.MenuTimeout,
			MaxRepeats:    cfg.MaxRepeats,
			IgnoreInvalid: true,
			OnPromptDone:  Action{Do: leaveMessage},
			Keys: map[byte]Action{
				'#': {Do: leaveMessage, Doc: "skip the greeting: the beep, then record (a full mailbox: `vm-mailboxfull`, back to the dialplan with FAILED)"},
				'*': {Do: loginHere, Doc: "log in to this mailbox (the owner calling in)"},
				'0': {Do: operator, Requires: operatorConfigured, Doc: "reach the operator (when configured)"},
			},
		},
		{
			ID:         MenuReview,
			Doc:        "After recording a message (when review is on)",
			PromptFunc: reviewPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: acceptMessage},
			Keys: map[byte]Action{
				'1': {Do: acceptMessage, Doc: "accept: the message is sent"},
				'2': {Do: listenToMessage, Doc: "listen to it"},
				'3': {Do: recordMessage, Doc: "record it again"},
				'4': {Do: toggleUrgent, Doc: "mark it urgent (again: not urgent)"},
				'0': {Do: operator, Requires: operatorConfigured, Doc: "reach the operator, after 1 to keep the message (when configured)"},
			},
		},
		{
			ID:         MenuSaveOper,
			Doc:        "After 0 for the operator, with a message recorded",
			Prompt:     []string{"vm-saveoper"},
			Input:      InputKey,
			FirstDigit: saveOperWait,
			MaxRepeats: 1,
			OnGiveUp:   Action{Do: dropForOperator},
			Keys:       saveOperKeys(),
		},
	}
}

// saveOperWait is how long vm-saveoper waits for 1 (app_voicemail's
// play_record_review waits 3 seconds).
const saveOperWait = 3 * time.Second

// saveOperKeys: 1 keeps the message, 4 keeps it urgent, any other key
// deletes it; the operator follows either way (play_record_review).
func saveOperKeys() map[byte]Action {
	keys := map[byte]Action{
		'1': {Do: keepForOperator, Doc: "keep the message, then the operator"},
		'4': {Do: keepUrgentForOperator, Doc: "keep the message, marked urgent, then the operator"},
	}
	for _, k := range []byte("02356789*#") {
		keys[k] = Action{Do: dropForOperator, Doc: "delete the message, then the operator (no key: the same)"}
	}
	return keys
}

// hashWhileRecording is '#' pressed while anything is recorded (a
// message, a greeting take, a forward's introduction): the app stops the
// recording itself. Asterisk ends it on '#' too (terminateOn), but only
// once the key's end reaches the recording loop, and a key shorter than
// Asterisk's minimum DTMF length (80 ms; SIPp's keys measure 79) is
// held back and replayed on the next audio frame, 20 ms later, while the
// ChannelDtmfReceived this step answers left at once: the stop's control
// frame wakes the recording loop sooner. Whichever comes first ends the
// recording, with the same audio; its end comes as EvRecorded either way.
// A take not yet named has no recording to stop: Asterisk's '#' ends it.
func (st *stepper) hashWhileRecording(k byte) {
	if k != '#' {
		return
	}
	if name := st.s.Recording(); name != "" {
		st.emit(Cmd{Kind: CmdStopRecording, Name: name})
	}
}

// operatorWhileRecording is a key pressed while the caller's message is
// recorded: with the operator on, '0' stops the recording (its end, with
// the audio, comes as EvRecorded; recorded then asks vm-saveoper).
func (st *stepper) operatorWhileRecording(k byte) {
	d := st.s.Deposit
	if k != '0' || d == nil || st.s.Menu != MenuRecord || !d.Operator || d.ZeroPressed || st.s.Take != nil || st.s.Forward != nil {
		return
	}
	d.ZeroPressed = true
	st.emit(Cmd{Kind: CmdStopRecording, Name: d.Recording})
}

// keepForOperator is '1' at vm-saveoper: the message is saved, then
// vm-msgsaved and the operator.
func keepForOperator(st *stepper) { st.save("OPERATOR") }

// keepUrgentForOperator is '4' at vm-saveoper: the message is saved
// urgent, then vm-msgsaved and the operator.
func keepUrgentForOperator(st *stepper) {
	st.s.Deposit.Urgent = true
	st.save("OPERATOR")
}

// dropForOperator is any other key, or no key, at vm-saveoper: vm-deleted,
// the recording is deleted, then the operator.
func dropForOperator(st *stepper) {
	d := st.s.Deposit
	st.stopPrompt()
	st.emit(Cmd{Kind: CmdDiscard, Name: d.Recording})
	d.Recorded = false
	st.s.CloseStatus = "OPERATOR"
	st.play([]string{"vm-deleted"}, PhaseClosing)
}

// startDeposit begins leaving a message: the greeting plays, even when the
// mailbox is full (leaveMessage says so after it), so that callers hear
// whose mailbox it is and the owner can still press '*' to log in and make
// room.
func (st *stepper) startDeposit(d *Deposit) {
	if d == nil {
		st.emit(Cmd{Kind: CmdContinue, Status: "FAILED"})
		st.s.Phase = PhaseDone
		return
	}
	dep := *d
	st.s.Deposit = &dep
	st.s.Mailbox = idText(dep.Mailbox)
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

// leaveMessage follows the greeting ('#' or its end): the beep and the
// recording; or, when the mailbox is full, vm-mailboxfull and back to the
// dialplan with FAILED. app_voicemail's leave_voicemail says the mailbox
// is full only after the greeting and vm-intro, during which '*' and '0'
// still work.
func leaveMessage(st *stepper) {
	if d := st.s.Deposit; d != nil && d.Full {
		st.stopPrompt()
		st.s.Pending = ""
		st.s.Input = ""
		st.s.CloseStatus = "FAILED"
		st.play([]string{"vm-mailboxfull"}, PhaseClosing)
		return
	}
	recordMessage(st)
}

// recordMessage starts (or restarts) the recording, with a beep: '#' or
// the end of the greeting, '3' in the review.
func recordMessage(st *stepper) {
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

// loginHere is '*' during the greeting: the owner logs in to this mailbox
// (the guide: "press * when you hear the greeting, then enter your
// password"). No message is left.
func loginHere(st *stepper) {
	d := st.s.Deposit
	st.s.Deposit = nil
	if st.s.Authenticated {
		// Leaving a message from inside the mailbox: '*' cancels it.
		st.stopPrompt()
		st.backToBrowsing(nil)
		return
	}
	st.s.Mailbox = idText(d.Mailbox)
	st.s.FixedMailbox = true
	st.enter(MenuLoginPassword, nil)
}

// operatorConfigured is the condition of the operator keys: the mailbox
// has an operator to reach.
func operatorConfigured(s *State) bool {
	return s.Deposit != nil && s.Deposit.Operator
}

// operator is '0' during the greeting or the review. With a message
// recorded, vm-saveoper asks whether to keep it (play_record_review).
func operator(st *stepper) {
	d := st.s.Deposit
	if d != nil && d.Recorded && !d.Saved {
		st.enter(MenuSaveOper, nil)
		return
	}
	st.stopPrompt()
	st.s.Phase = PhaseDone
	st.emit(Cmd{Kind: CmdContinue, Status: "OPERATOR"})
}

// acceptMessage is '1' in the review, and what the review does when it
// gets no answer: the message is saved.
func acceptMessage(st *stepper) { st.save("") }

// listenToMessage is '2' in the review: the recording, then the review's
// prompt again.
func listenToMessage(st *stepper) {
	st.play(append([]string{"recording:" + st.s.Deposit.Recording}, st.prompt(st.menu())...), PhasePrompting)
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
		st.recordingFailed()
		return
	}
	d.Duration = r.Duration
	if d.ZeroPressed && !st.s.HungUp {
		d.ZeroPressed = false
		if r.Duration < d.MinSeconds || r.Duration == 0 {
			// Nothing worth keeping: straight to the operator, as
			// app_voicemail with no message recorded.
			st.emit(Cmd{Kind: CmdDiscard, Name: d.Recording})
			st.s.Phase = PhaseDone
			st.emit(Cmd{Kind: CmdContinue, Status: "OPERATOR"})
			return
		}
		d.Recorded = true
		st.enter(MenuSaveOper, nil)
		return
	}
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

// recordingFailed tells the caller that their message could not be taken
// before the call goes back to the dialplan with FAILED (app_voicemail's
// leave_voicemail plays vm-mailboxfull and sets VMSTATUS=FAILED when it
// cannot create the message; vm-sorry is what this product says on any
// failed save). A caller who hung up hears nothing; an owner leaving a
// message from the mailbox menus goes back to them.
func (st *stepper) recordingFailed() {
	d := st.s.Deposit
	switch {
	case st.s.HungUp:
		st.s.Phase = PhaseDone
	case d.Then == "return":
		st.returnFromDeposit([]string{"vm-sorry"})
	default:
		st.s.CloseStatus = "FAILED"
		st.play([]string{"vm-sorry"}, PhaseClosing)
	}
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
		// vm-msgsaved, then the operator (play_record_review's 1 at
		// vm-saveoper).
		st.s.CloseStatus = "OPERATOR"
		st.play([]string{"vm-msgsaved"}, PhaseClosing)
		return
	}
	st.s.CloseStatus = "SUCCESS"
	st.play([]string{"vm-msgsaved"}, PhaseClosing)
}

// keepMessageOnHangup keeps the message of a caller who hung up: a
// recording whose end was not seen is saved (the app measures it), and so
// is one in review. A save under way (busy) needs nothing more.
func (st *stepper) keepMessageOnHangup() {
	d := st.s.Deposit
	if d == nil || d.Saved || st.s.Phase == PhaseBusy {
		return
	}
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

// resaveMessageOnFinish saves again a message whose save was under way
// when the session a call is finished from (EvFinish) was saved: whether
// the instance that saved it stored it is unknown, and a deposit is
// idempotent on the message id, so the message is stored once either way.
// A hang-up (EvHangup) on the instance that issued the save needs nothing
// (keepMessageOnHangup): that instance saw the save through before it
// stepped the hang-up.
func (st *stepper) resaveMessageOnFinish() {
	if d := st.s.Deposit; d != nil && st.s.Phase == PhaseBusy && d.Recorded && !d.Saved {
		st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: d.Duration})
	}
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

// reviewPrompt is "press 1 to accept, 2 to listen, 3 to re-record", "4 to
// mark it urgent" (or "4 to remove the urgent status" once marked), and "0
// for the operator" when there is one (play_record_review).
func reviewPrompt(s *State) []string {
	out := []string{"vm-review", "vm-review-urgent"}
	if s.Deposit != nil && s.Deposit.Urgent {
		out[1] = "vm-review-nonurgent"
	}
	if s.Deposit != nil && s.Deposit.Operator {
		out = append(out, "vm-reachoper")
	}
	return out
}

// toggleUrgent is '4' in the review: the message is marked urgent
// ("vm-marked-urgent"), or no longer ("vm-marked-nonurgent"), then the
// review's prompt again (play_record_review, case '4'). The guide lists 1,
// 2, 3 and 0 after a recording and is silent on 4, so app_voicemail's
// default (leaveurgent=yes) stands.
func toggleUrgent(st *stepper) {
	d := st.s.Deposit
	d.Urgent = !d.Urgent
	said := "vm-marked-urgent"
	if !d.Urgent {
		said = "vm-marked-nonurgent"
	}
	st.play(append([]string{said}, st.prompt(st.menu())...), PhasePrompting)
}
