package menus_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
)

// Benchmarks of the menu engine: what one call costs the app in pure
// computation, without ARI or Redis. Each walks the engine the way the app
// does (one Step per event) and checks where it ended, so a change of the
// tree that breaks the walk fails the benchmark instead of timing nothing.
// Figures: BENCHMARKS.md.

var benchNow = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

func benchEngine(b *testing.B) *menus.Engine {
	b.Helper()
	e, err := menus.New(menus.Config{Location: time.UTC}) // benchNow is UTC
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// benchMsgs returns n messages as the app loads them from Redis.
func benchMsgs(n int) []menus.MsgInfo {
	out := make([]menus.MsgInfo, n)
	for i := range out {
		out[i] = menus.MsgInfo{
			ID:         "m1764170712" + strconv.Itoa(100+i) + "-9f86d081",
			Recording:  "voicemail/default/1001/msg/m1764170712" + strconv.Itoa(100+i) + "-9f86d081",
			CallerNum:  "2001",
			CallerName: "Carol",
			Received:   benchNow.Add(-time.Duration(n-i) * time.Hour).UnixMilli(),
			Duration:   7,
		}
	}
	return out
}

// benchWalk applies events to one call's state and counts the steps.
type benchWalk struct {
	b     *testing.B
	e     *menus.Engine
	s     menus.State
	steps int
}

func (w *benchWalk) step(ev menus.Event) []menus.Cmd {
	var cmds []menus.Cmd
	w.s, cmds = w.e.Step(w.s, ev)
	w.steps++
	return cmds
}

// promptDone ends the playback that is playing.
func (w *benchWalk) promptDone() {
	if w.s.Playback == "" {
		w.b.Fatalf("no playback to end in menu %s phase %s", w.s.Menu, w.s.Phase)
	}
	w.step(menus.PromptDone(w.s.Playback))
}

// login walks *97 for 1001: Start, the end of vm-password, 1234#, the
// password check's answer and the folder's messages.
func (w *benchWalk) login(msgs []menus.MsgInfo) {
	w.step(menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: mailbox.MustParseID("1001"), Lang: "en"}})
	w.promptDone()
	for _, d := range []byte("1234#") {
		w.step(menus.Digit(d))
	}
	w.step(menus.Event{Kind: menus.EvLogin, Login: &menus.LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"),
		Lang: "en", Counts: menus.Counts{New: len(msgs)}}})
	w.step(menus.Event{Kind: menus.EvFolder, Folder: &menus.Box{Folder: 0, Msgs: msgs, Now: benchNow.UnixMilli()}})
	if !w.s.Authenticated || w.s.Menu != menus.MenuMain {
		w.b.Fatalf("login walk ended in menu %s (authenticated %v)", w.s.Menu, w.s.Authenticated)
	}
}

// BenchmarkStepLogin is one whole *97 login: 9 Steps from StasisStart to the
// main menu's intro ("you have 3 new messages…").
func BenchmarkStepLogin(b *testing.B) {
	e := benchEngine(b)
	msgs := benchMsgs(3)
	steps := 0
	b.ReportAllocs()
	for b.Loop() {
		w := benchWalk{b: b, e: e, s: menus.State{Channel: "1764170712.42"}}
		w.login(msgs)
		steps += w.steps
	}
	reportPerStep(b, steps)
}

// BenchmarkStepMainMenuKey is one Step: a key pressed at the main menu
// while its prompt plays (the prompt is stopped and the key acts): * help,
// 1 the first message (its envelope is built), 2 the folder menu, # goodbye
// (the folder is closed).
func BenchmarkStepMainMenuKey(b *testing.B) {
	e := benchEngine(b)
	w := benchWalk{b: b, e: e, s: menus.State{Channel: "1764170712.42"}}
	w.login(benchMsgs(3))
	atMain := w.s
	for _, key := range []byte("*12#") {
		b.Run("key="+string(key), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// Step takes the state by value, but Box is a pointer that
				// key 1 moves (Cur): give each iteration its own copy.
				s := atMain
				box := *atMain.Box
				s.Box = &box
				next, cmds := e.Step(s, menus.Digit(key))
				if len(cmds) == 0 || next.Menu == "" {
					b.Fatalf("key %c at the main menu did nothing", key)
				}
			}
		})
	}
}

