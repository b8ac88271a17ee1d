package menus

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

// The fuzz test drives the engine with events in any order, the way a
// hostile caller and an unlucky network can: keys of every kind, timers and
// prompt ends that arrive late or twice, hang-ups at any moment. The app's
// own answers (a password check, a folder, a save) come only for a request
// the engine made, as the app sends them, but with any outcome and at any
// time. After every step, harness.check asserts what the engine promises the
// app.

// Bounds the engine keeps whatever the caller does.
const (
	// maxCmdsPerStep bounds the commands of one Step: a hang-up saves a
	// message, closes a folder and discards two recordings at most; a key
	// stops a prompt, closes a folder and plays goodbye.
	maxCmdsPerStep = 6
	// maxStateJSON bounds the serialised state, which the app saves to
	// Redis after every step (the loaded folder counts apart).
	maxStateJSON = 2048
)

// fuzzMaxSteps bounds one fuzz input's walk, to keep each run fast.
const fuzzMaxSteps = 500

// request is one command of the engine the app answers with an event.
type request struct {
	kind CmdKind
	// name is the recording a CmdRecord or CmdRecordGreeting makes, or
	// the name a CmdNameTake gets.
	name string
	// folder is the folder of a CmdLoadFolder.
	folder mailbox.Folder
}

// harness drives one call through the engine as the app does, keeping
// track of what the engine asked for, and checks every step.
type harness struct {
	t *testing.T
	e *Engine
	s State
	// live holds the playbacks started and neither stopped nor ended.
	live map[string]bool
	// ids holds every playback id issued, in order.
	ids []string
	// timerGen is the generation of the last timer started, -1 for none.
	timerGen int
	// snap is s in JSON.
	snap []byte
	// waiting holds the requests not yet answered, oldest first.
	waiting []request
	// takes counts the recordings named for greetings and introductions.
	takes int
	steps int
	// trace logs every step (with -v), to read how an input got where it
	// failed.
	trace bool
}

// takeOver is what happens when the instance serving the call dies and
// another resumes it, as app/takeover.go does: the new owner loads the
// state the old one last saved (Persistable, through JSON), the prompt
// that was playing is stopped and its end never seen, and the requests
// the old owner had in flight die with it; then the engine gets EvResume.
// A recording goes on in Asterisk, and the engine asks for it to be
// measured.
func (h *harness) takeOver() {
	h.restore()
	h.step(Event{Kind: EvResume})
}

// restore is what a new owner of the call starts from: the state the old
// one last saved, with what the old one had playing or in flight gone.
func (h *harness) restore() {
	b, err := json.Marshal(h.s.Persistable(h.e.Tree()))
	if err != nil {
		h.t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		h.t.Fatalf("the saved state does not load: %v", err)
	}
	s.Channel = h.s.Channel
	h.s, h.snap = s, nil
	clear(h.live)
	h.waiting = nil
}

// finishOffline is a takeover of a call whose channel is gone, as
// app/takeover.go finishOffline does: the new owner ends the call from the
// saved state (EvFinish). A message the old owner was saving is saved
// again, once: whether the old owner stored it is unknown.
func (h *harness) finishOffline() {
	h.restore()
	s := h.s
	saves := 0
	for _, c := range h.step(Event{Kind: EvFinish}) {
		if c.Kind == CmdSaveMessage {
			saves++
		}
	}
	d := s.Deposit
	switch {
	case saves > 1:
		h.t.Fatalf("finishing from %s/%s saves %d messages", s.Menu, s.Phase, saves)
	case saves == 0 && d != nil && s.Phase == PhaseBusy && d.Recorded && !d.Saved:
		h.t.Fatalf("finishing from %s/%s, the message being saved is not saved", s.Menu, s.Phase)
	}
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, e: newEngine(t), s: State{Channel: "ch"}, live: map[string]bool{}, timerGen: -1, trace: testing.Verbose()}
}

// step applies ev, checks the step and keeps track of the commands.
func (h *harness) step(ev Event) []Cmd {
	before, snap := h.s, h.snap
	if snap == nil {
		snap = mustJSON(h.t, before)
	}
	after, cmds := h.e.Step(before, ev)
	h.steps++
	if got := mustJSON(h.t, before); string(got) != string(snap) {
		h.t.Fatalf("step %d: Step(%s) changed its input state:\n%s\n%s", h.steps, ev.Kind, snap, got)
	}
	switch ev.Kind {
	case EvPromptDone:
		delete(h.live, ev.ID)
	case EvHangup, EvHangupRequest:
		// Asterisk ends the playbacks of a channel that hangs up.
		clear(h.live)
	}
	h.s, h.snap = after, mustJSON(h.t, after)
	if h.trace {
		h.t.Logf("%s %q %s → %s %s: %s", ev.Kind, string(ev.Digit), ev.ID, after.Menu, after.Phase, render(cmds))
	}
	h.check(before, snap, ev, cmds)
	return cmds
}

