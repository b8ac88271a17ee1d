package menus

import (
	"fmt"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// TestEnvelopeOptions checks what is said before a message with each of
// app_voicemail's envelope, saycid and sayduration options, in the
// mailbox's time zone (difference 10).
func TestEnvelopeOptions(t *testing.T) {
	// 14:05 UTC is 15:05 in Paris and 09:05 in Toronto.
	at := time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC)
	msg := MsgInfo{ID: "m1", Recording: "r1", CallerNum: "2001", Received: at.UnixMilli(), Duration: 150}
	for _, tt := range []struct {
		name string
		opts BoxOptions
		want string
	}{
		{"app_voicemail's defaults", BoxOptions{Envelope: true, SayDuration: true},
			"vm-first vm-message vm-received digits/today digits/at digits/2 digits/oh digits/5 digits/p-m vm-duration digits/2 vm-minutes"},
		{"saycid", BoxOptions{Envelope: true, SayCID: true},
			"vm-first vm-message vm-received digits/today digits/at digits/2 digits/oh digits/5 digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1"},
		{"no envelope", BoxOptions{}, "vm-first vm-message"},
		{"mailbox in Paris", BoxOptions{Envelope: true, Timezone: "Europe/Paris"},
			"vm-first vm-message vm-received digits/today digits/at digits/3 digits/oh digits/5 digits/p-m"},
		{"mailbox in Toronto", BoxOptions{Envelope: true, Timezone: "America/Toronto"},
			"vm-first vm-message vm-received digits/today digits/at digits/9 digits/oh digits/5 digits/a-m"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCall(t, "1001")
			opts := tt.opts
			c.digits("1234#")
			c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
				Counts: Counts{New: 1}, Options: &opts, Greetings: map[mailbox.Greeting]bool{mailbox.GreetingName: true}}})
			c.step(Event{Kind: EvFolder, Folder: &Box{Msgs: []MsgInfo{msg}, Now: at.Add(time.Minute).UnixMilli()}})
			c.finishPrompt()
			expect(t, "1 plays the first message", c.digits("1"), "play("+tt.want+")")
		})
	}
}

// TestTempGreetingRecalledInOptions: vm-tmpexists before vm-options when a
// temporary greeting exists (app_voicemail's vm_options).
func TestTempGreetingRecalledInOptions(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{Greetings: map[mailbox.Greeting]bool{mailbox.GreetingTemp: true}})
	expect(t, "0", c.digits("0"), "play(vm-tmpexists vm-options)")
	expect(t, "4 with one", c.digits("4"), "stop play(vm-tempgreeting2)")
	c.digits("2")
	expect(t, "removed", c.step(done), "play(vm-tempremoved vm-options)")
}

// TestForceName: an owner with no recorded name records one at login
// whatever the PIN (forcename), then the mailbox opens; one who has a
// name is not asked (difference 9).
func TestForceName(t *testing.T) {
	opts := BoxOptions{Envelope: true, ForceName: true}
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		Options: &opts}}), "play(vm-rec-name)")
	c.finishPrompt()
	c.recordTake("n1", 3)
	c.digits("1")
	expect(t, "name saved", c.step(done), "load(0)")
	expect(t, "then the mailbox", c.step(Event{Kind: EvFolder, Folder: &Box{}}),
		"play(vm-msgsaved vm-youhave vm-no vm-messages vm-opts vm-helpexit)")
	if c.s.Forced || c.s.Setup {
		t.Fatalf("still walking through: %+v", c.s)
	}

	// Silence in the name's review ends the call: the mailbox does not
	// open without a name.
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Options: &opts}})
	c.finishPrompt()
	c.recordTake("n1", 3)
	for i := 0; i < 3 && c.s.Phase != PhaseClosing; i++ {
		c.finishPrompt()
		c.step(Event{Kind: EvTimeout, Gen: c.s.TimerGen})
	}
	if c.s.Phase != PhaseClosing || c.s.Authenticated && c.s.Box != nil {
		t.Fatalf("silence at the forced name: %+v", c.s)
	}

	// Takes that record nothing (silence, or a key at once) ask again,
	// three times at most, then the call ends: play_record_review gives
	// up after three attempts.
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Options: &opts}})
	for i := 1; i < walkTakeTries; i++ {
		c.finishPrompt()
		expect(t, "an empty take asks again", c.recordTake(fmt.Sprintf("n%d", i), 0),
			fmt.Sprintf("discard(n%d) play(vm-sorry vm-rec-name)", i))
	}
	c.finishPrompt()
	expect(t, "the third empty take ends the call", c.recordTake("n3", 0), "discard(n3) play(vm-sorry vm-goodbye)")
	if c.s.Phase != PhaseClosing {
		t.Fatalf("after %d empty takes: %+v", walkTakeTries, c.s)
	}

	// With a name: straight in.
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	expect(t, "name exists", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		Options: &opts, Greetings: map[mailbox.Greeting]bool{mailbox.GreetingName: true}}}), "load(0)")
}

// TestWalkThroughSkipsAnExistingName: the first-login walk-through asks
// for the name only when none exists, forcegreet adds the unavailable and
// busy greetings that do not exist, and a failed PIN change asks for the
// PIN again rather than opening the mailbox (difference 9).
func TestWalkThroughSkipsAnExistingName(t *testing.T) {
	opts := BoxOptions{Envelope: true, ForceName: true, ForceGreet: true}
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		NeedsSetup: true, Options: &opts, Greetings: map[mailbox.Greeting]bool{mailbox.GreetingName: true, mailbox.GreetingBusy: true}}}),
		"play(vm-newuser vm-rec-unv)")
	c.finishPrompt()
	c.recordTake("u1", 3)
	c.digits("1")
	expect(t, "unavailable saved", c.step(done), "play(vm-msgsaved vm-newpassword)")
	c.digits("2580#")
	c.finishPrompt()
	c.digits("2580#")
	expect(t, "PIN change fails", c.step(Event{Kind: EvDone, Saved: &Saved{}}), "play(vm-sorry vm-newpassword)")
	if !c.s.Setup {
		t.Fatal("a failed PIN change ended the walk-through")
	}
	c.digits("2580#")
	c.finishPrompt()
	c.digits("2580#")
	expect(t, "PIN changed", c.step(done), "load(0)")

	// forcename off: the first login still asks for the name (the guide
	// makes it mandatory), later logins do not.
	off := BoxOptions{Envelope: true}
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	expect(t, "forcename off, first login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		NeedsSetup: true, Options: &off}}), "play(vm-newuser vm-rec-name)")
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	expect(t, "forcename off, later login", c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		Options: &off}}), "load(0)")
}
