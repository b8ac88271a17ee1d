package menus

import "testing"

// 4 in the review marks the message urgent, and again not urgent
// (play_record_review); the save carries it.
func TestReviewMarksUrgent(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	expect(t, "recorded", c.step(recorded(4)), "play(vm-review vm-review-urgent)")
	expect(t, "4 marks urgent", c.digits("4"), "stop play(vm-marked-urgent vm-review vm-review-nonurgent)")
	expect(t, "4 again", c.digits("4"), "stop play(vm-marked-nonurgent vm-review vm-review-urgent)")
	expect(t, "4 once more", c.digits("4"), "stop play(vm-marked-urgent vm-review vm-review-nonurgent)")
	expect(t, "1 accepts", c.digits("1"), "stop save(m1,4,urgent)")
	expect(t, "saved", c.step(savedOK), "play(vm-msgsaved)")

	// Urgent from the dialplan: the review offers to take it back, and
	// silence in the review saves it urgent.
	c, _ = depositCall(t, Deposit{Review: true, Urgent: true})
	c.finishPrompt()
	expect(t, "recorded", c.step(recorded(4)), "play(vm-review vm-review-nonurgent)")
	c.s.Repeats = c.e.cfg.MaxRepeats
	c.finishPrompt()
	if c.s.Deposit == nil || !c.s.Deposit.Urgent {
		t.Fatalf("urgent lost: %+v", c.s.Deposit)
	}

	// Without review the dialplan's urgent is saved as is.
	c, _ = depositCall(t, Deposit{Urgent: true})
	c.finishPrompt()
	expect(t, "saved urgent", c.step(recorded(6)), "save(m1,6,urgent)")
}

// The mark survives a takeover: it is in the saved session.
func TestUrgentMarkSurvivesPersist(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(4))
	c.digits("4")
	saved := c.s.Persistable(c.e.Tree())
	if saved.Deposit == nil || !saved.Deposit.Urgent {
		t.Fatalf("saved session lost the mark: %+v", saved.Deposit)
	}
}

// At login the urgent messages are announced first (vm_intro_en) and
// played first: the caller starts in Urgent.
func TestLoginStartsInUrgent(t *testing.T) {
	tests := []struct {
		c    Counts
		want string
	}{
		{Counts{Urgent: 1}, "play(vm-youhave digits/1 vm-Urgent vm-message vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit)"},
		{Counts{Urgent: 2}, "play(vm-youhave digits/2 vm-Urgent vm-messages vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit)"},
		{Counts{Urgent: 1, New: 2, Old: 1}, "play(vm-youhave digits/1 vm-Urgent vm-and digits/2 vm-INBOX vm-and digits/1 vm-Old vm-message vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit)"},
		{Counts{Urgent: 1, Old: 3}, "play(vm-youhave digits/1 vm-Urgent vm-and digits/3 vm-Old vm-messages vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit)"},
	}
	for _, tt := range tests {
		c, _ := newCall(t, "1001")
		c.digits("1234#")
		expect(t, "intro", c.login(tt.c, sampleMsgs(tt.c.Urgent)...), tt.want)
		if c.s.Box.Folder != 5 {
			t.Errorf("%+v: started in folder %d", tt.c, c.s.Box.Folder)
		}
	}
}

// An urgent message is announced as such; heard, it goes to Old when the
// folder closes; after the last one, 6 goes on to the new messages
// (vm_execmain case '6' with in_urgent).
func TestUrgentThenNew(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	urgent := sampleMsgs(1)
	urgent[0].ID, urgent[0].Recording = "u1", "voicemail/default/1001/msg/u1"
	c.login(Counts{Urgent: 1, New: 2}, urgent...)
	c.finishPrompt()
	expect(t, "1", c.digits("1"),
		"play(vm-first vm-message vm-Urgent vm-received digits/today digits/at digits/2 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1)")
	expect(t, "envelope ends", c.finishPrompt(), "play(recording:voicemail/default/1001/msg/u1)")
	c.finishPrompt()
	expect(t, "6 past the last urgent", c.digits("6"), "stop close(5,heard=u1,deleted=) load(0)")
	expect(t, "New loaded", c.step(Event{Kind: EvFolder, Folder: &Box{Folder: 0, Msgs: sampleMsgs(2), Now: testNow.UnixMilli()}}),
		"play(vm-first vm-message vm-received digits/today digits/at digits/1 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1)")
	if c.s.Box.Folder != 0 || c.s.Box.Cur != 0 {
		t.Fatalf("want message 1 of New current, got folder %d cur %d", c.s.Box.Folder, c.s.Box.Cur)
	}

	// With no new messages, 6 after the last urgent one is "no more".
	c, _ = newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{Urgent: 1}, urgent...)
	c.finishPrompt()
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "6 with nothing new", c.digits("6"), "stop play(vm-nomore vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	expect(t, "# closes Urgent", c.digits("#"), "stop close(5,heard=u1,deleted=) play(vm-goodbye)")
	expect(t, "goodbye ends", c.finishPrompt(), "hangup")
}

// The folder menu offers the five folders a digit picks, never Urgent.
func TestFolderMenuLeavesOutUrgent(t *testing.T) {
	got := folderMenuPrompt(&State{Lang: "en"})
	for _, m := range got {
		if m == "vm-Urgent" {
			t.Fatalf("folder menu offers Urgent: %v", got)
		}
	}
	if n := len(got); n != 2+5*4+1 {
		t.Errorf("folder menu has %d prompts: %v", n, got)
	}
}

// A call taken over while its urgent message was being saved saves it
// again, urgent: the mark travels in the session (docs/ha.md).
func TestUrgentSaveAgainAfterHandOver(t *testing.T) {
	c, _ := depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(4))
	c.digits("4")
	expect(t, "1 accepts", c.digits("1"), "stop save(m1,4,urgent)")
	c.handOver()
	expect(t, "resume", c.step(resumeEv), "save(m1,4,urgent)")

	// Taken over in the review, after 4: the mark is still there.
	c, _ = depositCall(t, Deposit{Review: true})
	c.finishPrompt()
	c.step(recorded(4))
	c.digits("4")
	c.handOver()
	c.step(resumeEv)
	expect(t, "1 after the takeover", c.digits("1"), "stop save(m1,4,urgent)")
}
