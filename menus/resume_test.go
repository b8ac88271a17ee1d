package menus

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
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

// A greeting take being recorded is cut by a takeover: the session names
// it (the app named it before it was recorded), so the instance that
// resumes the call discards its audio, and the owner is asked for the
// same greeting again, not another kind. Before, the take's name was not
// in the session and its audio was left behind (chaos seed 2).
func TestResumeDuringGreetingRecordingAsksForTheSameGreeting(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{}, nil...)
	c.digits("0")
	c.digits("1")
	expect(t, "# at vm-rec-unv", c.digits("#"), "stop name_take(unavail)")
	expect(t, "named", c.step(Event{Kind: EvTakeNamed, Name: "g1"}), "record_greeting(unavail,g1)")
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "discard(g1) play(im-sorry vm-rec-unv)")
	expect(t, "# after resume", c.digits("#"), "stop name_take(unavail)")
	if t2 := c.s.Take; t2 == nil || t2.Kind != mailbox.GreetingUnavail || t2.Recording != "" {
		t.Fatalf("take after resume %+v, want a new unavailable take, unnamed", t2)
	}
}

// A forward's introduction being recorded is discarded by the instance
// that resumes the call, like a greeting take.
func TestResumeDuringIntroductionRecordingDiscardsIt(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{}, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	c.digits("8")
	c.digits("1002#")
	c.step(Event{Kind: EvMailbox, Target: &Deposit{}})
	c.finishPrompt()
	c.digits("1")
	expect(t, "beep", c.finishPrompt(), "name_take(intro)")
	expect(t, "named", c.step(Event{Kind: EvTakeNamed, Name: "i1"}), "record_greeting(intro,i1)")
	c.handOver()
	cmds := c.step(resumeEv)
	if r := render(cmds); !strings.HasPrefix(r, "discard(i1) play(im-sorry ") {
		t.Fatalf("resume: %s, want the introduction discarded, then the apology", r)
	}
	if f := c.s.Forward; f == nil || f.Intro != "" || !f.Recording {
		t.Fatalf("forward after resume %+v, want no introduction, one asked for again", f)
	}
	// The introduction is recorded again, and the message forwarded
	// with it (the fuzzer found the call stuck here: the new take was
	// never named).
	expect(t, "asked again", c.finishPrompt(), "name_take(intro)")
	expect(t, "named again", c.step(Event{Kind: EvTakeNamed, Name: "i2"}), "record_greeting(intro,i2)")
	if r := render(c.step(Event{Kind: EvRecorded, Recorded: &Recorded{Name: "i2", Duration: 2}})); !strings.Contains(r, "forward(") {
		t.Fatalf("introduction recorded: %s, want the forward", r)
	}
}

// A take named late (the call moved on) is not recorded; the end of a
// recording other than the take's is stale.
func TestTakeNamedLateOrStale(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.loginWith(LoginResult{})
	c.digits("01")
	c.finishPrompt()
	c.step(Event{Kind: EvTakeNamed, Name: "g1"})
	expect(t, "named twice", c.step(Event{Kind: EvTakeNamed, Name: "g2"}), "")
	expect(t, "another recording's end", c.step(greetingRecorded("g0", 4)), "")
	expect(t, "hang-up while recording", c.step(Event{Kind: EvHangup}), "discard(g1)")
	expect(t, "named after the hang-up", c.step(Event{Kind: EvTakeNamed, Name: "g3"}), "")
}

// TestResumeWhileTheFirstFolderLoads: the password was accepted and the
// starting folder was loading when the instance died. The new one loads
// the folder again and the caller stays logged in; before, it asked for
// the password again, and a wrong one then cleared the mailbox of a
// logged-in call (found by FuzzEngine; its input is in the corpus as
// resume_while_first_folder_loads).
func TestResumeWhileTheFirstFolderLoads(t *testing.T) {
	for _, setup := range []bool{false, true} {
		c, _ := newCall(t, "1001")
		c.digits("1234#")
		if setup {
			// The walk-through's new password was just stored.
			c.step(Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
				Counts: Counts{New: 1}, NeedsSetup: true}})
			c.finishPrompt()
			c.recordTake("n1", 3)
			c.digits("1")
			c.step(done)
			c.digits("2580#")
			c.finishPrompt()
			c.digits("2580#")
			expect(t, "password stored", c.step(done), "load(0)")
		} else {
			expect(t, "login ok", c.step(loginOK(Counts{New: 1})), "load(0)")
		}
		c.handOver()
		expect(t, "resume", c.step(resumeEv), "load(0)")
		if !c.s.Authenticated || c.s.Mailbox != "1001@default" || c.s.Phase != PhaseBusy {
			t.Fatalf("after resume: authenticated %v, mailbox %q, phase %s", c.s.Authenticated, c.s.Mailbox, c.s.Phase)
		}
		cmds := c.step(Event{Kind: EvFolder, Folder: &Box{Msgs: sampleMsgs(1), Now: testNow.UnixMilli()}})
		want := "play(im-sorry vm-youhave digits/1 vm-INBOX vm-message vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)"
		if setup {
			want = "play(im-sorry vm-passchanged vm-youhave digits/1 vm-INBOX vm-message vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)"
		}
		expect(t, "folder loaded", cmds, want)
		if c.s.Menu != MenuMain || c.s.Setup {
			t.Errorf("after the folder: menu %s, walk-through %v", c.s.Menu, c.s.Setup)
		}
	}
}

