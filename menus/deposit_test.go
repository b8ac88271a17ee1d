package menus

import (
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

func depositCall(t *testing.T, d Deposit) (*call, []Cmd) {
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	if d.Mailbox.IsZero() {
		d.Mailbox, d.Number = mailbox.MustParseID("1001@default"), "1001"
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

// A full mailbox plays its greeting as usual, so callers hear whose it
// is, then vm-mailboxfull, and back to the dialplan with FAILED; '*' still
// logs the owner in to make room (app_voicemail leave_voicemail).
func TestDepositMailboxFull(t *testing.T) {
	c, cmds := depositCall(t, Deposit{Full: true})
	expect(t, "greeting", cmds, "play(vm-theperson digits/1 digits/0 digits/0 digits/1 vm-isunavail vm-intro)")
	expect(t, "greeting ends", c.finishPrompt(), "play(vm-mailboxfull)")
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")
	if c.s.Deposit.Recorded {
		t.Fatal("a full mailbox recorded a message")
	}

	c, _ = depositCall(t, Deposit{Full: true, NameRecording: "voicemail/default/1001/greeting/greet-1"})
	expect(t, "# skips the greeting", c.digits("#"), "stop play(vm-mailboxfull)")
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")

	c, _ = depositCall(t, Deposit{Full: true})
	expect(t, "* logs the owner in", c.digits("*"), "stop play(vm-password)")
	c.digits("1234")
	expect(t, "password", c.digits("#"), "auth(1001@default,1234)")
	if c.s.Deposit != nil {
		t.Fatalf("deposit %+v kept after '*'", c.s.Deposit)
	}

	c, _ = depositCall(t, Deposit{Full: true, Operator: true})
	expect(t, "0 reaches the operator", c.digits("0"), "stop continue(OPERATOR)")
}

func TestDepositReview(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true, Operator: true})
	c.finishPrompt()
	expect(t, "recorded", c.step(recorded(4)), "play(vm-review vm-review-urgent vm-reachoper)")
	expect(t, "2 listens", c.digits("2"), "stop play(recording:voicemail/default/1001/msg/m1 vm-review vm-review-urgent vm-reachoper)")
	expect(t, "3 re-records", c.digits("3"), "stop record(voicemail/default/1001/msg/m1)")
	c.step(recorded(6))
	expect(t, "1 accepts", c.digits("1"), "stop save(m1,6)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")

	c, _ = depositCall(t, Deposit{Review: true, Operator: true})
	c.finishPrompt()
	c.step(recorded(4))
	expect(t, "0 asks vm-saveoper", c.digits("0"), "stop play(vm-saveoper)")
	expect(t, "1 saves", c.digits("1"), "stop save(m1,4)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")
	expect(t, "then the operator", c.finishPrompt(), "continue(OPERATOR)")

	// 0 while recording, with the operator on (difference 11): the
	// recording stops, vm-saveoper; no key deletes it, then the operator.
	c, _ = depositCall(t, Deposit{Operator: true})
	c.finishPrompt()
	expect(t, "0 while recording", c.digits("0"), "stop_recording(voicemail/default/1001/msg/m1)")
	expect(t, "0 again", c.digits("0"), "")
	expect(t, "stopped", c.step(recorded(4)), "play(vm-saveoper)")
	expect(t, "prompt ends", c.finishPrompt(), "timer(3s)")
	expect(t, "no key deletes", c.step(Event{Kind: EvTimeout, Gen: c.s.TimerGen}), "discard(voicemail/default/1001/msg/m1) play(vm-deleted)")
	expect(t, "then the operator", c.finishPrompt(), "continue(OPERATOR)")

	// 4 keeps it, urgent (play_record_review's vm-saveoper).
	c, _ = depositCall(t, Deposit{Operator: true})
	c.finishPrompt()
	c.digits("0")
	c.step(recorded(4))
	expect(t, "4 saves", c.digits("4"), "stop save(m1,4,urgent)")
	if c.s.Deposit == nil || !c.s.Deposit.Urgent {
		t.Errorf("4 at vm-saveoper: deposit %+v, want it urgent", c.s.Deposit)
	}
	expect(t, "saved urgent", c.step(savedOK), "play(vm-msgsaved)")
	expect(t, "then the operator", c.finishPrompt(), "continue(OPERATOR)")

	// 5 deletes too; 0 with nothing recorded goes straight to the operator.
	c, _ = depositCall(t, Deposit{Operator: true})
	c.finishPrompt()
	c.digits("0")
	c.step(recorded(4))
	expect(t, "5 deletes", c.digits("5"), "stop discard(voicemail/default/1001/msg/m1) play(vm-deleted)")
	c, _ = depositCall(t, Deposit{Operator: true, MinSeconds: 2})
	c.finishPrompt()
	c.digits("0")
	expect(t, "nothing recorded", c.step(recorded(1)), "discard(voicemail/default/1001/msg/m1) continue(OPERATOR)")

	// Without the operator, 0 while recording does nothing.
	c, _ = depositCall(t, Deposit{})
	c.finishPrompt()
	expect(t, "0 without operator", c.digits("0"), "")

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

// A recording that fails (RecordingFailed, or a Record request the app
// could not make) is told to the caller before the call goes back to the
// dialplan with FAILED; a caller who hung up hears nothing; an owner
// leaving a message from the mailbox menus is told and goes back there.
func TestDepositRecordingFailedIsAnnounced(t *testing.T) {
	failed := Event{Kind: EvRecorded, Recorded: &Recorded{Name: "voicemail/default/1001/msg/m1", Failed: true}}

	c, _ := depositCall(t, Deposit{})
	c.finishPrompt()
	expect(t, "recording failed", c.step(failed), "play(vm-sorry)")
	if c.s.Phase != PhaseClosing {
		t.Fatalf("phase %s, want closing while the apology plays", c.s.Phase)
	}
	expect(t, "then", c.finishPrompt(), "continue(FAILED)")

	c, _ = depositCall(t, Deposit{})
	c.finishPrompt()
	c.step(Event{Kind: EvHangupRequest})
	expect(t, "failed after hangup", c.step(failed), "")
	if c.s.Phase != PhaseDone {
		t.Fatalf("phase %s, want done", c.s.Phase)
	}

	c, _ = newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("35")
	c.finishPrompt()
	c.digits("1002#")
	d := &Deposit{Mailbox: mailbox.MustParseID("1002@default"), Number: "1002", MessageID: "m9", Recording: "voicemail/default/1002/msg/m9", MinSeconds: 2, Greeting: "x"}
	c.step(Event{Kind: EvMailbox, Target: d})
	c.finishPrompt()
	cmds := c.step(Event{Kind: EvRecorded, Recorded: &Recorded{Name: "voicemail/default/1002/msg/m9", Failed: true}})
	if got := render(cmds); !strings.HasPrefix(got, "play(vm-sorry ") || c.s.Phase == PhaseDone || !c.s.Authenticated || c.s.Deposit != nil {
		t.Fatalf("owner's failed message: %s, phase %s, deposit %+v", got, c.s.Phase, c.s.Deposit)
	}
}