func mustJSON(t *testing.T, s State) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// check asserts the engine's guarantees about one step from before to h.s.
func (h *harness) check(before State, snap []byte, ev Event, cmds []Cmd) {
	s, b := h.s, h.snap
	fail := func(format string, args ...any) {
		h.t.Helper()
		h.t.Fatalf("step %d (%s %q, menu %s, phase %s → %s): "+format+"\ncommands: %s",
			append(append([]any{h.steps, ev.Kind, string(ev.Digit), before.Menu, before.Phase, s.Phase}, args...), render(cmds))...)
	}

	// A call that is over stays over, and silent.
	if before.Phase == PhaseDone {
		if len(cmds) != 0 {
			fail("commands after the call ended")
		}
		if string(b) != string(snap) {
			fail("state changed after the call ended")
		}
		return
	}
	if len(cmds) > maxCmdsPerStep {
		fail("%d commands in one step", len(cmds))
	}

	// The state survives a trip through JSON and stays small. (Decoding
	// is the dearest check: it runs after the app's answers, which bring
	// new data, and every few steps.)
	if h.steps%8 == 0 || s.Phase == PhaseDone || ev.Kind != EvDigit && ev.Kind != EvPromptDone && ev.Kind != EvTimeout {
		var back State
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
			fail("state does not round-trip JSON: %v", err)
		}
		if err := splitRoundTrip(h.e.Tree(), s); err != nil {
			fail("%v", err)
		}
	}
	boxJSON := 0
	if s.Box != nil && len(b) > maxStateJSON {
		bb, _ := json.Marshal(s.Box)
		boxJSON = len(bb)
	}
	if len(b)-boxJSON > maxStateJSON {
		fail("state of %d bytes: %s", len(b), b)
	}

	// Keys kept are bounded: an entry by its menu, type-ahead by maxPending.
	m, known := h.e.tree.menus[s.Menu]
	if s.Phase != PhaseIdle && !known && s.Menu != MenuRecord {
		fail("in unknown menu %q", s.Menu)
	}
	if len(s.Pending) > maxPending {
		fail("%d keys of type-ahead", len(s.Pending))
	}
	if known && m.Input == InputDigits && len(s.Input) >= m.MaxDigits || known && m.Input == InputKey && s.Input != "" {
		fail("input %q in menu %s (max %d digits)", s.Input, m.ID, m.MaxDigits)
	}
	if known && m.Secret {
		if p := s.Persistable(h.e.Tree()); p.Input != "" || p.Pending != "" || p.NewPIN != "" {
			fail("password digits persisted")
		}
	}

	// Ids and generations only grow, so stale events stay recognisable.
	if s.Seq < before.Seq || s.TimerGen < before.TimerGen {
		fail("seq %d→%d, timer generation %d→%d", before.Seq, s.Seq, before.TimerGen, s.TimerGen)
	}
	if s.Authenticated != before.Authenticated && (before.Authenticated || ev.Kind != EvLogin) {
		fail("authenticated %v→%v", before.Authenticated, s.Authenticated)
	}
	if before.Authenticated && s.Mailbox != before.Mailbox {
		fail("mailbox %q→%q after login", before.Mailbox, s.Mailbox)
	}
	if s.Failures > h.e.cfg.MaxLogins {
		fail("%d failed logins", s.Failures)
	}

	h.checkCmds(before, ev, cmds, fail)
	h.checkBox(before, ev, cmds, fail)

	if s.Phase == PhaseDone {
		if s.Playback != "" {
			fail("call over with playback %s", s.Playback)
		}
		return
	}
	if s.HungUp {
		return
	}
	// Exactly the playback the state names is live.
	if len(h.live) > 1 || s.Playback != "" && !h.live[s.Playback] || s.Playback == "" && len(h.live) != 0 {
		fail("live playbacks %v, state's %q", h.live, s.Playback)
	}
	// The call always waits for something that will come.
	switch s.Phase {
	case PhasePrompting, PhaseClosing:
		if s.Playback == "" {
			fail("waits for the end of no prompt")
		}
	case PhaseCollecting:
		if h.timerGen != s.TimerGen {
			fail("collects keys with no timer of generation %d (last %d)", s.TimerGen, h.timerGen)
		}
	case PhaseBusy, PhaseRecording:
		if len(h.waiting) == 0 {
			fail("waits for an answer to no request")
		}
	}
	// One request at a time: the app answers them in turn.
	if len(h.waiting) > 1 {
		fail("%d requests unanswered", len(h.waiting))
	}
}

