package menus

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

func sampleMsgs(n int) []MsgInfo {
	out := make([]MsgInfo, n)
	for i := range out {
		out[i] = MsgInfo{
			ID:        "m" + strconv.Itoa(i+1),
			Recording: "voicemail/default/1001/msg/m" + strconv.Itoa(i+1),
			CallerNum: "2001",
			Received:  testNow.Add(-time.Duration(n-i) * time.Hour).UnixMilli(),
			Duration:  5,
		}
	}
	return out
}

// loggedIn is a call logged in to 1001 with msgs in New, at the main menu
// with its prompt ended.
func loggedIn(t *testing.T, msgs ...MsgInfo) *call {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: len(msgs)}, msgs...)
	c.finishPrompt()
	return c
}

func TestListenToFirstMessage(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	expect(t, "1", c.digits("1"),
		"play(vm-first vm-message vm-received digits/today digits/at digits/1 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1)")
	if c.s.Playing != PlayEnvelope {
		t.Fatalf("want the envelope playing, got %q", c.s.Playing)
	}
	expect(t, "envelope ends", c.finishPrompt(), "play(recording:voicemail/default/1001/msg/m1)")
	expect(t, "rewind", c.digits("*"), "control(reverse)")
	expect(t, "forward", c.digits("#"), "control(forward)")
	expect(t, "pause", c.digits("0"), "control(pause)")
	expect(t, "unpause", c.digits("0"), "control(unpause)")
	expect(t, "message ends", c.finishPrompt(),
		"play(vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	if !c.s.Box.Msgs[0].Heard {
		t.Fatal("a message played to its end is heard")
	}
	expect(t, "6 next", c.digits("6"), "stop play(vm-last vm-message vm-received digits/today digits/at digits/2 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1)")
	expect(t, "1 skips the envelope", c.digits("1"), "stop play(recording:voicemail/default/1001/msg/m2)")
	// A key other than the controls stops the message and counts.
	expect(t, "4 during the message", c.digits("4"), "stop play(vm-first vm-message vm-received digits/today digits/at digits/1 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1)")
	if !c.s.Box.Msgs[1].Heard {
		t.Fatal("a message cut short by a key is heard")
	}
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "4 at the first", c.digits("4"), "stop play(vm-nomore vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	// Leaving moves the heard messages to Old (close_mailbox).
	expect(t, "#", c.digits("#"), "stop close(0,heard=m1+m2,deleted=) play(vm-goodbye)")
}

// A message counts as heard once its audio starts, as in app_voicemail: a
// caller who hangs up during it, or whose call is taken over then, finds
// it in Old, and the lamp goes off. Hanging up during the envelope leaves
// it New.
func TestMessageHeardOnceItsAudioStarts(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	if c.s.Box.Msgs[0].Heard {
		t.Fatal("heard during the envelope")
	}
	expect(t, "envelope ends", c.finishPrompt(), "play(recording:voicemail/default/1001/msg/m1)")
	if !c.s.Box.Msgs[0].Heard {
		t.Fatal("not heard once its audio started")
	}
	expect(t, "hangup during the message", c.step(Event{Kind: EvHangup}), "close(0,heard=m1,deleted=)")

	c = loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	expect(t, "hangup during the envelope", c.step(Event{Kind: EvHangup}), "")
}

func TestDeleteTakesEffectOnLeaving(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "7", c.digits("7"), "stop play(vm-deleted vm-advopts vm-repeat vm-next vm-undelete vm-toforward vm-savemessage vm-helpexit)")
	c.finishPrompt()
	c.digits("7")
	c.finishPrompt()
	expect(t, "7 again", c.digits("7"), "play(vm-deleted vm-advopts vm-repeat vm-next vm-undelete vm-toforward vm-savemessage vm-helpexit)")
	// Hanging up applies it too.
	expect(t, "hangup", c.step(Event{Kind: EvHangup}), "close(0,heard=,deleted=m1)")
}

func TestSaveToFolder(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	expect(t, "9", c.digits("9"), "play(vm-savefolder vm-press digits/0 vm-for vm-INBOX vm-messages digits/1 vm-for vm-Old vm-messages digits/2 vm-for vm-Work vm-messages digits/3 vm-for vm-Family vm-messages digits/4 vm-for vm-Friends vm-messages vm-tocancel)")
	expect(t, "2", c.digits("2"), "stop move(m1,2)")
	expect(t, "moved", c.step(Event{Kind: EvMoved, Saved: &Saved{OK: true}}),
		"play(vm-message digits/1 vm-savedto vm-Work vm-messages vm-advopts vm-repeat vm-delete vm-toforward vm-savemessage vm-helpexit)")
	// A saved message is not moved to Old on leaving.
	expect(t, "#", c.digits("#"), "stop play(vm-goodbye)")
}

