package menus

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

func (c *call) loginWith(r LoginResult, msgs ...MsgInfo) {
	c.t.Helper()
	c.digits("1234#")
	r.OK = true
	if r.Mailbox.IsZero() {
		r.Mailbox = mailbox.MustParseID("1001@default")
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

// recordTake answers a take being started as the app does: it names the
// take (EvTakeNamed), which starts its recording, then reports the end of
// the recording after secs.
func (c *call) recordTake(name string, secs int) []Cmd {
	c.t.Helper()
	if r := render(c.step(Event{Kind: EvTakeNamed, Name: name})); !strings.HasPrefix(r, "record_greeting(") {
		c.t.Fatalf("take named %s: %s, want it recorded", name, r)
	}
	return c.step(greetingRecorded(name, secs))
}

func TestRecordReviewAcceptGreeting(t *testing.T) {
	for _, tt := range []struct {
		key    string
		kind   mailbox.Greeting
		prompt string
	}{
		{"1", mailbox.GreetingUnavail, "vm-rec-unv"},
		{"2", mailbox.GreetingBusy, "vm-rec-busy"},
		{"3", mailbox.GreetingName, "vm-rec-name"},
		{"4", mailbox.GreetingTemp, "vm-rec-temp"},
	} {
		c, _ := newCall(t, "1001")
		c.loginWith(LoginResult{})
		expect(t, "0", c.digits("0"), "play(vm-options)")
		expect(t, tt.key, c.digits(tt.key), "stop play("+tt.prompt+")")
		expect(t, "prompt ends", c.finishPrompt(), "name_take("+tt.kind.String()+")")
		expect(t, "# ends", c.recordTake("g1", 4), "play(vm-review)")
		expect(t, "2 listens", c.digits("2"), "stop play(recording:g1 vm-review)")
		expect(t, "3 again", c.digits("3"), "stop discard(g1) play("+tt.prompt+")")
		c.finishPrompt()
		c.recordTake("g2", 5)
		expect(t, "1 accepts", c.digits("1"), "stop set_greeting("+tt.kind.String()+",g2)")
		want := "play(vm-msgsaved vm-options)"
		if tt.kind == mailbox.GreetingTemp {
			want = "play(vm-msgsaved vm-tmpexists vm-options)"
		}
		expect(t, "saved", c.step(done), want)
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
	c.recordTake("g1", 4)
	expect(t, "hangup in review", c.step(Event{Kind: EvHangup}), "discard(g1)")

	c, _ = newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.recordTake("g1", 4)
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
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Greetings: map[mailbox.Greeting]bool{mailbox.GreetingTemp: true}}})
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

func TestPasswordMismatch(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("05")
	c.finishPrompt()
	c.digits("2580#")
	c.finishPrompt()
	expect(t, "mismatch", c.digits("2581#"), "timer(3s) timer(3s) timer(3s) timer(3s) play(vm-mismatch vm-pls-try-again vm-options)")
}

func TestFirstLoginWalkThrough(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), NeedsSetup: true}}),
		"play(vm-newuser vm-rec-name)")
	c.finishPrompt()
	c.recordTake("n1", 3)
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
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), NeedsSetup: true}})
	c.finishPrompt()
	c.recordTake("n1", 3)
	c.digits("1")
	c.step(done)
	expect(t, "hangup before the password", c.step(Event{Kind: EvHangup}), "")
}