// fuzzCallKey is the Start.Key of the fuzzed logins: a forward's copies
// are named from it, and the checks compare the names asked for again.
const fuzzCallKey = "m1764990000000-0badcafe"

// checkCmds checks the commands of one step and keeps track of requests,
// playbacks and timers.
func (h *harness) checkCmds(before State, ev Event, cmds []Cmd, fail func(string, ...any)) {
	s := h.s
	ends := 0
	for i, c := range cmds {
		// The app acts on the mailbox a command names without parsing it
		// again: it must be one.
		switch c.Kind {
		case CmdLoadFolder, CmdCloseFolder, CmdMove, CmdRecordGreeting, CmdSetGreeting, CmdClearGreeting,
			CmdSetPIN, CmdPrepareDeposit, CmdForward:
			if err := c.Mailbox.Validate(); err != nil {
				fail("%s: %v", c.Kind, err)
			}
		case CmdSaveMessage:
			if err := c.Deposit.Mailbox.Validate(); err != nil {
				fail("%s: %v", c.Kind, err)
			}
		}
		switch c.Kind {
		case CmdPlay:
			if len(h.live) != 0 {
				fail("play %s while %v still plays", c.ID, h.live)
			}
			if slices.Contains(h.ids, c.ID) {
				fail("playback id %s used twice", c.ID)
			}
			if len(c.Media) == 0 {
				fail("play of nothing")
			}
			h.live[c.ID] = true
			h.ids = append(h.ids, c.ID)
		case CmdStop, CmdControl:
			if !h.live[c.ID] && !s.HungUp {
				fail("%s of %q, which is not playing", c.Kind, c.ID)
			}
			if c.Kind == CmdStop {
				delete(h.live, c.ID)
			}
		case CmdTimer:
			if c.Gen <= h.timerGen || c.After <= 0 {
				fail("timer %d after %d, of %s", c.Gen, h.timerGen, c.After)
			}
			h.timerGen = c.Gen
		case CmdHangup, CmdContinue:
			ends++
			if i != len(cmds)-1 {
				fail("%s is not the last command", c.Kind)
			}
		case CmdAuthenticate:
			if len(c.PIN) > 21 || c.Entry == "" {
				fail("authenticate %q with a PIN of %d keys", c.Entry, len(c.PIN))
			}
			h.waiting = append(h.waiting, request{kind: c.Kind})
		case CmdRecord:
			h.waiting = append(h.waiting, request{kind: c.Kind, name: c.Name})
		case CmdNameTake:
			if c.Greeting != GreetIntro && c.Greeting.Validate() != nil {
				fail("name a take of greeting %q", c.Greeting)
			}
			h.takes++
			h.waiting = append(h.waiting, request{kind: c.Kind, name: "voicemail/default/1001/greeting/" + c.Greeting.String() + "-t" + strconv.Itoa(h.takes)})
		case CmdRecordGreeting:
			if c.Greeting != GreetIntro && c.Greeting.Validate() != nil {
				fail("record greeting %q", c.Greeting)
			}
			// The state saved before the recording starts names the take,
			// so that whoever resumes or ends the call can discard it.
			if c.Name == "" || !(s.Take != nil && s.Take.Recording == c.Name || s.Forward != nil && s.Forward.Intro == c.Name) {
				fail("records take %q, which the state does not name (take %+v, forward %+v)", c.Name, s.Take, s.Forward)
			}
			h.waiting = append(h.waiting, request{kind: c.Kind, name: c.Name})
		case CmdLoadFolder:
			if c.Folder.Validate() != nil {
				fail("load folder %d", c.Folder)
			}
			h.waiting = append(h.waiting, request{kind: c.Kind, folder: c.Folder})
		case CmdMove:
			if c.Folder.Validate() != nil {
				fail("move to folder %d", c.Folder)
			}
			h.waiting = append(h.waiting, request{kind: c.Kind})
		case CmdMeasure:
			h.waiting = append(h.waiting, request{kind: c.Kind, name: c.Name})
		case CmdSetGreeting, CmdClearGreeting:
			if err := c.Greeting.Validate(); err != nil {
				fail("%s: %v", c.Kind, err)
			}
			h.waiting = append(h.waiting, request{kind: c.Kind})
		case CmdSaveMessage, CmdSetPIN, CmdForward, CmdPrepareDeposit:
			h.waiting = append(h.waiting, request{kind: c.Kind})
		case CmdDirectory:
			if c.Name == "" {
				fail("directory of no context")
			}
			h.waiting = append(h.waiting, request{kind: c.Kind})
		}
	}
	// The call ends once, with one word to Asterisk, unless the caller is
	// already gone.
	if ends > 0 && s.Phase != PhaseDone {
		fail("hang-up or continue without ending the call")
	}
	if s.Phase == PhaseDone && ends == 0 && !s.HungUp {
		fail("call over without a hang-up or continue")
	}
	if ev.Kind == EvHangup || ev.Kind == EvFinish {
		for _, c := range cmds {
			switch c.Kind {
			case CmdPlay, CmdStop, CmdControl, CmdTimer, CmdRecord, CmdNameTake, CmdRecordGreeting, CmdHangup, CmdContinue:
				fail("%s after the channel left", c.Kind)
			}
		}
	}
	// A forward whose outcome went with the old owner is asked for again,
	// under the same key, so that no copy is made twice; a finish leaves
	// its introduction to it.
	if f := before.Forward; (ev.Kind == EvResume || ev.Kind == EvFinish) &&
		f != nil && f.Sending && f.Key != "" && before.Phase == PhaseBusy && before.Authenticated {
		if !slices.ContainsFunc(cmds, func(c Cmd) bool {
			return c.Kind == CmdForward && c.Key == f.Key && c.MsgID == f.MsgID && slices.Equal(c.To, f.To) && c.Name == f.Intro
		}) {
			fail("the forward %+v under way was not asked for again", *f)
		}
		for _, c := range cmds {
			if ev.Kind == EvFinish && c.Kind == CmdDiscard && c.Name == f.Intro {
				fail("discarded the introduction %s of a forward sent again", c.Name)
			}
		}
	}
}

