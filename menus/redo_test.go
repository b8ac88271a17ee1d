package menus

import (
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

// forwardUnderWay logs in, forwards the message to 1002 (with an
// introduction when intro is set) and returns the call with the forward's
// copies asked for and no outcome yet.
func forwardUnderWay(t *testing.T, intro bool) (*call, Cmd) {
	t.Helper()
	c := atForward(t)
	c.s.Key = "m1764990000000-0badcafe" // what the app's Start.Key gives
	c.forwardOptions("1002")
	var cmds []Cmd
	if intro {
		c.digits("1")
		c.finishPrompt()
		cmds = c.recordTake("i1", 3)
	} else {
		cmds = c.digits("2")
	}
	last := cmds[len(cmds)-1]
	if last.Kind != CmdForward || last.Key == "" || !strings.HasPrefix(last.Key, c.s.Key+"-") {
		t.Fatalf("forward asked for as %s (key %q), want one named from the call's key", render(cmds), last.Key)
	}
	if f := c.s.Forward; f == nil || !f.Sending || f.Key != last.Key {
		t.Fatalf("state after the forward was asked for: %+v, want it sending under its key", c.s.Forward)
	}
	return c, last
}

// A forward whose instance died before its outcome is asked for again,
// under the same key (so the copies already made are not made twice):
// by the instance that resumes the call, which then says "forwarded"
// after its apology, and by the one that finishes it offline, which
// leaves the introduction to the forward instead of discarding it.
func TestRedoAForwardUnderWay(t *testing.T) {
	for _, intro := range []bool{false, true} {
		name := map[bool]string{false: "as is", true: "with an introduction"}[intro]
		t.Run(name+"/resume", func(t *testing.T) {
			c, first := forwardUnderWay(t, intro)
			c.handOver()
			cmds := c.step(resumeEv)
			if len(cmds) != 1 || cmds[0].Kind != CmdForward || cmds[0].Key != first.Key || cmds[0].Name != first.Name ||
				strings.Join(cmds[0].To, "+") != "1002" || cmds[0].MsgID != first.MsgID {
				t.Fatalf("resume: %s, want the same forward again (key %q)", render(cmds), first.Key)
			}
			expect(t, "done", c.step(done), "play("+Apology+" vm-msgforwarded "+messageMenu+")")
			if c.s.Forward != nil || len(c.s.Prefix) != 0 {
				t.Errorf("after the forward: Forward %+v, Prefix %v, want both cleared", c.s.Forward, c.s.Prefix)
			}
		})
		t.Run(name+"/finish offline", func(t *testing.T) {
			c, first := forwardUnderWay(t, intro)
			c.handOver()
			cmds := c.step(Event{Kind: EvFinish})
			if len(cmds) == 0 || cmds[0].Kind != CmdForward || cmds[0].Key != first.Key {
				t.Fatalf("finish: %s, want the forward again first", render(cmds))
			}
			if r := render(cmds); strings.Contains(r, "discard(") {
				t.Errorf("finish: %s: the introduction is the forward's to delete once copied", r)
			}
		})
	}
	t.Run("done before the takeover", func(t *testing.T) {
		c, _ := forwardUnderWay(t, false)
		c.step(done)
		c.handOver()
		if r := render(c.step(resumeEv)); strings.Contains(r, "forward(") {
			t.Errorf("resume after the forward was done: %s, want no forward", r)
		}
	})
}

// Two forwards in one call are named apart: the second's copies are new
// ones, not the first's found again.
func TestForwardsOfACallHaveTheirOwnKeys(t *testing.T) {
	c, first := forwardUnderWay(t, false)
	c.step(done)
	c.digits("8")
	c.forwardOptions("1002")
	cmds := c.digits("2")
	second := cmds[len(cmds)-1]
	if second.Kind != CmdForward || second.Key == "" || second.Key == first.Key {
		t.Errorf("second forward's key %q, first's %q: want two different keys", second.Key, first.Key)
	}
}

// A greeting change whose instance died before its outcome is asked for
// again: setting the take accepted, removing the temporary greeting. Both
// come out the same when done twice.
func TestRedoAGreetingChangeUnderWay(t *testing.T) {
	accept := func(t *testing.T) *call {
		c, _ := newCall(t, "1001")
		c.loginWith(LoginResult{})
		c.digits("01")
		c.finishPrompt()
		c.recordTake("g1", 4)
		expect(t, "accept", c.digits("1"), "stop set_greeting(unavail,g1)")
		return c
	}
	removeTemp := func(t *testing.T) *call {
		c, _ := newCall(t, "1001")
		c.loginWith(LoginResult{Greetings: map[mailbox.Greeting]bool{mailbox.GreetingTemp: true}})
		c.digits("04")
		c.finishPrompt()
		expect(t, "2 remove", c.digits("2"), "clear_greeting(temp)")
		return c
	}
	for _, tc := range []struct {
		name, again, said string
		setup             func(*testing.T) *call
	}{
		{"accepted take", "set_greeting(unavail,g1)", "vm-msgsaved", accept},
		{"temporary greeting removed", "clear_greeting(temp)", "vm-tempremoved", removeTemp},
	} {
		t.Run(tc.name+"/resume", func(t *testing.T) {
			c := tc.setup(t)
			c.handOver()
			expect(t, "resume", c.step(resumeEv), tc.again)
			if r := render(c.step(done)); !strings.HasPrefix(r, "play("+Apology+" "+tc.said+" ") {
				t.Errorf("done: %s, want the apology, then %s", r, tc.said)
			}
		})
		t.Run(tc.name+"/finish offline", func(t *testing.T) {
			c := tc.setup(t)
			c.handOver()
			cmds := c.step(Event{Kind: EvFinish})
			if r := render(cmds); !strings.HasPrefix(r, tc.again) || strings.Contains(r, "discard(") {
				t.Errorf("finish: %s, want %s first and no audio discarded", r, tc.again)
			}
		})
	}
}

// A forward under way in a call with no key (begun on an older instance)
// is not asked for again: its copies would get fresh ids and be made
// twice. Resumed, the caller hears the forward's menu again; finished
// offline, its introduction is discarded, as before keys.
func TestKeylessForwardIsNotRedone(t *testing.T) {
	setup := func(t *testing.T) *call {
		c := atForward(t)
		c.forwardOptions("1002")
		c.digits("1")
		c.finishPrompt()
		cmds := c.recordTake("i1", 3)
		if last := cmds[len(cmds)-1]; last.Kind != CmdForward || last.Key != "" {
			t.Fatalf("forward: %s (key %q), want one with no key", render(cmds), last.Key)
		}
		return c
	}
	t.Run("resume", func(t *testing.T) {
		c := setup(t)
		c.handOver()
		if r := render(c.step(resumeEv)); strings.Contains(r, "forward(") || !strings.HasPrefix(r, "play("+Apology) {
			t.Errorf("resume: %s, want the apology and a menu, no forward", r)
		}
	})
	t.Run("finish offline", func(t *testing.T) {
		c := setup(t)
		c.handOver()
		if r := render(c.step(Event{Kind: EvFinish})); strings.Contains(r, "forward(") || !strings.Contains(r, "discard(i1)") {
			t.Errorf("finish: %s, want the introduction discarded and no forward", r)
		}
	})
}

// On a live hang-up the forward has run already (same step): the
// introduction is discarded as ever (a no-op after the copies, and no
// leftover when the forward failed before copying).
func TestHangupAfterAForwardDiscardsItsIntroduction(t *testing.T) {
	c, _ := forwardUnderWay(t, true)
	if r := render(c.step(Event{Kind: EvHangup})); !strings.Contains(r, "discard(i1)") {
		t.Errorf("hang-up: %s, want the introduction discarded", r)
	}
}
