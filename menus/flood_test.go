package menus

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// floodKeys is how many keys a flood presses.
const floodKeys = 10000

// dtmfKeys are the keys of a phone's keypad.
const dtmfKeys = "0123456789*#"

// floods are the key sequences a hostile caller sends: one key held down,
// and a random mix of every key.
func floods() map[string]string {
	r := rand.New(rand.NewPCG(7, 11))
	var mixed strings.Builder
	for range floodKeys {
		mixed.WriteByte(dtmfKeys[r.IntN(len(dtmfKeys))])
	}
	return map[string]string{
		"1":     strings.Repeat("1", floodKeys),
		"#":     strings.Repeat("#", floodKeys),
		"*":     strings.Repeat("*", floodKeys),
		"0":     strings.Repeat("0", floodKeys),
		"mixed": mixed.String(),
	}
}

// TestDTMFFlood presses 10,000 keys at each prompt a caller can reach
// without a password, at the main menu and while recording, with an app
// that answers every request (a wrong password, an empty folder, a failed
// save) and with one that answers none. After every key the harness checks
// the engine's guarantees (see harness.check): the keys it keeps are
// bounded, so is the number of commands of a step and the size of the state
// saved to Redis; the call ends as it should.
func TestDTMFFlood(t *testing.T) {
	tests := []struct {
		name  string
		start int // index in fuzzStarts
		// answer is the outcome of every request, -1 for an app that
		// never answers.
		answer int
	}{
		{"mailbox prompt, app silent", 0, -1},
		{"mailbox prompt, wrong passwords", 0, 0},
		{"password prompt, app silent", 1, -1},
		{"password prompt, wrong passwords", 1, 0},
		{"password prompt, storage down", 1, 2},
		{"main menu, app silent", 2, -1},
		{"main menu, requests succeed", 2, 5},
		{"main menu, requests fail", 2, 7},
		{"first login, requests succeed", 4, 5},
		{"greeting, app silent", 5, -1},
		{"greeting, requests succeed", 5, 4},
	}
	for _, tt := range tests {
		for name, flood := range floods() {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				h := newHarness(t)
				h.trace = false
				fuzzStarts[tt.start](h, "en")
				for i := 0; i < len(flood); i++ {
					h.step(Digit(flood[i]))
					for tt.answer >= 0 && len(h.waiting) > 0 {
						ev, _ := h.answer(tt.answer)
						h.step(ev)
					}
				}
				s := h.s
				if len(s.Pending) > maxPending || len(s.Input) > 64 {
					t.Fatalf("after the flood: %d keys pending, input %q", len(s.Pending), s.Input)
				}
				switch {
				case s.Phase == PhaseIdle:
					t.Fatal("after the flood: idle")
				case tt.start <= 1 && tt.answer < 0 && s.Phase != PhaseClosing && (s.Phase != PhaseBusy || len(s.Pending) != maxPending):
					// Checking a password, the engine keeps maxPending keys
					// and drops the rest.
					t.Fatalf("silent app: phase %s in %s with %d keys pending", s.Phase, s.Menu, len(s.Pending))
				case tt.start <= 1 && tt.answer == 2 && (s.Phase == PhaseClosing || s.Menu != MenuLoginPassword || s.Failures != 0):
					// Checks that could not be made are no tries: the
					// caller is asked for the password again.
					t.Fatalf("storage down: phase %s in %s after %d failures, want the password asked again", s.Phase, s.Menu, s.Failures)
				case tt.start <= 1 && tt.answer >= 0 && tt.answer != 2 && s.Phase != PhaseClosing:
					t.Fatalf("wrong passwords: want goodbye, phase %s in %s after %d failures", s.Phase, s.Menu, s.Failures)
				}
			})
		}
	}
}

// TestDTMFFloodWhileRecording: keys pressed while a message or a greeting
// is recorded change nothing, but '#', which asks for the recording to stop
// (without changing the state: each '#' until the recording's end is seen
// asks again, and a stop after the end is ignored), and the first '0'
// while a message is recorded with the operator on, which stops the
// recording once.
func TestDTMFFloodWhileRecording(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start int
		walk  string // in FuzzEngine's encoding, up to the recording
		want  CmdKind
	}{
		{"message", 5, "p", CmdRecord},
		{"greeting", 2, "p0p1p", CmdRecordGreeting},
		{"name at first login", 4, "p", CmdRecordGreeting},
		{"forward introduction", 2, "p1pp8p1002#a2p1p", CmdRecordGreeting},
	} {
		for name, flood := range floods() {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				h := newHarness(t)
				h.trace = false
				fuzzStarts[tt.start](h, "en")
				h.run([]byte(tt.walk))
				if len(h.waiting) == 1 && h.waiting[0].kind == CmdNameTake {
					// The app names a take before it is recorded.
					ev, _ := h.answer(0)
					h.step(ev)
				}
				if h.s.Phase != PhaseRecording || len(h.waiting) != 1 || h.waiting[0].kind != tt.want {
					t.Fatalf("not recording: phase %s in %s, waiting %v", h.s.Phase, h.s.Menu, h.waiting)
				}
				before := h.snap
				stopped := false
				for i := 0; i < len(flood); i++ {
					live := h.s.Recording()
					cmds := h.step(Digit(flood[i]))
					if flood[i] == '#' {
						if len(cmds) != 1 || cmds[0].Kind != CmdStopRecording || cmds[0].Name != live || live == "" {
							t.Fatalf("key %d '#' while recording %q: %s, want one stop_recording of it", i, live, render(cmds))
						}
						continue
					}
					if len(cmds) == 1 && cmds[0].Kind == CmdStopRecording && flood[i] == '0' && !stopped &&
						h.s.Deposit != nil && h.s.Deposit.Operator && h.s.Take == nil {
						stopped, before = true, h.snap
						continue
					}
					if len(cmds) != 0 {
						t.Fatalf("key %d %q while recording: %s", i, flood[i], render(cmds))
					}
				}
				if string(h.snap) != string(before) {
					t.Fatalf("keys while recording changed the state:\n%s\n%s", before, h.snap)
				}
			})
		}
	}
}

// TestTypeAheadHoldsTheLongestEntry: the bound on type-ahead never cuts an
// entry typed ahead in full, with its '#'.
func TestTypeAheadHoldsTheLongestEntry(t *testing.T) {
	for _, m := range newEngine(t).Tree().Menus() {
		if m.Input == InputDigits && m.MaxDigits+1 > maxPending {
			t.Errorf("menu %s takes %d digits; type-ahead keeps %d keys", m.ID, m.MaxDigits, maxPending)
		}
	}
}