// checkBox checks that browsing never loses nor invents a message: the
// counts change only with a login, the messages of the folder only with a
// new folder, and what the caller did (heard, deleted) reaches the app in a
// close before the folder goes.
func (h *harness) checkBox(before State, ev Event, cmds []Cmd, fail func(string, ...any)) {
	s := h.s
	if s.Counts != before.Counts && ev.Kind != EvLogin {
		fail("counts %+v→%+v", before.Counts, s.Counts)
	}
	var closes, moves []Cmd
	for _, c := range cmds {
		switch c.Kind {
		case CmdCloseFolder:
			closes = append(closes, c)
		case CmdMove:
			moves = append(moves, c)
		}
	}
	if ev.Kind == EvResume || ev.Kind == EvFinish {
		// A close the old owner asked for may not have been done: the
		// successor asks for it again, first, as it was.
		if p := before.Closing; p != nil {
			if len(closes) == 0 || closes[0].Folder != p.Folder ||
				!slices.Equal(closes[0].Heard, p.Heard) || !slices.Equal(closes[0].Deleted, p.Deleted) {
				fail("the close %+v the state kept was not asked for again", *p)
			} else {
				closes = closes[1:]
			}
		}
	}
	b, a := before.Box, s.Box
	if b == nil {
		if len(closes) != 0 {
			fail("close with no folder open")
		}
		if a != nil && ev.Kind != EvFolder {
			fail("a folder appeared")
		}
		return
	}
	// A message is heard once its audio starts (app_voicemail's
	// play_message), and the message playing when it ends or a key other
	// than its controls stops it.
	justHeard := before.Playing == PlayMessage &&
		(ev.Kind == EvPromptDone && ev.ID == before.Playback ||
			ev.Kind == EvDigit && isKey(ev.Digit) && !strings.ContainsRune("*#02", rune(ev.Digit)))
	same := a != nil && a.Folder == b.Folder && a.Now == b.Now && ev.Kind != EvFolder
	if !same {
		// The folder was closed: what the caller did goes in one close.
		var heard, deleted []string
		for i, m := range b.Msgs {
			switch {
			case m.Moved:
			case m.Deleted:
				deleted = append(deleted, m.ID)
			case (m.Heard || justHeard && i == b.Cur) && b.Folder.Unheard():
				heard = append(heard, m.ID)
			}
		}
		if len(heard)+len(deleted) == 0 {
			if len(closes) != 0 {
				fail("close of a folder with nothing to do")
			}
			return
		}
		if len(closes) != 1 || closes[0].Folder != b.Folder ||
			!slices.Equal(closes[0].Heard, heard) || !slices.Equal(closes[0].Deleted, deleted) {
			fail("folder %d left with heard %v and deleted %v", b.Folder, heard, deleted)
		}
		return
	}
	if len(closes) != 0 {
		fail("close while the folder stays open")
	}
	// The keys taken in this step: the one pressed and those typed ahead.
	typed := before.Pending
	if ev.Kind == EvDigit {
		typed += string(ev.Digit)
	}
	if len(a.Msgs) != len(b.Msgs) {
		fail("%d messages became %d", len(b.Msgs), len(a.Msgs))
	}
	if a.Cur < -1 || a.Cur >= len(a.Msgs) {
		fail("current message %d of %d", a.Cur, len(a.Msgs))
	}
	for i := range b.Msgs {
		bm, am := b.Msgs[i], a.Msgs[i]
		if am.ID != bm.ID || am.Recording != bm.Recording {
			fail("message %d changed from %s to %s", i, bm.ID, am.ID)
		}
		if bm.Heard && !am.Heard {
			fail("message %s unheard", bm.ID)
		}
		if !bm.Heard && am.Heard && (!justHeard || b.Cur != i) && !playsAudio(cmds, bm.Recording) {
			fail("message %s heard without being played", bm.ID)
		}
		// '7' toggles the current message; before any was played, the
		// first (app_voicemail's vms.curmsg starts at 0).
		if bm.Deleted != am.Deleted && (!strings.Contains(typed, "7") || b.Cur != i && (b.Cur != -1 || i != 0)) {
			fail("message %s deleted %v→%v", bm.ID, bm.Deleted, am.Deleted)
		}
		moved := slices.ContainsFunc(moves, func(c Cmd) bool { return c.MsgID == bm.ID })
		switch {
		case !bm.Moved && am.Moved && !moved:
			fail("message %s marked moved without a move", bm.ID)
		case bm.Moved && !am.Moved && (ev.Kind != EvMoved || ev.Saved.OK):
			fail("message %s unmarked moved", bm.ID)
		case moved && (!am.Moved || b.Cur != i):
			fail("move of message %s", bm.ID)
		}
	}
	if len(moves) > 1 {
		fail("%d moves in one step", len(moves))
	}
}

