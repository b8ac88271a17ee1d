package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// login calls *97 as number (or *98 when typeMailbox) and logs in with pin,
// returning once the main menu has been read out.
func (h *harness) login(ctx context.Context, number, pin string) *testenv.Call {
	h.t.Helper()
	var call *testenv.Call
	if h.direct != "" {
		// Stasis(voicemail-NAME,main,CALLERID(num)): what *97 does.
		call = h.dialIn(ctx, "vmm-"+h.direct, "Owner <"+number+">")
	} else {
		call = h.dial(ctx, "*97", "Owner <"+number+">")
	}
	must(h.t, call.Expect(ctx, "vm-password"))
	must(h.t, call.Press(ctx, pin+"#"))
	must(h.t, call.WaitFor(ctx, "vm-helpexit"))
	return call
}

// speakAndEnd skips the recording prompt with '#', speaks about 5 s (a
// prompt played from the caller's side) and ends the recording with '#'.
// The second '#' waits behind the playback on the caller's channel, so the
// recording holds the whole sound.
func speakAndEnd(t *testing.T, ctx context.Context, call *testenv.Call) {
	t.Helper()
	must(t, call.Press(ctx, "#"))
	must(t, call.Play(ctx, "sound:vm-intro"))
	must(t, call.Press(ctx, "#"))
}

func (h *harness) store() *state.Store {
	h.t.Helper()
	st, err := state.New(state.Config{}, h.rdb)
	must(h.t, err)
	return st
}

func box(n string) state.MailboxID { return state.MailboxID{Number: n, Context: "default"} }

func TestIntegrationGreetingsRecordReviewAccept(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 3*time.Minute)
	call := h.login(ctx, "1001", "1234")
	for _, g := range []struct{ key, prompt string }{
		{"1", "vm-rec-unv"}, {"2", "vm-rec-busy"}, {"3", "vm-rec-name"},
	} {
		must(t, call.Press(ctx, "0"))
		must(t, call.WaitFor(ctx, "vm-options"))
		must(t, call.Press(ctx, g.key))
		must(t, call.Expect(ctx, g.prompt))
		speakAndEnd(t, ctx, call)
		must(t, call.WaitFor(ctx, "vm-review"))
		must(t, call.Press(ctx, "1"))
		must(t, call.Expect(ctx, "vm-msgsaved", "vm-options"))
		must(t, call.Press(ctx, "*"))
		must(t, call.WaitFor(ctx, "vm-helpexit"))
	}
	must(t, call.Hangup(ctx))

	greetings, err := h.store().Greetings(ctx, box("1001"))
	must(t, err)
	for _, kind := range []state.GreetingKind{state.GreetingUnavail, state.GreetingBusy, state.GreetingName} {
		if greetings[kind] == "" || !h.storedExists(ctx, greetings[kind]) {
			t.Fatalf("greeting %s not stored: %v", kind, greetings)
		}
	}
	// A caller now hears the recorded greetings.
	unavail := h.dial(ctx, "1001", "Eve <2005>")
	must(t, unavail.Expect(ctx, "recording:"+greetings[state.GreetingUnavail], "vm-intro"))
	busy := h.dial(ctx, "b1001", "Eve <2005>")
	must(t, busy.Expect(ctx, "recording:"+greetings[state.GreetingBusy], "vm-intro"))
}

func TestIntegrationTemporaryGreetingWinsAndIsRemoved(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "04"))
	must(t, call.WaitFor(ctx, "vm-rec-temp"))
	speakAndEnd(t, ctx, call)
	must(t, call.WaitFor(ctx, "vm-review"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved"))
	must(t, call.Hangup(ctx))

	greetings, err := h.store().Greetings(ctx, box("1001"))
	must(t, err)
	temp := greetings[state.GreetingTemp]
	if temp == "" {
		t.Fatal("no temporary greeting stored")
	}
	// It wins over the busy and the unavailable greeting.
	for _, exten := range []string{"1001", "b1001"} {
		c := h.dial(ctx, exten, "Eve <2005>")
		must(t, c.Expect(ctx, "recording:"+temp, "vm-intro"))
		must(t, c.Hangup(ctx))
	}

	// The owner is reminded at login, and 0 4 2 removes it.
	call = h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-tempgreetactive"))
	must(t, call.Press(ctx, "04"))
	must(t, call.WaitFor(ctx, "vm-tempgreeting2"))
	must(t, call.Press(ctx, "2"))
	must(t, call.Expect(ctx, "vm-tempremoved"))
	must(t, call.Hangup(ctx))

	c := h.dial(ctx, "1001", "Eve <2005>")
	must(t, c.Expect(ctx, "vm-theperson"))
	testkit.Eventually(t, 30*time.Second, 50*time.Millisecond, testkit.Cond("the removed temporary greeting's audio gone",
		func() bool { return !h.storedExists(ctx, temp) }))
}

func TestIntegrationChangePIN(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "05"))
	must(t, call.WaitFor(ctx, "vm-newpassword"))
	must(t, call.Press(ctx, "2580#"))
	must(t, call.Expect(ctx, "vm-reenterpassword"))
	must(t, call.Press(ctx, "2581#"))
	must(t, call.Expect(ctx, "vm-mismatch", "vm-pls-try-again", "vm-options"))
	must(t, call.Press(ctx, "5"))
	must(t, call.WaitFor(ctx, "vm-newpassword"))
	must(t, call.Press(ctx, "2580#"))
	must(t, call.Expect(ctx, "vm-reenterpassword"))
	must(t, call.Press(ctx, "2580#"))
	must(t, call.Expect(ctx, "vm-passchanged", "vm-options"))
	must(t, call.Hangup(ctx))

	// In Redis at once, for every instance: the old PIN fails, the new works.
	if _, err := h.store().Authenticate(ctx, box("1001"), "2580"); err != nil {
		t.Fatalf("the new PIN is not in Redis: %v", err)
	}
	old := h.dial(ctx, "*97", "Alice <1001>")
	must(t, old.Expect(ctx, "vm-password"))
	must(t, old.Press(ctx, "1234#"))
	must(t, old.Expect(ctx, "vm-incorrect", "vm-password"))
	must(t, old.Press(ctx, "2580#"))
	must(t, old.Expect(ctx, "vm-youhave"))
}

