package menus

import (
	"encoding/json"
	"strings"
	"testing"
)

var resumeEv = Event{Kind: EvResume}

// handOver does what a takeover does to the state: it goes through JSON,
// as Persistable, and comes back on another instance.
func (c *call) handOver() {
	c.t.Helper()
	b, err := json.Marshal(c.s.Persistable(c.e.Tree()))
	if err != nil {
		c.t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		c.t.Fatal(err)
	}
	c.s = s
}

func TestResumeAtMainMenuStaysLoggedIn(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: 1}, MsgInfo{ID: "m1", Recording: "r1", Duration: 5, Received: testNow.UnixMilli()})
	c.finishPrompt()
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "play(im-sorry vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
	if !c.s.Authenticated || c.s.Menu != MenuMain || c.s.Phase != PhasePrompting {
		t.Errorf("after resume: menu %s phase %s authenticated %v", c.s.Menu, c.s.Phase, c.s.Authenticated)
	}
	// The old instance's prompt ending is stale here.
	expect(t, "old prompt done", c.step(PromptDone("ch:1")), "")
	if cmds := c.digits("1"); len(cmds) != 2 || cmds[1].Kind != CmdPlay || cmds[1].Media[0] != "vm-first" {
		t.Errorf("1 after resume: %s, want the first message's envelope", render(cmds))
	}
}

func TestResumeDuringMessagePlayback(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: 1}, MsgInfo{ID: "m1", Recording: "r1", Duration: 5, Received: testNow.UnixMilli()})
	c.digits("1")
	c.finishPrompt() // envelope done; the message plays
	if c.s.Playing != PlayMessage {
		t.Fatalf("playing %q, want the message", c.s.Playing)
	}
	c.handOver()
	cmds := c.step(resumeEv)
	if r := render(cmds); len(cmds) != 1 || cmds[0].Kind != CmdPlay || cmds[0].Media[0] != Apology {
		t.Fatalf("resume: %s", r)
	}
	if c.s.Box == nil || c.s.Box.Cur != 0 || c.s.Playing != PlayPrompt {
		t.Errorf("after resume: box %+v playing %q", c.s.Box, c.s.Playing)
	}
}

func TestResumeDuringRecordingSavesTheMessage(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	c.finishPrompt() // the greeting ends; recording starts
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "measure(voicemail/default/1001/msg/m1)")
	expect(t, "measured", c.step(recorded(6)), "save(m1,6)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")
}

func TestResumeWhileSavingSavesAgain(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	c.finishPrompt()
	c.step(recorded(6))
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "save(m1,6)")
}

func TestResumeAtPasswordPrompt(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("12") // half a password: never saved
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "play(im-sorry vm-password)")
	if c.s.Input != "" {
		t.Errorf("input %q survived the handover", c.s.Input)
	}
}

func TestResumeOfEndedCallHangsUp(t *testing.T) {
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	expect(t, "resume of nothing", c.step(resumeEv), "hangup")
}

// A greeting being recorded is lost with the instance that recorded it:
// the owner is asked for the same greeting again, not another kind.
func TestResumeDuringGreetingRecordingAsksForTheSameGreeting(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{}, nil...)
	c.digits("0")
	c.digits("1")
	if cmds := c.digits("#"); !strings.Contains(render(cmds), "record_greeting(unavail)") {
		t.Fatalf("# at vm-rec-unv: %s", render(cmds))
	}
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "play(im-sorry vm-rec-unv)")
	if cmds := c.digits("#"); !strings.Contains(render(cmds), "record_greeting(unavail)") {
		t.Fatalf("# after resume: %s, want the unavailable greeting recorded again", render(cmds))
	}
}
