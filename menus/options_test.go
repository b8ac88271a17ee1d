package menus

import "testing"

func (c *call) loginWith(r LoginResult, msgs ...MsgInfo) {
	c.t.Helper()
	c.digits("1234#")
	r.OK = true
	if r.Mailbox == "" {
		r.Mailbox = "1001@default"
	}
	cmds := c.step(Event{Kind: EvLogin, Login: &r})
	if r.NeedsSetup {
		return
	}
	if render(cmds) != "load(0)" {
		c.t.Fatalf("login: %s", render(cmds))
	}
	c.step(Event{Kind: EvFolder, Folder: &Box{Msgs: msgs, Now: testNow.UnixMilli()}})
	c.finishPrompt()
}

var done = Event{Kind: EvDone, Saved: &Saved{OK: true}}

func greetingRecorded(name string, secs int) Event {
	return Event{Kind: EvRecorded, Recorded: &Recorded{Name: name, Duration: secs}}
}

func TestRecordReviewAcceptGreeting(t *testing.T) {
	for _, tt := range []struct {
		key, kind, prompt string
	}{
		{"1", GreetUnavail, "vm-rec-unv"},
		{"2", GreetBusy, "vm-rec-busy"},
		{"3", GreetName, "vm-rec-name"},
		{"4", GreetTemp, "vm-rec-temp"},
	} {
		c, _ := newCall(t, "1001")
		c.loginWith(LoginResult{})
		expect(t, "0", c.digits("0"), "play(vm-options)")
		expect(t, tt.key, c.digits(tt.key), "stop play("+tt.prompt+")")
		expect(t, "prompt ends", c.finishPrompt(), "record_greeting("+tt.kind+")")
		expect(t, "# ends", c.step(greetingRecorded("g1", 4)), "play(vm-review)")
		expect(t, "2 listens", c.digits("2"), "stop play(recording:g1 vm-review)")
		expect(t, "3 again", c.digits("3"), "stop discard(g1) play("+tt.prompt+")")
		c.finishPrompt()
		c.step(greetingRecorded("g2", 5))
		expect(t, "1 accepts", c.digits("1"), "stop set_greeting("+tt.kind+",g2)")
		expect(t, "saved", c.step(done), "play(vm-msgsaved vm-options)")
		if !c.s.Greetings[tt.kind] {
			t.Errorf("%s: greeting not marked present", tt.kind)
		}
		expect(t, "* back to main", c.digits("*"), "stop play(vm-opts vm-helpexit)")
	}
}

func TestGreetingTakeDroppedOnHangupOrSilence(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.step(greetingRecorded("g1", 4))
	expect(t, "hangup in review", c.step(Event{Kind: EvHangup}), "discard(g1)")

	c, _ = newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.step(greetingRecorded("g1", 4))
	for i := 0; i < 2; i++ {
		c.finishPrompt()
		c.step(Timeout(c.s.TimerGen))
	}
	c.finishPrompt()
	expect(t, "silence keeps the old greeting", c.step(Timeout(c.s.TimerGen)), "discard(g1) play(vm-options)")
}

func TestTemporaryGreetingDelete(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: "1001@default", Greetings: map[string]bool{GreetTemp: true}}})
	// The owner is reminded that the temporary greeting is on.
	expect(t, "intro", c.step(Event{Kind: EvFolder, Folder: &Box{}}), "play(vm-tempgreetactive vm-youhave vm-no vm-messages vm-opts vm-helpexit)")
	c.finishPrompt()
	c.digits("0")
	expect(t, "4 with one", c.digits("4"), "stop play(vm-tempgreeting2)")
	expect(t, "2 deletes", c.digits("2"), "stop clear_greeting(temp)")
	expect(t, "removed", c.step(done), "play(vm-tempremoved vm-options)")
	expect(t, "4 again records", c.digits("4"), "stop play(vm-rec-temp)")
}

func TestChangePassword(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("0")
	expect(t, "5", c.digits("5"), "stop play(vm-newpassword)")
	c.digits("2580#")
	if c.s.Menu != MenuReenterPassword {
		t.Fatalf("menu %s", c.s.Menu)
	}
	if p := c.s.Persistable(c.e.Tree()); p.NewPIN != "" {
		t.Fatal("the new password is persisted")
	}
	c.finishPrompt()
	expect(t, "again", c.digits("2580#"), "timer(3s) timer(3s) timer(3s) timer(3s) set_pin(2580)")
	expect(t, "changed", c.step(done), "play(vm-passchanged vm-options)")

	for _, bad := range []string{"12#", "1234#", "1001#", "7777#", "4567#", "7890#", "3210#", "98765#"} {
		c.digits("5")
		c.finishPrompt()
		c.digits(bad)
		if c.s.Menu != MenuNewPassword || c.s.Playback == "" {
			t.Errorf("password %q accepted", bad)
		}
		c.digits("*") // type-ahead is flushed in password menus; "*" completes an entry
		c.step(Event{Kind: EvFolder})
		c.s.Menu = MenuOptions
		c.s.Phase = PhaseCollecting
	}
}

func TestStraightRun(t *testing.T) {
	for pin, want := range map[string]bool{
		"1234": true, "0123456789": true, "8901": true, "4321": true, "1098": true,
		"1235": false, "2580": false, "1212": false, "9753": false, "13579": false,
	} {
		if got := straightRun(pin); got != want {
			t.Errorf("straightRun(%q) = %v, want %v", pin, got, want)
		}
	}
}