// BenchmarkStepBrowse is a full browse of a folder of n messages: the
// folder is loaded, 1 plays the first message, each envelope and message
// plays to its end, 6 goes to the next, and # leaves (the heard messages
// are closed into Old). Steps per browse: 3n+2.
func BenchmarkStepBrowse(b *testing.B) {
	e := benchEngine(b)
	for _, n := range []int{1, 10, 50} {
		b.Run("msgs="+strconv.Itoa(n), func(b *testing.B) {
			msgs := benchMsgs(n)
			w := benchWalk{b: b, e: e, s: menus.State{Channel: "1764170712.42"}}
			w.login(nil)
			// Logged in with an empty New folder, at the main menu; each
			// iteration loads n messages into it (the change of folder
			// path: EvFolder while busy) and browses them.
			base := w.s
			base.Phase = menus.PhaseBusy
			steps := 0
			b.ReportAllocs()
			for b.Loop() {
				w.s, w.steps = base, 0
				w.step(menus.Event{Kind: menus.EvFolder, Folder: &menus.Box{Folder: 0, Msgs: msgs, Now: benchNow.UnixMilli()}})
				w.step(menus.Digit('1'))
				for i := range n {
					w.promptDone() // envelope
					w.promptDone() // the message
					if i < n-1 {
						w.step(menus.Digit('6'))
					}
				}
				cmds := w.step(menus.Digit('#'))
				if w.s.Phase != menus.PhaseClosing || !closesFolder(cmds, n) {
					b.Fatalf("browse of %d ended in phase %s with %d commands", n, w.s.Phase, len(cmds))
				}
				steps += w.steps
			}
			reportPerStep(b, steps)
		})
	}
}

// BenchmarkStepDeposit is one message left: Start, the greeting ends, the
// recording's end, the save's answer and the end of vm-msgsaved (5 Steps).
func BenchmarkStepDeposit(b *testing.B) {
	e := benchEngine(b)
	dep := &menus.Deposit{Mailbox: mailbox.MustParseID("1001@default"), Number: "1001", MinSeconds: 2, MaxSeconds: 300, MaxSilence: 10,
		MessageID: "m1764170712042-9f86d081", Recording: "voicemail/default/1001/msg/m1764170712042-9f86d081",
		CallerNum: "2001", CallerName: "Carol"}
	steps := 0
	b.ReportAllocs()
	for b.Loop() {
		w := benchWalk{b: b, e: e, s: menus.State{Channel: "1764170712.42"}}
		w.step(menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Lang: "en", Deposit: dep}})
		w.promptDone()
		w.step(menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: dep.Recording, Duration: 10}})
		w.step(menus.Event{Kind: menus.EvSaved, Saved: &menus.Saved{OK: true}})
		w.promptDone()
		if w.s.Phase != menus.PhaseDone {
			b.Fatalf("deposit walk ended in phase %s", w.s.Phase)
		}
		steps += w.steps
	}
	reportPerStep(b, steps)
}

// BenchmarkStatePersist is what the app adds to every Step that emits
// commands: the state split for storage and encoded to JSON for the
// session record in Redis (call/call.go save). The browsed folder's listing
// is saved apart, once per load (B/listing); what is saved at every step
// keeps one byte per message (B/session).
func BenchmarkStatePersist(b *testing.B) {
	e := benchEngine(b)
	for _, n := range []int{0, 10, 100} {
		b.Run("msgs="+strconv.Itoa(n), func(b *testing.B) {
			w := benchWalk{b: b, e: e, s: menus.State{Channel: "1764170712.42"}}
			w.login(benchMsgs(n))
			var size int
			b.ReportAllocs()
			for b.Loop() {
				menu := w.s.Split(e.Tree())
				buf, err := json.Marshal(menu)
				if err != nil {
					b.Fatal(err)
				}
				size = len(buf)
			}
			b.ReportMetric(float64(size), "B/session")
			listing := w.s.FolderListing()
			lb, err := json.Marshal(listing)
			if err != nil {
				b.Fatal(err)
			}
			if listing == nil {
				lb = nil
			}
			b.ReportMetric(float64(len(lb)), "B/listing")
		})
	}
}

// closesFolder reports whether cmds close the folder with n heard messages.
func closesFolder(cmds []menus.Cmd, n int) bool {
	for _, c := range cmds {
		if c.Kind == menus.CmdCloseFolder {
			return len(c.Heard) == n
		}
	}
	return false
}

// reportPerStep adds ns/step and steps/op to a benchmark of walks.
func reportPerStep(b *testing.B, steps int) {
	if b.N == 0 || steps == 0 {
		return
	}
	b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
}
