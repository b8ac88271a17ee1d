package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// One instance serves two Asterisk servers that share the recordings
// directory: a message left through A is heard, whole, through B, and
// filed there.
func TestIntegrationMessageLeftThroughOneAsteriskHeardThroughTheOther(t *testing.T) {
	env := testenv.RequireB(t)
	callerB := sharedCaller(t, env.B())
	h := startHarness(t, func(c *Config) { c.ARI.URLs = []string{env.ARIURL, env.ARIURLB} })
	ctx := callCtx(t)
	waitRegistered(t, ctx, callerB, h.app.cfg.appName())

	// Through A: Carol leaves Alice a 4 s message.
	h.leaveMessage(ctx, "1001", "Carol <2001>", 4*time.Second)
	m := h.waitMessages(ctx, state.FolderNew, 1)[0]

	// Through B: Alice hears it and files it in Work.
	owner := h.dialOn(ctx, callerB, "*97", "vm-test", "Alice <1001>")
	must(t, owner.Expect(ctx, "vm-password"))
	must(t, owner.Press(ctx, "1234#"))
	must(t, owner.Expect(ctx, "vm-youhave", "digits/1", "vm-INBOX", "vm-message"))
	must(t, owner.Press(ctx, "1"))
	must(t, owner.WaitFor(ctx, "recording:"+m.Recording))
	must(t, owner.WaitFor(ctx, "vm-savemessage"))
	// B played the audio A recorded, all of it: the prompt after it
	// started about the message's length later.
	var recAt, nextAt time.Time
	for i, p := range owner.Heard() {
		if p.Name == "recording:"+m.Recording {
			recAt = p.At
			nextAt = owner.Heard()[i+1].At
		}
	}
	if played := nextAt.Sub(recAt); played < 3*time.Second {
		t.Errorf("the message played for %s through B, want about 4s", played)
	}
	must(t, owner.Press(ctx, "9"))
	must(t, owner.Expect(ctx, "vm-savefolder"))
	must(t, owner.Press(ctx, "2"))
	must(t, owner.WaitFor(ctx, "vm-savedto"))
	must(t, owner.Press(ctx, "#"))
	must(t, owner.WaitFor(ctx, "vm-goodbye"))
	must(t, owner.WaitEnded(ctx))

	h.waitMessages(ctx, state.FolderWork, 1)
	if c := h.counts(ctx); c.New != 0 || c.Work != 1 {
		t.Errorf("counts after filing through B = %+v, want only Work 1", c)
	}
}

// An instance serving two Asterisk servers is killed with one call on
// each: the survivor, which serves both too, finds each call on its own
// Asterisk and takes it over there. The caller on A was logged in and
// goes on; the caller on B was recording, and the message is saved.
func TestIntegrationKillOwnerOfCallsOnTwoAsterisks(t *testing.T) {
	env := testenv.RequireB(t)
	callerB := sharedCaller(t, env.B())
	urls := []string{env.ARIURL, env.ARIURLB}
	h := startHarness(t, func(c *Config) {
		c.ARI.URLs = urls
		c.ARI.Broadcast = true
		c.Instance.ID = "both-survivor"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	proc := h.startProcess("both-doomed", "--ari.urls", strings.Join(urls, ","))
	for _, app := range []string{"voicemail-both-doomed", "voicemail-both-survivor"} {
		waitRegistered(t, ctx, callerB, app)
	}
	box1001 := state.MailboxID{Number: "1001", Context: "default"}
	before := h.countsOf(ctx, box1001)

	onA := h.dialIn(ctx, "vmm-both-doomed", "Alice <1001>")
	must(t, onA.Expect(ctx, "vm-password"))
	must(t, onA.Press(ctx, "1234#"))
	must(t, onA.WaitFor(ctx, "vm-opts"))

	onB := h.dialOn(ctx, callerB, "vmd-both-doomed", "vm-direct", "Carol <2003>")
	must(t, onB.WaitFor(ctx, "vm-intro"))
	must(t, onB.Press(ctx, "#"))
	_, err := callerB.Client.Play(ctx, onB.A, "speech-both", []string{"sound:vm-intro", "sound:vm-opts"}, "")
	must(t, err)
	time.Sleep(time.Second)

	killed := time.Now()
	must(t, proc.Process.Kill())
	must(t, onA.WaitFor(ctx, "im-sorry"))
	t.Logf("the caller on A heard the apology %v after the kill", time.Since(killed).Round(time.Millisecond))
	must(t, onA.Press(ctx, "#"))
	must(t, onA.WaitFor(ctx, "vm-goodbye"))

	time.Sleep(2 * time.Second) // the caller on B still talks
	if err := callerB.Client.StopPlayback(ctx, "speech-both"); err != nil && !ari.IsGone(err) {
		t.Fatal(err)
	}
	if err := onB.Press(ctx, "#"); err != nil && !onB.Ended() {
		t.Fatal(err)
	}
	must(t, onB.WaitFor(ctx, "vm-msgsaved"))
	if after := h.waitCounts(ctx, box1001, before.New+1); after.New != before.New+1 {
		t.Errorf("1001 has %d new messages, want %d", after.New, before.New+1)
	}
}
