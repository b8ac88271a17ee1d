package menus

import "testing"

var finishEv = Event{Kind: EvFinish}

// Finishing a deposit from its session (the channel is gone, the instance
// that saved the session died): a message is saved once, whatever the
// session shows of it: being recorded (measured, -1), reviewed, or being
// saved (saved again: the dead instance's save may not have happened).
// One already stored, discarded or never recorded is not saved.
func TestFinishSavesAMessageUnderWay(t *testing.T) {
	for _, tt := range []struct {
		name   string
		review bool
		// to takes the call, recording, to the state its session holds.
		to   func(c *call)
		want string
	}{
		{"recording", false, func(c *call) {}, "save(m1,-1)"},
		{"hung up while recording", false, func(c *call) { c.step(Event{Kind: EvHangupRequest}) }, "save(m1,-1)"},
		{"saving after the recording ended", false, func(c *call) { c.step(recorded(6)) }, "save(m1,6)"},
		{"saving after a hang-up while recording", false, func(c *call) {
			c.step(Event{Kind: EvHangupRequest})
			c.step(recorded(6))
		}, "save(m1,6)"},
		{"in review", true, func(c *call) { c.step(recorded(6)) }, "save(m1,6)"},
		{"saving after a hang-up in review", true, func(c *call) {
			c.step(recorded(6))
			c.step(Event{Kind: EvHangupRequest})
		}, "save(m1,6)"},
		{"saving after 1 in review", true, func(c *call) {
			c.step(recorded(6))
			c.digits("1")
		}, "save(m1,6)"},
		{"saving for the operator", true, func(c *call) {
			c.step(recorded(6))
			c.digits("0")
		}, "save(m1,6)"},
		{"saved", false, func(c *call) {
			c.step(recorded(6))
			c.step(savedOK)
		}, ""},
		{"too short", false, func(c *call) { c.step(recorded(1)) }, ""},
		{"in the greeting", false, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := depositCall(t, Deposit{Review: tt.review, Operator: true})
			if tt.to != nil {
				c.finishPrompt() // the greeting ends; recording starts
				tt.to(c)
			}
			c.handOver()
			expect(t, "finish", c.step(finishEv), tt.want)
			if c.s.Phase != PhaseDone {
				t.Errorf("phase %s after finishing, want done", c.s.Phase)
			}
			expect(t, "the save's outcome", c.step(savedOK), "")
		})
	}
}

// A hang-up on the instance that issued a save does not save again: the
// app steps it only once the save is through.
func TestHangupWhileSavingDoesNotSaveAgain(t *testing.T) {
	c, _ := depositCall(t, Deposit{})
	c.finishPrompt()
	c.step(recorded(6))
	expect(t, "hangup", c.step(Event{Kind: EvHangup}), "")
}

// Finishing ends the rest of the call as a hang-up does: the browsed
// folder is closed with what the owner did in it.
func TestFinishClosesTheFolder(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: 1}, MsgInfo{ID: "m1", Recording: "r1", Duration: 5, Received: testNow.UnixMilli()})
	c.digits("1")
	c.finishPrompt()
	c.digits("7")
	c.handOver()
	expect(t, "finish", c.step(finishEv), "close(0,heard=,deleted=m1)")
}
