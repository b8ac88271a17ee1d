package menus

import "testing"

func depositCall(t *testing.T, d Deposit) (*call, []Cmd) {
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	if d.Mailbox == "" {
		d.Mailbox, d.Number = "1001@default", "1001"
	}
	d.MessageID, d.Recording = "m1", "voicemail/default/1001/msg/m1"
	if d.MinSeconds == 0 {
		d.MinSeconds = 2
	}
	return c, c.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDeposit, Lang: "en", Deposit: &d}})
}

func recorded(secs int) Event {
	return Event{Kind: EvRecorded, Recorded: &Recorded{Name: "voicemail/default/1001/msg/m1", Duration: secs}}
}

var savedOK = Event{Kind: EvSaved, Saved: &Saved{OK: true}}

func TestDepositDefaultGreeting(t *testing.T) {
	c, cmds := depositCall(t, Deposit{})
	expect(t, "start", cmds, "play(vm-theperson digits/1 digits/0 digits/0 digits/1 vm-isunavail vm-intro)")
	// Keys that mean nothing here do not even stop the greeting.
	expect(t, "5 during greeting", c.digits("5"), "")
	expect(t, "greeting ends", c.finishPrompt(), "record(voicemail/default/1001/msg/m1)")
	expect(t, "digits while recording", c.digits("12"), "")
	expect(t, "# ends recording", c.step(recorded(7)), "save(m1,7)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")
	expect(t, "back to the dialplan", c.finishPrompt(), "continue(SUCCESS)")
}

func TestDepositGreetingChoice(t *testing.T) {
	tests := []struct {
		d    Deposit
		want string
	}{
		{Deposit{Busy: true}, "play(vm-theperson digits/1 digits/0 digits/0 digits/1 vm-isonphone vm-intro)"},
		{Deposit{NameRecording: "voicemail/default/1001/greeting/greet-1"}, "play(recording:voicemail/default/1001/greeting/greet-1 vm-isunavail vm-intro)"},
		{Deposit{Greeting: "voicemail/default/1001/greeting/temp-1", Busy: true}, "play(recording:voicemail/default/1001/greeting/temp-1 vm-intro)"},
	}
	for _, tt := range tests {
		_, cmds := depositCall(t, tt.d)
		expect(t, "greeting", cmds, tt.want)
	}
}

func TestDepositKeysDuringGreeting(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	expect(t, "# skips to the beep", c.digits("#"), "stop record(voicemail/default/1001/msg/m1)")

	c, _ = depositCall(t, Deposit{})
	expect(t, "0 without an operator does nothing", c.digits("0"), "")
	c, _ = depositCall(t, Deposit{Operator: true})
	expect(t, "0 reaches the operator", c.digits("0"), "stop continue(OPERATOR)")

	c, _ = depositCall(t, Deposit{})
	expect(t, "* logs in to the mailbox", c.digits("*"), "stop play(vm-password)")
	if !c.s.FixedMailbox || c.s.Mailbox != "1001@default" || c.s.Deposit != nil {
		t.Fatalf("want a login to 1001@default, got %+v", c.s)
	}
}

func TestDepositHangupWhileRecordingKeepsMessage(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	expect(t, "hangup request", c.step(Event{Kind: EvHangupRequest}), "")
	// The recording's end follows; no review, the message is saved.
	expect(t, "recording ends", c.step(recorded(5)), "save(m1,5)")
	expect(t, "saved", c.step(savedOK), "")
	if c.s.Phase != PhaseDone {
		t.Fatalf("want done, got %s", c.s.Phase)
	}
}

func TestDepositHangupBeforeRecordingEndIsSeen(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	c.finishPrompt()
	// The channel left without a RecordingFinished: save it anyway; the app
	// measures the audio (-1).
	expect(t, "hangup", c.step(Event{Kind: EvHangup}), "save(m1,-1)")
}

func TestDepositTooShort(t *testing.T) {
	c, _ := depositCall(t, Deposit{MinSeconds: 3})
	c.finishPrompt()
	expect(t, "short", c.step(recorded(2)), "discard(voicemail/default/1001/msg/m1) play(vm-tooshort)")
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")

	c, _ = depositCall(t, Deposit{MinSeconds: 3})
	c.finishPrompt()
	c.step(Event{Kind: EvHangupRequest})
	expect(t, "short after hangup", c.step(recorded(1)), "discard(voicemail/default/1001/msg/m1)")
}

func TestDepositMailboxFull(t *testing.T) {
	c, cmds := depositCall(t, Deposit{Full: true})
	expect(t, "full", cmds, "play(vm-mailboxfull)")
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")
}

func TestDepositReview(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true, Operator: true})
	c.finishPrompt()
	expect(t, "recorded", c.step(recorded(4)), "play(vm-review vm-reachoper)")
	expect(t, "2 listens", c.digits("2"), "stop play(recording:voicemail/default/1001/msg/m1 vm-review vm-reachoper)")
	expect(t, "3 re-records", c.digits("3"), "stop record(voicemail/default/1001/msg/m1)")
	c.step(recorded(6))
	expect(t, "1 accepts", c.digits("1"), "stop save(m1,6)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")

	c, _ = depositCall(t, Deposit{Review: true, Operator: true})
	c.finishPrompt()
	c.step(recorded(4))
	expect(t, "0 saves then operator", c.digits("0"), "stop save(m1,4)")
	expect(t, "saved", c.step(savedOK), "continue(OPERATOR)")

	// Hanging up during the review keeps the message.
	c, _ = depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(4))
	expect(t, "hangup in review", c.step(Event{Kind: EvHangupRequest}), "save(m1,4)")

	// Silence in the review keeps it too.
	c, _ = depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(4))
	for i := 0; i < 2; i++ {
		c.finishPrompt()
		c.step(Timeout(c.s.TimerGen))
	}
	c.finishPrompt()
	expect(t, "silence", c.step(Timeout(c.s.TimerGen)), "save(m1,4)")
}

func TestDepositSaveFails(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	c.finishPrompt()
	c.step(recorded(5))
	expect(t, "full at save time", c.step(Event{Kind: EvSaved, Saved: &Saved{Full: true}}), "play(vm-mailboxfull)")
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")
}

func TestDepositHangupInReviewWithoutRequestKeepsMessage(t *testing.T) {
	// The channel leaves (StasisEnd) with no ChannelHangupRequest seen, as
	// after an event stream outage: the reviewed message is still kept.
	c, _ := depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(7))
	expect(t, "hangup in review", c.step(Event{Kind: EvHangup}), "save(m1,7)")
}