// '5' in the advanced options, as forward_message leaves a new message:
// an unknown or full mailbox is refused and asked again, up to five
// entries; the one found is read back by its recorded name.
func TestAdvancedSendRefusesAndReadsBack(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("3")
	c.digits("5")
	c.digits("7777#")
	expect(t, "unknown", c.step(Event{Kind: EvMailbox}), "play(pbx-invalid vm-extension)")
	c.digits("1003#")
	full := &Deposit{Mailbox: mailbox.MustParseID("1003@default"), Number: "1003", Full: true}
	expect(t, "full", c.step(Event{Kind: EvMailbox, Target: full}), "play(vm-mailboxfull vm-extension)")
	c.digits("1002#")
	d := &Deposit{Mailbox: mailbox.MustParseID("1002@default"), Number: "1002", MessageID: "m9",
		Recording: "voicemail/default/1002/msg/m9", MinSeconds: 2, NameRecording: "voicemail/default/1002/greet/n1"}
	expect(t, "found: its name", c.step(Event{Kind: EvMailbox, Target: d}), "play(recording:voicemail/default/1002/greet/n1 vm-intro)")
	if c.s.SendTries != 0 {
		t.Errorf("SendTries %d after a mailbox was found, want 0", c.s.SendTries)
	}

	// Five refused entries: back to the messages.
	c, _ = newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("3")
	c.digits("5")
	for i := range forwardTries - 1 {
		c.digits("7777#")
		expect(t, fmt.Sprintf("refusal %d", i+1), c.step(Event{Kind: EvMailbox}), "play(pbx-invalid vm-extension)")
	}
	c.digits("7777#")
	got := render(c.step(Event{Kind: EvMailbox}))
	if !strings.HasPrefix(got, "play(pbx-invalid vm-") || strings.Contains(got, "vm-extension") || c.s.Menu == MenuSendTo {
		t.Errorf("after %d refusals: %s in %s, want pbx-invalid and back to the messages", forwardTries, got, c.s.Menu)
	}
}

func TestAdvancedSendAndReply(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	expect(t, "3 without a message", c.digits("3"), "play(vm-leavemsg vm-starmain)")
	expect(t, "5", c.digits("5"), "stop play(vm-extension)")
	expect(t, "1002#", c.digits("1002#"), "stop timer(3s) timer(3s) timer(3s) timer(3s) prepare(1002)")
	d := &Deposit{Mailbox: mailbox.MustParseID("1002@default"), Number: "1002", MessageID: "m9", Recording: "voicemail/default/1002/msg/m9", MinSeconds: 2, Greeting: "x"}
	expect(t, "ready: the mailbox read back", c.step(Event{Kind: EvMailbox, Target: d}), "play(digits/1 digits/0 digits/0 digits/2 vm-intro)")
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
	c.digits("1002*1003")
	expect(t, "typed", c.digits("#"), "prepare(1002)")
	if c.s.Forward == nil || len(c.s.Forward.To) != 2 {
		t.Fatalf("forward %+v", c.s.Forward)
	}
	expect(t, "1002 found", c.step(Event{Kind: EvMailbox, Target: &Deposit{}}), "play(digits/1 digits/0 digits/0 digits/2)")
	expect(t, "read back", c.finishPrompt(), "prepare(1003)")
	expect(t, "1003 found", c.step(Event{Kind: EvMailbox, Target: &Deposit{NameRecording: "n1003"}}), "play(recording:n1003)")
	expect(t, "read back", c.finishPrompt(), "play(vm-forwardoptions vm-starmain)")
	expect(t, "2 as is", c.digits("2"), "stop forward(m1,1002+1003,)")
	expect(t, "done", c.step(done), "play(vm-msgforwarded vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")

	c.digits("8")
	c.digits("1002#")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	c.finishPrompt()
	expect(t, "1 intro", c.digits("1"), "stop play(vm-record-prepend)")
	expect(t, "beep", c.finishPrompt(), "name_take(intro)")
	expect(t, "recorded", c.recordTake("i1", 3), "forward(m1,1002,i1)")
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
	c.recordTake("g1", 4)
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

// A password that could not be checked (Redis out of reach, after the
// app's retries) is no wrong try: the caller hears sorry and is asked for
// the password again, for the mailbox named or typed, as often as it
// happens; the next check counts as usual.
func TestLoginStorageDown(t *testing.T) {
	unavailable := Event{Kind: EvLogin, Login: &LoginResult{Unavailable: true}}
	for _, tt := range []struct {
		named, typed string
		wantLast     string
	}{
		{named: "1001", wantLast: "play(vm-incorrect vm-password)"},
		{typed: "1002", wantLast: "play(vm-incorrect-mailbox)"},
	} {
		c, _ := newCall(t, tt.named)
		if tt.typed != "" {
			c.digits(tt.typed + "#")
		}
		for try := 1; try <= 2*c.e.cfg.MaxLogins; try++ {
			c.digits("1234#")
			expect(t, "unavailable", c.step(unavailable), "play(vm-sorry vm-password)")
			if c.s.Failures != 0 || c.s.Menu != MenuLoginPassword {
				t.Fatalf("after %d checks that failed: %d wrong tries counted, menu %s", try, c.s.Failures, c.s.Menu)
			}
		}
		mb := c.s.Mailbox
		if cmds := c.digits("1234#"); len(cmds) == 0 || render(cmds[len(cmds)-1:]) != "auth("+mb+",1234)" {
			t.Fatalf("password after sorry: %s, want a check of %s", render(cmds), mb)
		}
		expect(t, "then wrong", c.step(loginBad), tt.wantLast)
		if c.s.Failures != 1 {
			t.Errorf("%d wrong tries counted, want 1", c.s.Failures)
		}
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

// A password change that fails during the first-login walk-through keeps
// the caller in it: they are asked for a new password again, and '*' does
// not reach the mailbox on the default password.
func TestFirstLoginPasswordFailureStaysInWalkThrough(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), NeedsSetup: true}})
	c.finishPrompt()
	c.recordTake("n1", 3)
	c.digits("1")
	c.step(done)
	c.digits("2580#")
	c.finishPrompt()
	c.digits("2580#")
	expect(t, "change failed", c.step(Event{Kind: EvDone, Saved: &Saved{}}), "play(vm-sorry vm-newpassword)")
	if !c.s.Setup || c.s.Menu != MenuNewPassword {
		t.Fatalf("setup %v, menu %s: want the walk-through's new password", c.s.Setup, c.s.Menu)
	}
	c.finishPrompt()
	c.digits("*")
	c.finishPrompt()
	if c.s.Menu == MenuMain || c.s.Menu == MenuOptions || c.s.Box != nil {
		t.Fatalf("'*' after a failed change reached %s", c.s.Menu)
	}
}