// answer returns the app's answer to the oldest request not yet answered,
// with the outcome v, and false when there is none.
func (h *harness) answer(v int) (Event, bool) {
	if len(h.waiting) == 0 {
		return Event{}, false
	}
	r := h.waiting[0]
	h.waiting = h.waiting[1:]
	switch r.kind {
	case CmdAuthenticate:
		counts := Counts{New: v % 4, Old: v % 3, Urgent: v % 5 / 3}
		switch v % 10 {
		case 0, 1:
			return Event{Kind: EvLogin, Login: &LoginResult{}}, true
		case 2:
			return Event{Kind: EvLogin, Login: &LoginResult{Unavailable: true}}, true
		case 3:
			return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts, NeedsSetup: true}}, true
		case 4:
			return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts, Lang: "fr",
				Greetings: map[mailbox.Greeting]bool{mailbox.GreetingTemp: true, mailbox.GreetingName: true}}}, true
		case 7:
			// forcename and forcegreet with nothing recorded: the
			// recordings first, then the mailbox.
			return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts,
				Options: &BoxOptions{ForceName: true, ForceGreet: true, SayDuration: true, Timezone: "Europe/Paris"}}}, true
		case 8:
			// The first-login walk-through with a name already recorded
			// and forcegreet; no envelope.
			return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts,
				NeedsSetup: true, Options: &BoxOptions{ForceName: true, ForceGreet: true, SayCID: true},
				Greetings: map[mailbox.Greeting]bool{mailbox.GreetingName: true}}}, true
		}
		return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts}}, true
	case CmdLoadFolder:
		if v%10 == 9 {
			return Event{Kind: EvFolder, Folder: &Box{Folder: r.folder, Failed: true}}, true
		}
		return Event{Kind: EvFolder, Folder: &Box{Folder: r.folder, Msgs: fuzzMsgs(r.folder, v%5), Now: testNow.UnixMilli()}}, true
	case CmdSaveMessage:
		return Event{Kind: EvSaved, Saved: outcome(v)}, true
	case CmdMove:
		return Event{Kind: EvMoved, Saved: outcome(v)}, true
	case CmdSetGreeting, CmdClearGreeting, CmdSetPIN, CmdForward:
		return Event{Kind: EvDone, Saved: &Saved{OK: v%4 != 3}}, true
	case CmdPrepareDeposit:
		switch v % 4 {
		case 0:
			return Event{Kind: EvMailbox}, true
		case 1:
			return Event{Kind: EvMailbox, Target: &Deposit{Mailbox: mailbox.MustParseID("1002@default"), Number: "1002", Full: true}}, true
		}
		d := fuzzDeposit()
		d.Mailbox, d.Number, d.Review, d.Operator = mailbox.MustParseID("1002@default"), "1002", v%4 == 3, true
		return Event{Kind: EvMailbox, Target: &d}, true
	case CmdDirectory:
		// Nobody, storage down, or a few names that many spellings match.
		switch v % 4 {
		case 0:
			return Event{Kind: EvDirectory, Directory: &DirectoryResult{}}, true
		case 1:
			return Event{Kind: EvDirectory, Directory: &DirectoryResult{Failed: true}}, true
		}
		return Event{Kind: EvDirectory, Directory: &DirectoryResult{Entries: fuzzDirectory}}, true
	case CmdNameTake:
		if v%10 == 7 {
			// The app could not name it: the take fails.
			return Event{Kind: EvRecorded, Recorded: &Recorded{Failed: true}}, true
		}
		return Event{Kind: EvTakeNamed, Name: r.name}, true
	case CmdMeasure:
		// The recording the old owner started, measured: any length.
		return Event{Kind: EvRecorded, Recorded: &Recorded{Name: r.name, Duration: v % 6}}, true
	case CmdRecord, CmdRecordGreeting:
		rec := &Recorded{Name: r.name, Duration: v % 6}
		switch v / 10 % 4 {
		case 1:
			rec.Failed, rec.Duration = true, 0
		case 2:
			if r.kind == CmdRecord {
				// The end of an earlier recording: this one still runs.
				rec.Name = "voicemail/default/1001/msg/stale"
				h.waiting = append([]request{r}, h.waiting...)
			}
		}
		return Event{Kind: EvRecorded, Recorded: rec}, true
	}
	h.t.Fatalf("no answer to %s", r.kind)
	return Event{}, false
}

