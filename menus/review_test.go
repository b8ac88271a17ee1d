package menus

import "testing"

// The rows of docs/fidelity.md (internal/fidelity) that no other test
// proved: each test names its row.

// P11, P12: the menu after the last message has no "next", and 6 there
// says "no more", as 4 on the first does (messagewrap is off by default
// in app_voicemail).
func TestNoMoreMessagesAtEitherEnd(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	c.finishPrompt()
	expect(t, "after the first", c.finishPrompt(),
		"play(vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	expect(t, "4 on the first", c.digits("4"),
		"stop play(vm-nomore vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	c.finishPrompt()
	c.digits("6")
	c.finishPrompt()
	expect(t, "after the last", c.finishPrompt(),
		"play(vm-prev vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	expect(t, "6 on the last", c.digits("6"),
		"stop play(vm-nomore vm-prev vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	if c.s.Box.Cur != 1 || c.s.Menu != MenuMessage {
		t.Fatalf("after 6 on the last: current %d in %s", c.s.Box.Cur, c.s.Menu)
	}
}

// P15: saving to a full folder says "mailbox full" and leaves the message
// where it was, current.
func TestSaveToAFullFolder(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.digits("9")
	expect(t, "9 3", c.digits("3"), "stop move(m1,3)")
	expect(t, "full", c.step(Event{Kind: EvMoved, Saved: &Saved{Full: true}}),
		"play(vm-mailboxfull vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	if m := c.s.Box.Msgs[0]; m.Moved || c.s.Box.Cur != 0 {
		t.Fatalf("after a full folder: %+v, current %d", m, c.s.Box.Cur)
	}
	// The message stays in New and, heard, goes to Old on leaving.
	expect(t, "#", c.digits("#"), "stop close(0,heard=m1,deleted=) play(vm-goodbye)")
}

// A5: 3 then 3 says the current message's envelope, then the menu after a
// message.
func TestAdvancedEnvelope(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.digits("3")
	expect(t, "3 3", c.digits("3"),
		"stop play(vm-received digits/today digits/at digits/2 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1 vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	if c.s.Menu != MenuMessage {
		t.Fatalf("after the envelope: in %s, want %s", c.s.Menu, MenuMessage)
	}
}

// A4: replying to a message without a caller ID says "no number", as
// app_voicemail does, and stays in the advanced options.
func TestReplyWithoutCallerID(t *testing.T) {
	msgs := sampleMsgs(1)
	msgs[0].CallerNum = ""
	c := loggedIn(t, msgs...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.digits("3")
	expect(t, "3 1", c.digits("1"), "stop play(vm-nonumber vm-toreply vm-tohearenv vm-leavemsg vm-starmain)")
	if c.s.Menu != MenuAdvanced || c.s.Phase == PhaseBusy {
		t.Fatalf("after 1 without a number: %s, phase %s", c.s.Menu, c.s.Phase)
	}
}