func TestPasswordMismatch(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("05")
	c.finishPrompt()
	c.digits("2580#")
	c.finishPrompt()
	expect(t, "mismatch", c.digits("2581#"), "timer(3s) timer(3s) timer(3s) timer(3s) play(vm-mismatch vm-options)")
}

func TestFirstLoginWalkThrough(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: "1001@default", NeedsSetup: true}}),
		"play(vm-newuser vm-rec-name)")
	c.finishPrompt()
	c.step(greetingRecorded("n1", 3))
	c.digits("1")
	expect(t, "name saved", c.step(done), "play(vm-msgsaved vm-newpassword)")
	c.digits("2580#")
	c.finishPrompt()
	c.digits("2580#")
	expect(t, "password set", c.step(done), "load(0)")
	expect(t, "then the mailbox", c.step(Event{Kind: EvFolder, Folder: &Box{}}), "play(vm-passchanged vm-youhave vm-no vm-messages vm-opts vm-helpexit)")
	if c.s.Setup {
		t.Fatal("still in the walk-through")
	}

	// Hanging up halfway: the password is still the default, so the next
	// login starts the walk-through again (the app sees NeedsSetup).
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: "1001@default", NeedsSetup: true}})
	c.finishPrompt()
	c.step(greetingRecorded("n1", 3))
	c.digits("1")
	c.step(done)
	expect(t, "hangup before the password", c.step(Event{Kind: EvHangup}), "")
}

func TestAdvancedSendAndReply(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	expect(t, "3 without a message", c.digits("3"), "play(vm-leavemsg vm-starmain)")
	expect(t, "5", c.digits("5"), "stop play(vm-extension)")
	expect(t, "1002#", c.digits("1002#"), "stop timer(3s) timer(3s) timer(3s) timer(3s) prepare(1002)")
	d := &Deposit{Mailbox: "1002@default", Number: "1002", MessageID: "m9", Recording: "voicemail/default/1002/msg/m9", MinSeconds: 2, Greeting: "x"}
	expect(t, "ready", c.step(Event{Kind: EvMailbox, Target: d}), "play(vm-intro)")
	expect(t, "intro ends", c.finishPrompt(), "record(voicemail/default/1002/msg/m9)")
	c.step(Event{Kind: EvRecorded, Recorded: &Recorded{Name: "voicemail/default/1002/msg/m9", Duration: 4}})
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
	if c.s.Deposit != nil || !c.s.Authenticated {
		t.Fatalf("want back in the mailbox, got %+v", c.s)
	}

	// Reply to the sender of the current message (2001 has no mailbox).
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "3", c.digits("3"), "play(vm-toreply vm-tohearenv vm-leavemsg vm-starmain)")
	expect(t, "1 reply", c.digits("1"), "stop prepare(2001)")
	expect(t, "no mailbox", c.step(Event{Kind: EvMailbox}), "play(vm-nobox vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
}

func TestForward(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "8", c.digits("8"), "play(vm-extension)")
	c.digits("1002*1003#")
	if c.s.Forward == nil || len(c.s.Forward.To) != 2 {
		t.Fatalf("forward %+v", c.s.Forward)
	}
	expect(t, "checked", c.step(Event{Kind: EvMailbox, Target: &Deposit{}}), "play(vm-forwardoptions)")
	expect(t, "2 as is", c.digits("2"), "stop forward(m1,1002+1003,)")
	expect(t, "done", c.step(done), "play(vm-msgforwarded vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")

	c.digits("8")
	c.digits("1002#")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	expect(t, "1 intro", c.digits("1"), "stop play(vm-record-prepend)")
	expect(t, "beep", c.finishPrompt(), "record_greeting(intro)")
	expect(t, "recorded", c.step(greetingRecorded("i1", 3)), "forward(m1,1002,i1)")
}

func TestHelpInOptions(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("0")
	c.finishPrompt()
	expect(t, "unknown key", c.digits("9"), "play(vm-sorry vm-options)")
}

func TestHangupWhileAcceptingKeepsTheTake(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.step(greetingRecorded("g1", 4))
	c.digits("1") // accept: set_greeting in flight
	expect(t, "hangup before the result", c.step(Event{Kind: EvHangup}), "")
}

func TestHangupWhileMovingDoesNotCloseOverIt(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt() // heard
	c.finishPrompt()
	c.digits("9")
	c.digits("2") // move in flight
	expect(t, "hangup", c.step(Event{Kind: EvHangup}), "")
}

func TestLoginStorageDown(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "unavailable", c.step(Event{Kind: EvLogin, Login: &LoginResult{Unavailable: true}}), "play(vm-sorry vm-goodbye)")
	if c.s.Failures != 0 {
		t.Fatal("a storage failure counted as a wrong password")
	}
}

func TestTypeAheadAfterWrongPasswordDropped(t *testing.T) {
	c, _ := newCall(t, "")
	c.digits("1002#")
	c.digits("12#")
	c.digits("34#") // typed during the check
	expect(t, "wrong", c.step(loginBad), "play(vm-incorrect-mailbox)")
	if c.s.Pending != "" || c.s.Mailbox != "" {
		t.Fatalf("digits of the wrong password kept: %+v", c.s)
	}
}