// outcome is the result of a save or a move: stored, failed or full.
func outcome(v int) *Saved {
	switch v % 4 {
	case 2:
		return &Saved{}
	case 3:
		return &Saved{Full: true}
	}
	return &Saved{OK: true}
}

// fuzzMsgs returns n messages of folder f with ids unique to the folder.
func fuzzMsgs(f mailbox.Folder, n int) []MsgInfo {
	msgs := sampleMsgs(n)
	for i := range msgs {
		id := "f" + strconv.Itoa(int(f)) + "m" + strconv.Itoa(i+1)
		msgs[i].ID, msgs[i].Recording = id, "voicemail/default/1001/msg/"+id
		if i == 1 {
			msgs[i].CallerNum, msgs[i].Duration = "", 150
		}
		if i == 2 {
			msgs[i].Intro = "voicemail/default/1001/msg/" + id + "-i"
		}
	}
	return msgs
}

// fuzzDeposit is a message to leave in 1001.
func fuzzDeposit() Deposit {
	return Deposit{Mailbox: mailbox.MustParseID("1001@default"), Number: "1001", MinSeconds: 2, MaxSeconds: 300, MaxSilence: 10,
		MessageID: "mnew", Recording: "voicemail/default/1001/msg/mnew"}
}

// fuzzDirectory are the names the directory offers: every spelling of
// 2, 3, 4 or 7 first matches some.
var fuzzDirectory = []DirEntry{
	{Number: "1001", Name: "Adam Dee", Recording: "voicemail/default/1001/greeting/greet-1"},
	{Number: "1002", Name: "Bea Gill"},
	{Number: "1003", Name: "Cy Ada"},
	{Number: "1004", Name: "Éve Smith"},
	{Number: "1005", Name: "Pat"},
}