func TestIntegrationFirstLoginWalkThrough(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	dialIn := func() *testenv.Call {
		call := h.dial(ctx, "*98", "Carol <1003>")
		must(t, call.Expect(ctx, "vm-login"))
		must(t, call.Press(ctx, "1003#"))
		must(t, call.Expect(ctx, "vm-password"))
		must(t, call.Press(ctx, "0000#"))
		return call
	}
	call := dialIn()
	must(t, call.Expect(ctx, "vm-newuser", "vm-rec-name"))
	speakAndEnd(t, ctx, call)
	must(t, call.WaitFor(ctx, "vm-review"))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, "vm-msgsaved", "vm-newpassword"))
	// Hanging up before choosing a password: the walk-through starts
	// again, without the name that now exists (issue 14, difference 9).
	must(t, call.Hangup(ctx))
	call = dialIn()
	must(t, call.Expect(ctx, "vm-newuser", "vm-newpassword"))
	must(t, call.Press(ctx, "3690#"))
	must(t, call.Expect(ctx, "vm-reenterpassword"))
	must(t, call.Press(ctx, "3690#"))
	must(t, call.Expect(ctx, "vm-passchanged", "vm-youhave"))
	must(t, call.Hangup(ctx))

	mb, err := h.store().Mailbox(ctx, box("1003"))
	must(t, err)
	if mb.PINIsDefault || !mb.PINChangedByOwner {
		t.Fatalf("mailbox after the walk-through: %+v", mb)
	}
	greetings, err := h.store().Greetings(ctx, box("1003"))
	must(t, err)
	if greetings[state.GreetingName] == "" {
		t.Fatal("the name was not kept")
	}
	// Next login: straight to the mailbox.
	call = h.dial(ctx, "*97", "Carol <1003>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "3690#"))
	must(t, call.Expect(ctx, "vm-youhave"))
}

func TestIntegrationForwardToAnotherMailbox(t *testing.T) {
	h := startHarness(t)
	ctx := testkit.Timeout(t, 2*time.Minute)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 4*time.Second)
	orig := h.waitMessages(ctx, state.FolderNew, 1)[0]

	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "1"))
	must(t, call.WaitFor(ctx, "vm-first"))
	must(t, call.Press(ctx, "1")) // skip the envelope
	must(t, call.WaitFor(ctx, "vm-savemessage"))
	must(t, call.Press(ctx, "8"))
	must(t, call.Expect(ctx, "vm-extension"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "digits/1", "digits/0", "digits/0", "digits/2", "vm-forwardoptions", "vm-starmain"))
	must(t, call.Press(ctx, "2"))
	must(t, call.Expect(ctx, "vm-msgforwarded"))
	must(t, call.Hangup(ctx))

	counts, err := h.store().Counts(ctx, box("1002"))
	must(t, err)
	if counts.New != 1 {
		t.Fatalf("1002 counts %+v, want one new message", counts)
	}
	msgs, err := h.store().Messages(ctx, box("1002"), state.FolderNew)
	must(t, err)
	fwd := msgs[0]
	if fwd.CallerNum != orig.CallerNum || fwd.Origin != orig.Origin || fwd.Recording == orig.Recording {
		t.Errorf("forwarded copy %+v of %+v: want the envelope kept and audio of its own", fwd, orig)
	}
	if !h.storedExists(ctx, fwd.Recording) {
		t.Errorf("the copy's audio %s is not stored", fwd.Recording)
	}
}

func TestIntegrationHelpAndInvalidKey(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.login(ctx, "1001", "1234")
	must(t, call.Press(ctx, "*"))
	must(t, call.Expect(ctx, "vm-opts", "vm-helpexit"))
	must(t, call.Press(ctx, "8"))
	must(t, call.Expect(ctx, "vm-sorry", "vm-opts", "vm-helpexit"))
	must(t, call.Press(ctx, "0"))
	must(t, call.Expect(ctx, "vm-options"))
	must(t, call.Press(ctx, "9"))
	must(t, call.Expect(ctx, "vm-sorry", "vm-options"))
}

func TestIntegrationFrenchMailbox(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "*98", "Denise <1004>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "1004#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-youhave", "vm-no", "vm-messages", "vm-opts"))
	var langs []string
	for _, p := range call.Heard() {
		if p.Name == "vm-youhave" || p.Name == "vm-opts" {
			langs = append(langs, p.Lang)
		}
	}
	if strings.Join(langs, ",") != "fr,fr" {
		t.Fatalf("prompts after login played in %v, want fr", langs)
	}
}