// A greeting whose acceptance failed may have been stored all the same
// (a lost reply): its take is not deleted, the owner hears sorry.
func TestGreetingAcceptFailureKeepsTake(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.recordTake("g1", 4)
	c.digits("1")
	expect(t, "accept failed", c.step(Event{Kind: EvDone, Saved: &Saved{}}), "play(vm-sorry vm-options)")
}

// Silence in the mailbox options goes back to the main menu, as
// app_voicemail's vm_options returns to vm_execmain; it does not hang up.
func TestSilenceInOptionsBackToMain(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	expect(t, "0", c.digits("0"), "play(vm-options)")
	for i := 1; i <= 2; i++ {
		expect(t, "prompt ends", c.finishPrompt(), "timer(6s)")
		expect(t, "silence", c.step(Timeout(c.s.TimerGen)), "play(vm-options)")
	}
	c.finishPrompt()
	expect(t, "third silence", c.step(Timeout(c.s.TimerGen)), "play(vm-opts vm-helpexit)")
	if c.s.Menu != MenuMain || c.s.Phase != PhasePrompting || c.s.Repeats != 0 {
		t.Fatalf("want the main menu afresh, got menu %s phase %s repeats %d", c.s.Menu, c.s.Phase, c.s.Repeats)
	}
	// The main menu counts its own silence from there.
	for i := 1; i <= 2; i++ {
		c.finishPrompt()
		expect(t, "silence in main", c.step(Timeout(c.s.TimerGen)), "play(vm-opts vm-helpexit)")
	}
	c.finishPrompt()
	expect(t, "third silence in main", c.step(Timeout(c.s.TimerGen)), "play(vm-goodbye)")
}

// After a message, silence in the options goes back to the message menu
// (app_voicemail's one vm_execmain loop, with the message still current).
func TestSilenceInOptionsBackToMessage(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	c.finishPrompt() // envelope
	c.finishPrompt() // message
	c.digits("0")
	for i := 1; i <= 2; i++ {
		c.finishPrompt()
		c.step(Timeout(c.s.TimerGen))
	}
	c.finishPrompt()
	expect(t, "third silence", c.step(Timeout(c.s.TimerGen)), "play(vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	if c.s.Menu != MenuMessage {
		t.Fatalf("want the message menu, got %s", c.s.Menu)
	}
}