// The calls a fuzz input starts from, picked by its first byte.
var fuzzStarts = []func(h *harness, lang string){
	// Logged out, asked for the mailbox.
	func(h *harness, lang string) {
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Lang: lang, Key: fuzzCallKey}})
	},
	// Logged out, asked for the password of the mailbox the dialplan named.
	func(h *harness, lang string) {
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Mailbox: mailbox.MustParseID("1001"), Lang: lang, Key: fuzzCallKey}})
	},
	// Logged in at the main menu, in New with three messages, two old.
	func(h *harness, lang string) { h.login(lang, Counts{New: 3, Old: 2}, 5) },
	// Logged in at the main menu, in Old with two messages.
	func(h *harness, lang string) { h.login(lang, Counts{Old: 2}, 5) },
	// Logged in on the default password: the first-login walk-through.
	func(h *harness, lang string) { h.login(lang, Counts{New: 1}, 3) },
	// Leaving a message, with review and an operator.
	func(h *harness, lang string) {
		d := fuzzDeposit()
		d.Review, d.Operator = true, true
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDeposit, Lang: lang, Deposit: &d}})
	},
	// Leaving a message after the owner's busy greeting.
	func(h *harness, lang string) {
		d := fuzzDeposit()
		d.Busy, d.Greeting = true, "voicemail/default/1001/greeting/busy-1"
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDeposit, Lang: lang, Deposit: &d}})
	},
	// Leaving a message in a full mailbox.
	func(h *harness, lang string) {
		d := fuzzDeposit()
		d.Full = true
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDeposit, Lang: lang, Deposit: &d}})
	},
	// Logged in at the main menu, in Urgent with messages, new ones after.
	func(h *harness, lang string) { h.login(lang, Counts{Urgent: 2, New: 2, Old: 1}, 5) },
	// Leaving an urgent message, with review.
	func(h *harness, lang string) {
		d := fuzzDeposit()
		d.Review, d.Urgent = true, true
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDeposit, Lang: lang, Deposit: &d}})
	},
	// Logged out, asked for the mailbox, an empty entry being the
	// caller's own (*97 from a phone whose number has no mailbox).
	func(h *harness, lang string) {
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Own: mailbox.MustParseID("4242@sales"), Lang: lang}})
	},
}

// fuzzDirStarts are the directory's starts, picked by a first byte of 8 to
// 15 (which fuzzStarts took before them, so that the saved corpus keeps
// its meaning).
var fuzzDirStarts = []func(h *harness, lang string){
	// By last name.
	func(h *harness, lang string) {
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDirectory, Lang: lang, Directory: &Directory{Context: "default"}}})
	},
	// By either name, with the extensions.
	func(h *harness, lang string) {
		h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDirectory, Lang: lang,
			Directory: &Directory{Context: "sales", By: DirByEither, SayExten: true}}})
	},
}

// login logs in to 1001 with outcome v of the password check (see answer)
// and counts c, and answers the loading of the starting folder.
func (h *harness) login(lang string, c Counts, v int) {
	h.t.Helper()
	h.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Mailbox: mailbox.MustParseID("1001"), Lang: lang, Key: fuzzCallKey}})
	for _, d := range []byte("1234#") {
		h.step(Digit(d))
	}
	ev, _ := h.answer(v)
	ev.Login.Counts = c
	h.step(ev)
	if ev.Login.NeedsSetup {
		return
	}
	ev, ok := h.answer(0)
	if !ok || ev.Kind != EvFolder {
		h.t.Fatalf("login: no folder loaded")
	}
	n := c.New
	if n == 0 {
		n = c.Old
	}
	ev.Folder.Msgs = fuzzMsgs(ev.Folder.Folder, n)
	h.step(ev)
	if h.s.Menu != MenuMain || !h.s.Authenticated {
		h.t.Fatalf("login: in %s", h.s.Menu)
	}
}

// ops are what a byte of fuzz input does, for the bytes that name none
// (see run): mostly keys, then prompt ends, timers and answers.
const ops = "0123456789*#0123456789*#pppptttaaaaosbkhrSR"

