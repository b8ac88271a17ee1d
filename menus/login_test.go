package menus

import (
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

// ownCall starts a call that asks for the mailbox, the caller's own being
// own (*98, or *97 from a phone whose number has no mailbox).
func ownCall(t *testing.T, own string) (*call, []Cmd) {
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	return c, c.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Own: mailbox.MustParseID(own), Lang: "en"}})
}

// An empty entry at vm-login is the caller's own mailbox, as
// app_voicemail's vm_authenticate takes the caller ID number.
func TestLoginEmptyEntryIsOwnMailbox(t *testing.T) {
	c, cmds := ownCall(t, "4242@sales")
	expect(t, "start", cmds, "play(vm-login)")
	expect(t, "#", c.digits("#"), "stop play(vm-password)")
	c.digits("1234")
	expect(t, "password", c.digits("#"), "auth(4242@sales,1234)")
}

// Silence at vm-login is an empty entry too.
func TestLoginSilenceIsOwnMailbox(t *testing.T) {
	c, _ := ownCall(t, "1001@default")
	c.finishPrompt()
	expect(t, "silence", c.step(Timeout(c.s.TimerGen)), "play(vm-password)")
	if c.s.Mailbox != "1001@default" {
		t.Fatalf("mailbox %q", c.s.Mailbox)
	}
}

// A typed number is taken in the context of the caller's own mailbox, and
// a wrong password asks for the mailbox again.
func TestLoginTypedNumberInOwnContext(t *testing.T) {
	c, _ := ownCall(t, "4242@sales")
	c.digits("2001")
	expect(t, "mailbox", c.digits("#"), "play(vm-password)")
	c.digits("1")
	expect(t, "password", c.digits("#"), "auth(2001@sales,1)")
	expect(t, "wrong", c.step(loginBad), "play(vm-incorrect-mailbox)")
	expect(t, "empty again", c.digits("#"), "stop play(vm-password)")
	if c.s.Mailbox != "4242@sales" {
		t.Fatalf("mailbox %q after an empty entry", c.s.Mailbox)
	}
}

// Without an own mailbox (no caller ID), an empty entry asks again and
// three silences end the call, as before.
func TestLoginEmptyEntryWithoutOwnMailbox(t *testing.T) {
	c, _ := newCall(t, "")
	expect(t, "#", c.digits("#"), "stop play(vm-login)")
	c.finishPrompt()
	c.step(Timeout(c.s.TimerGen))
	c.finishPrompt()
	expect(t, "third", c.step(Timeout(c.s.TimerGen)), "play(vm-goodbye)")
}