// A message deleted, then saved to Work, then saved to Family with that
// move failing, is still in Work: leaving must not delete it there.
func TestFailedSecondSaveKeepsTheMessage(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.finishPrompt()
	c.digits("7")
	c.finishPrompt()
	c.digits("9")
	expect(t, "9 2", c.digits("2"), "stop move(m1,2)")
	c.step(Event{Kind: EvMoved, Saved: &Saved{OK: true}})
	c.digits("9")
	expect(t, "9 3", c.digits("3"), "stop move(m1,3)")
	c.step(Event{Kind: EvMoved, Saved: &Saved{OK: false}})
	if cmds := c.digits("#"); strings.Contains(render(cmds), "close(") {
		t.Errorf("leaving closed the folder over the saved message: %s", render(cmds))
	}
}

func TestFolderMenuCancelAndTimeout(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	expect(t, "2", c.digits("2"), "play(vm-changeto vm-press digits/0 vm-for vm-INBOX vm-messages digits/1 vm-for vm-Old vm-messages digits/2 vm-for vm-Work vm-messages digits/3 vm-for vm-Family vm-messages digits/4 vm-for vm-Friends vm-messages vm-tocancel)")
	expect(t, "# cancels", c.digits("#"), "stop play(vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
	c.finishPrompt()
	c.digits("2")
	for i := 0; i < 2; i++ {
		c.finishPrompt()
		c.step(Timeout(c.s.TimerGen))
	}
	c.finishPrompt()
	expect(t, "silence gives up: back to the menu", c.step(Timeout(c.s.TimerGen)), "play(vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
}

func TestChangeFolder(t *testing.T) {
	c := loggedIn(t, sampleMsgs(1)...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt() // message heard
	c.digits("2")
	expect(t, "2 Work", c.digits("2"), "stop close(0,heard=m1,deleted=) load(2)")
	expect(t, "loaded", c.step(Event{Kind: EvFolder, Folder: &Box{Folder: 2, Now: testNow.UnixMilli()}}), "play(vm-Work vm-messages vm-opts vm-helpexit)")
	c.finishPrompt()
	expect(t, "1 in an empty folder", c.digits("1"), "play(vm-youhave vm-no vm-Work vm-messages vm-opts vm-helpexit)")
}

func TestEnvelopeDates(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, loc) // a Thursday
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 9, 5, 0, 0, loc), "digits/today digits/at digits/9 digits/oh digits/5 digits/a-m"},
		{time.Date(2026, 11, 25, 12, 30, 0, 0, loc), "digits/yesterday digits/at digits/12 digits/30 digits/p-m"},
		{time.Date(2026, 11, 23, 0, 42, 0, 0, loc), "digits/day-1 digits/at digits/12 digits/40 digits/2 digits/a-m"},
		// main/say.c's 'q': within a month the weekday and the date,
		// within six months the date, before that the year too.
		{time.Date(2026, 11, 10, 18, 0, 0, 0, loc), "digits/day-2 digits/mon-10 digits/h-10 digits/at digits/6 digits/oclock digits/p-m"},
		{time.Date(2026, 10, 21, 18, 0, 0, 0, loc), "digits/mon-9 digits/20 digits/h-1 digits/at digits/6 digits/oclock digits/p-m"},
		{time.Date(2026, 5, 1, 8, 0, 0, 0, loc), "digits/mon-4 digits/h-1 digits/2 digits/thousand digits/20 digits/6 digits/at digits/8 digits/oclock digits/a-m"},
	}
	for _, tt := range tests {
		got := sayWhen(loc, "en", tt.at, now)
		if g := join(got); g != tt.want {
			t.Errorf("sayWhen(%s) = %s, want %s", tt.at, g, tt.want)
		}
	}
	if g := join(sayWhen(loc, "fr", time.Date(2026, 10, 21, 14, 5, 0, 0, loc), now)); g != "digits/day-3 digits/20 digits/et digits/1 digits/mon-9 digits/2 digits/thousand digits/20 digits/6 digits/at digits/14 digits/oclock digits/5" {
		t.Errorf("fr date: %s", g)
	}
	long := envelope(loc, "en", MsgInfo{Received: now.UnixMilli(), Duration: 185}, now.UnixMilli(), legacyOptions)
	if g := join(long); g != "vm-received digits/today digits/at digits/3 digits/oclock digits/p-m vm-unknown-caller vm-duration digits/3 vm-minutes" {
		t.Errorf("long message envelope: %s", g)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestFolderThatCannotBeReadSaysSorry(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.step(loginOK(Counts{New: 3}))
	expect(t, "storage down", c.step(Event{Kind: EvFolder, Folder: &Box{Failed: true}}), "play(vm-sorry vm-goodbye)")
}

// A folder close names the audio of the messages it deletes, so the app can
// delete it even when a retried close no longer reports it.
func TestCloseFolderNamesDeletedAudio(t *testing.T) {
	msgs := sampleMsgs(3)
	msgs[1].Intro = "voicemail/default/1001/msg/m2-i"
	c := loggedIn(t, msgs...)
	c.digits("1")
	c.finishPrompt()
	c.finishPrompt()
	c.digits("7") // m1
	c.finishPrompt()
	c.digits("6")
	c.finishPrompt()
	c.finishPrompt()
	c.digits("7") // m2
	cmds := c.step(Event{Kind: EvHangup})
	if len(cmds) != 1 || cmds[0].Kind != CmdCloseFolder {
		t.Fatalf("hangup: %s", render(cmds))
	}
	want := []string{"voicemail/default/1001/msg/m1", "voicemail/default/1001/msg/m2", "voicemail/default/1001/msg/m2-i"}
	if got := cmds[0].Recordings; !slices.Equal(got, want) {
		t.Errorf("close names audio %q, want %q", got, want)
	}
}

// Before any message was played, 4–9 act on message 1, which is current
// as in app_voicemail (vm_execmain starts with vms.curmsg 0).
func TestKeysBeforeAnyMessageActOnTheFirst(t *testing.T) {
	env1 := "vm-first vm-message vm-received digits/today digits/at digits/12 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1"
	env2 := "vm-message digits/2 vm-received digits/today digits/at digits/1 digits/oclock digits/p-m vm-from-phonenumber digits/2 digits/0 digits/0 digits/1"
	after1 := "vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit"
	for _, tc := range []struct {
		key, want string
		cur       int
		menu      MenuID
	}{
		{"4", "play(vm-nomore " + after1 + ")", 0, MenuMessage},
		{"5", "play(" + env1 + ")", 0, MenuMessage},
		{"6", "play(" + env2 + ")", 1, MenuMessage},
		{"7", "play(vm-deleted vm-advopts vm-repeat vm-next vm-undelete vm-toforward vm-savemessage vm-helpexit)", 0, MenuMessage},
		{"8", "play(vm-extension)", 0, MenuForwardTo},
		{"9", "play(" + folderPromptFor("vm-savefolder") + ")", 0, MenuFolder},
	} {
		t.Run(tc.key, func(t *testing.T) {
			c := loggedIn(t, sampleMsgs(3)...)
			expect(t, tc.key, c.digits(tc.key), tc.want)
			if c.s.Box.Cur != tc.cur || c.s.Menu != tc.menu {
				t.Fatalf("after %s: current %d in %s, want %d in %s", tc.key, c.s.Box.Cur, c.s.Menu, tc.cur, tc.menu)
			}
			if tc.key == "7" && !c.s.Box.Msgs[0].Deleted {
				t.Fatal("7 did not delete message 1")
			}
		})
	}
	t.Run("9 saves message 1", func(t *testing.T) {
		c := loggedIn(t, sampleMsgs(3)...)
		c.digits("9")
		c.finishPrompt()
		expect(t, "2 work", c.digits("2"), "move(m1,2)")
	})
	t.Run("empty folder", func(t *testing.T) {
		c := loggedIn(t)
		expect(t, "5", c.digits("5"), "play(vm-youhave vm-no vm-INBOX vm-messages vm-opts vm-helpexit)")
		c.finishPrompt()
		expect(t, "7", c.digits("7"), "play(vm-sorry vm-opts vm-helpexit)")
		if c.s.Menu != MenuMain || c.s.Box.Cur != -1 {
			t.Fatalf("empty folder: current %d in %s", c.s.Box.Cur, c.s.Menu)
		}
	})
}

// folderPromptFor is the folder menu's prompt after first (vm-changeto or
// vm-savefolder), in English.
func folderPromptFor(first string) string {
	return strings.Join(folderMenuPrompt(&State{Lang: "en", FolderPurpose: map[string]string{"vm-changeto": "change", "vm-savefolder": "save"}[first]}), " ")
}

// '2' while a message plays restarts it, as app_voicemail's
// listen_control_restart_key does: the whole message, its introduction
// first, again, whether it was paused or not.
func TestRestartKeyPlaysTheWholeMessageAgain(t *testing.T) {
	msgs := sampleMsgs(2)
	msgs[0].Intro = "voicemail/default/1001/msg/m1-i"
	audio := "play(recording:voicemail/default/1001/msg/m1-i recording:voicemail/default/1001/msg/m1)"
	c := loggedIn(t, msgs...)
	c.digits("1")
	expect(t, "envelope ends", c.finishPrompt(), audio)
	first := c.s.Playback
	expect(t, "2 restarts", c.digits("2"), "stop "+audio)
	if c.s.Menu != MenuMessage || c.s.Playing != PlayMessage || c.s.Playback == first || c.s.Box.Cur != 0 {
		t.Fatalf("after 2: menu %s playing %q (%s, was %s), current %d", c.s.Menu, c.s.Playing, c.s.Playback, first, c.s.Box.Cur)
	}
	// The stopped playback's end, arriving late, changes nothing.
	expect(t, "late end", c.step(PromptDone(first)), "")
	expect(t, "pause", c.digits("0"), "control(pause)")
	expect(t, "2 while paused", c.digits("2"), "stop "+audio)
	if c.s.Paused {
		t.Fatal("the restarted message is not paused")
	}
	expect(t, "0 pauses again", c.digits("0"), "control(pause)")
	expect(t, "0 goes on", c.digits("0"), "control(unpause)")
	expect(t, "message ends", c.finishPrompt(),
		"play(vm-advopts vm-repeat vm-next vm-delete vm-toforward vm-savemessage vm-helpexit)")
	// After the message, 2 is the menu's: change folder.
	expect(t, "2 after", c.digits("2"), "stop play("+folderPromptFor("vm-changeto")+")")
}