// run decodes data into events and applies them. A byte is a key (0-9 * #)
// or an event:
//
//	p   the prompt playing ends        o x  an earlier prompt ends, late
//	t   the running timer fires        s x  an earlier timer fires, late
//	a x the app answers, with outcome x (see answer)
//	b x a playback never started ends  k x  ARI relays x as a key
//	h   the channel leaves the app     r    the caller hangs up
//	S x a second start                 R    another instance takes over
//	F   another instance takes over a call whose channel is gone
//
// x is the next byte, read as a number (an ASCII digit as its value). Any
// other byte stands for ops[byte % len(ops)].
func (h *harness) run(data []byte) {
	param := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		if b >= '0' && b <= '9' {
			return int(b - '0')
		}
		return int(b)
	}
	after := 0 // steps after the call ended: a few show it stays silent
	for len(data) > 0 && h.steps < fuzzMaxSteps && after < 8 {
		if h.s.Phase == PhaseDone {
			after++
		}
		op := data[0]
		data = data[1:]
		if !strings.ContainsRune("0123456789*#potsabkhrSRF", rune(op)) {
			op = ops[int(op)%len(ops)]
		}
		switch op {
		case 'p':
			h.step(PromptDone(h.s.Playback))
		case 'o':
			if v := param(); len(h.ids) > 0 {
				h.step(PromptDone(h.ids[v%len(h.ids)]))
			}
		case 'b':
			v := param()
			h.step(PromptDone([]string{"", "other:1", h.s.Channel + ":" + strconv.Itoa(h.s.Seq+1+v)}[v%3]))
		case 't':
			h.step(Timeout(h.s.TimerGen))
		case 's':
			h.step(Timeout(h.s.TimerGen - 1 - param()%3))
		case 'a':
			if ev, ok := h.answer(param()); ok {
				h.step(ev)
			}
		case 'h':
			h.step(Event{Kind: EvHangup})
		case 'r':
			h.step(Event{Kind: EvHangupRequest})
		case 'k':
			h.step(Digit(byte(param())))
		case 'S':
			h.step(Event{Kind: EvStart, Start: &Start{Mode: []Mode{ModeMain, ModeDeposit, ModeDirectory}[param()%3], Mailbox: mailbox.MustParseID("1002")}})
		case 'R':
			h.takeOver()
		case 'F':
			h.finishOffline()
		default:
			h.step(Digit(op))
		}
	}
}

// FuzzEngine walks calls with random events from several starting points
// and checks the engine's guarantees after every step: Step never panics
// nor changes its input; at most one playback is live and it is the one
// the state names; timers and playback ids are never reused; the keys kept
// are bounded; browsing never loses nor invents a message; a call that
// ended stays silent. The corpus in testdata/fuzz/FuzzEngine covers login,
// browsing, greetings, deposits and the directory.
func FuzzEngine(f *testing.F) {
	f.Add([]byte("\x001001#p1234#a5p"))
	f.Add([]byte("\x02p1p6p7pp9p2a0p#"))
	f.Add([]byte("\x05pa4p2p1a0p"))
	// Taken over at the main menu, in a message, while recording.
	f.Add([]byte("\x02pRp#"))
	f.Add([]byte("\x02p1pRp5p"))
	f.Add([]byte("\x05p#Ra3"))
	// Finished offline while saving a message, and while browsing.
	f.Add([]byte("\x06pa5F"))
	f.Add([]byte("\x02p1p7F"))
	// Forwarding: read back and cancelled; refused (own, unknown, full),
	// then taken over during a read-back; with an introduction.
	f.Add([]byte("\x02p1ppp8p1002*1003#a2pa2pp*p"))
	f.Add([]byte("\x02p1ppp8p1001#p7777#a0p1002#a1p1002#a2R"))
	f.Add([]byte("\x02p1ppp8p1002#a2p1pa2a2"))
	// A full mailbox: '*' during its greeting; its greeting to the end.
	f.Add([]byte("\x07*1234#a0p"))
	f.Add([]byte("\x07pp"))
	// The caller's own mailbox by an empty entry, and by silence.
	f.Add([]byte("\x08#p1234#a5p"))
	f.Add([]byte("\x08ptp1234#a0"))
	// The directory: a match connected, the next ones, none, taken over.
	f.Add([]byte("\x08p233a3p1"))
	f.Add([]byte("\x09p2p3p3a2*pttt*#"))
	f.Add([]byte("\x08p999a0p764a1p2R33a2pR*"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		h := newHarness(t)
		lang := "en"
		if data[0]&0x80 != 0 {
			lang = "fr"
		}
		if b := int(data[0] & 0x7f); b >= 8 && b < 16 {
			fuzzDirStarts[b%len(fuzzDirStarts)](h, lang)
		} else {
			fuzzStarts[b%len(fuzzStarts)](h, lang)
		}
		h.run(data[1:])
	})
}

// playsAudio reports whether cmds start playing recording.
func playsAudio(cmds []Cmd, recording string) bool {
	for _, c := range cmds {
		if c.Kind == CmdPlay && slices.Contains(c.Media, "recording:"+recording) {
			return true
		}
	}
	return false
}