// A takeover while a save to a folder runs (9, then the folder) moves the
// message again, which changes nothing if the first move happened, and
// says where it went: the folder menu read again would have been the
// change-folder one, whose key opens a folder instead of saving to it.
func TestResumeWhileMovingMovesAgain(t *testing.T) {
	for _, again := range []bool{false, true} {
		c := loggedIn(t, sampleMsgs(1)...)
		c.digits("1")
		c.finishPrompt()
		c.finishPrompt()
		c.finishPrompt()
		if again {
			c.digits("9")
			c.digits("2")
			c.step(Event{Kind: EvMoved, Saved: &Saved{OK: true}})
		}
		c.digits("9")
		expect(t, "9 3", c.digits("3"), "stop move(m1,3)")
		c.handOver()
		expect(t, "resume", c.step(resumeEv), "move(m1,3)")
		cmds := c.step(Event{Kind: EvMoved, Saved: &Saved{OK: true}})
		if r := render(cmds); !strings.HasPrefix(r, "play(im-sorry vm-message digits/1 vm-savedto vm-Family") {
			t.Errorf("moved after resume (again %v): %s, want the apology, then saved to Family", again, r)
		}
		if c.s.FolderPurpose != "" || c.s.Phase == PhaseBusy {
			t.Errorf("after the move: purpose %q, phase %s", c.s.FolderPurpose, c.s.Phase)
		}
	}
}

// TestResumeRedoesAFolderClose: '#' closes the folder (a deleted message
// goes, a heard one to Old) and says goodbye. The fence saves the state
// before the close runs; should the instance die before or during the
// close, the one taking the call over, or finishing it offline, asks for
// the same close again (it is idempotent), so the deletion's audio and the
// lamp are not left behind. Once the call has done it (it clears
// State.Closing), a successor does not.
func TestResumeRedoesAFolderClose(t *testing.T) {
	setup := func(t *testing.T) *call {
		c, _ := newCall(t, "1001")
		c.digits("1234#")
		c.login(Counts{New: 2},
			MsgInfo{ID: "m1", Recording: "r1", Duration: 5, Received: testNow.UnixMilli()},
			MsgInfo{ID: "m2", Recording: "r2", Duration: 5, Received: testNow.UnixMilli()})
		c.finishPrompt()
		c.digits("1")
		c.finishPrompt() // envelope
		c.finishPrompt() // message
		c.digits("7")    // m1 deleted
		c.digits("6")    // m2 plays
		c.finishPrompt()
		c.finishPrompt()
		cmds := c.digits("#")
		if r := render(cmds); !strings.Contains(r, "close(0,heard=m2,deleted=m1)") {
			t.Fatalf("#: %s, want the folder closed", r)
		}
		if c.s.Closing == nil || c.s.Closing.Folder != mailbox.FolderNew {
			t.Fatalf("after #: Closing %+v, want the close kept in the state", c.s.Closing)
		}
		return c
	}
	t.Run("resume", func(t *testing.T) {
		c := setup(t)
		c.handOver()
		expect(t, "resume", c.step(resumeEv), "close(0,heard=m2,deleted=m1) play(vm-goodbye)")
		if c.s.Closing == nil {
			t.Errorf("after resume: the close asked again is no longer in the state")
		}
		cmds := c.step(resumeEv) // the successor dies too, before closing
		if cmds[0].Kind != CmdCloseFolder || len(cmds[0].Recordings) != 1 || cmds[0].Recordings[0] != "r1" {
			t.Errorf("second resume: %s, want the close again with r1's audio", render(cmds))
		}
	})
	t.Run("finish offline", func(t *testing.T) {
		c := setup(t)
		c.handOver()
		expect(t, "finish", c.step(Event{Kind: EvFinish}), "close(0,heard=m2,deleted=m1)")
	})
	t.Run("done before the takeover", func(t *testing.T) {
		c := setup(t)
		c.s.Closing = nil // what the call does once the close is done
		c.handOver()
		expect(t, "resume", c.step(resumeEv), "play(vm-goodbye)")
	})
}
