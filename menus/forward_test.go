package menus

import "testing"

// atForward logs in to 1001 with one message, plays it and presses '8'.
func atForward(t *testing.T) *call {
	t.Helper()
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "8", c.digits("8"), "play(vm-extension)")
	return c
}

const messageMenu = "vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit"

// forwardOptions types number, answers its look-up and lets the read-back
// end: the forward options follow.
func (c *call) forwardOptions(number string) {
	c.t.Helper()
	c.digits(number)
	expect(c.t, "typed", c.digits("#"), "prepare("+number+")")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	expect(c.t, "read back", c.finishPrompt(), "play(vm-forwardoptions vm-starmain)")
}

// Silence at "1 record an introduction / 2 forward as is" cancels the
// forward, as app_voicemail's vm_forwardoptions does; nothing is sent.
func TestForwardSilenceCancels(t *testing.T) {
	c := atForward(t)
	c.forwardOptions("1002")
	var last []Cmd
	for range 3 {
		c.finishPrompt()
		last = c.step(Timeout(c.s.TimerGen))
	}
	expect(t, "third silence", last, "play("+messageMenu+")")
	if c.s.Forward != nil || c.s.Menu != MenuMessage {
		t.Fatalf("after silence: menu %s, forward %+v", c.s.Menu, c.s.Forward)
	}
}

// '*' in the forward options cancels.
func TestForwardStarCancels(t *testing.T) {
	c := atForward(t)
	c.forwardOptions("1002")
	expect(t, "*", c.digits("*"), "stop play("+messageMenu+")")
	if c.s.Forward != nil {
		t.Fatalf("forward %+v kept after '*'", c.s.Forward)
	}
}

// An unknown or full mailbox is refused and the extension asked again; the
// second try forwards.
func TestForwardBadExtensionGetsASecondTry(t *testing.T) {
	c := atForward(t)
	c.digits("7777")
	expect(t, "typed", c.digits("#"), "prepare(7777)")
	expect(t, "unknown", c.step(Event{Kind: EvMailbox}), "play(pbx-invalid vm-extension)")
	c.digits("1003")
	c.digits("#")
	expect(t, "full", c.step(Event{Kind: EvMailbox, Target: &Deposit{Full: true}}), "play(vm-mailboxfull vm-extension)")
	c.forwardOptions("1002")
	expect(t, "2", c.digits("2"), "stop forward(m1,1002,)")

	// One bad mailbox among several refuses the entry.
	c = atForward(t)
	c.digits("1002*7777")
	c.digits("#")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	expect(t, "1002 read back", c.finishPrompt(), "prepare(7777)")
	expect(t, "7777 unknown", c.step(Event{Kind: EvMailbox}), "play(pbx-invalid vm-extension)")
	if f := c.s.Forward; f == nil || len(f.To) != 0 || f.Checked != 0 {
		t.Fatalf("forward after a refusal %+v", f)
	}
}

// After five refused entries the forward is given up, as forward_message
// plays vm-extension five times at most.
func TestForwardGivesUpAfterFiveEntries(t *testing.T) {
	c := atForward(t)
	var last []Cmd
	for i := range forwardTries {
		c.digits("7777")
		c.digits("#")
		last = c.step(Event{Kind: EvMailbox})
		if i < forwardTries-1 {
			expect(t, "refused", last, "play(pbx-invalid vm-extension)")
		}
	}
	expect(t, "given up", last, "play(pbx-invalid "+messageMenu+")")
	if c.s.Forward != nil {
		t.Fatalf("forward %+v kept", c.s.Forward)
	}
}

// Each recipient is read back before sending: its recorded name, or its
// number; '#' skips the read-back, other keys do nothing.
func TestForwardReadsRecipientsBack(t *testing.T) {
	c := atForward(t)
	c.digits("1002*1003")
	c.digits("#")
	expect(t, "1002 has a name", c.step(Event{Kind: EvMailbox, Target: &Deposit{NameRecording: "voicemail/default/1002/greeting/greet-1"}}),
		"play(recording:voicemail/default/1002/greeting/greet-1)")
	expect(t, "other keys do nothing", c.digits("5"), "")
	expect(t, "# skips it", c.digits("#"), "stop prepare(1003)")
	expect(t, "1003 has none", c.step(Event{Kind: EvMailbox, Target: &Deposit{}}), "play(digits/1 digits/0 digits/0 digits/3)")
	expect(t, "read back", c.finishPrompt(), "play(vm-forwardoptions vm-starmain)")
}

// Forwarding to one's own mailbox is refused, without a look-up, as
// forward_message refuses it (pbx-invalid).
func TestForwardToOwnMailboxRefused(t *testing.T) {
	c := atForward(t)
	c.digits("1001")
	expect(t, "own", c.digits("#"), "play(pbx-invalid vm-extension)")
	c.digits("1002*1001")
	c.digits("#")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	expect(t, "own after another", c.finishPrompt(), "play(pbx-invalid vm-extension)")
}

// Nothing typed asks again; silence at the question gives the forward up
// without hanging up.
func TestForwardEmptyEntryAndSilence(t *testing.T) {
	c := atForward(t)
	expect(t, "#", c.digits("#"), "stop play(vm-extension)")
	c.finishPrompt()
	var last []Cmd
	for range 3 {
		last = c.step(Timeout(c.s.TimerGen))
		if c.s.Phase == PhasePrompting {
			c.finishPrompt()
		}
	}
	expect(t, "silence", last, "play("+messageMenu+")")
	if c.s.Phase == PhaseClosing || c.s.Forward != nil {
		t.Fatalf("after silence: phase %s, forward %+v", c.s.Phase, c.s.Forward)
	}
}
