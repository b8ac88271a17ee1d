package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// The ledger check of the chaos test (chaos_integration_test.go): what
// the callers were told against what Redis and Asterisk hold at the end.

// Kinds of findings; each is a defect of the app.
const (
	findLost         = "lost"            // a message owed to a caller is not there, and never was seen
	findWronglyGone  = "wrongly deleted" // a message owed and seen during the run is gone, not deleted by its owner
	findDuplicated   = "duplicated"      // a message is there more than once
	findNotDeleted   = "not deleted"     // the owner heard "deleted", the message is still there
	findWrongFolder  = "wrong folder"    // a message is not in the folder the owner's actions put it in
	findDuration     = "duration"        // a message's length is not what the caller spoke
	findAudioMissing = "audio missing"   // metadata points at audio Asterisk does not have
	findGreeting     = "greeting lost"   // the greeting the owner accepted last is not the one in use
	findOrphan       = "orphan audio"    // audio of this run that no metadata points at
	findCount        = "count"           // a folder's count differs from its set of messages
	findMWI          = "mwi"             // the last NOTIFY differs from the counts
	findStranded     = "stranded"        // a caller left in silence with the call up
	findUnexpected   = "unexpected"      // a message nobody of the ledger left
	findStale        = "stale owner"     // an instance changed something for a call another one had taken over
)

// chaosFindingOrder is the order findings are reported in.
var chaosFindingOrder = []string{findLost, findWronglyGone, findDuplicated, findNotDeleted, findWrongFolder,
	findDuration, findAudioMissing, findGreeting, findOrphan, findCount, findMWI, findStranded, findUnexpected, findStale}

// chaosFinding is one defect the ledger check found.
type chaosFinding struct {
	kind, what string
	// needles find the instance log lines about it (channel ids,
	// recording names).
	needles []string
}

// chaosLight is a mailbox phone's message-waiting light.
type chaosLight struct{ w *sipp.Watcher }

// chaosExpect is what the ledger expects of one message.
type chaosExpect struct {
	d *chaosDeposit
	// allowed are the folders it may be in; mustGo is set once its owner
	// heard it deleted, mayGo once the owner pressed delete unconfirmed.
	allowed       map[state.Folder]bool
	mustGo, mayGo bool
	// history is what owners did to it, for the report.
	history []string
}

// check compares the ledger with Redis and Asterisk, reports every finding
// with the instance log lines about it, and prints the figures.
func (r *chaosRun) check(ctx context.Context, storedBefore map[string]bool, lights map[string]*chaosLight) {
	t := r.t
	st := r.h.store()
	var findings []chaosFinding
	find := func(kind string, needles []string, format string, args ...any) {
		findings = append(findings, chaosFinding{kind: kind, what: fmt.Sprintf(format, args...), needles: needles})
	}

	// What Redis and Asterisk hold.
	type boxState struct {
		folders   map[state.Folder][]state.Message
		counts    state.Counts
		greetings map[state.GreetingKind]string
	}
	boxes := map[string]*boxState{}
	byRec := map[string][]state.Message{}
	byNum := map[string][]state.Message{}
	for _, b := range chaosBoxes {
		bs := &boxState{folders: map[state.Folder][]state.Message{}}
		for _, f := range state.AllFolders {
			msgs, err := st.Messages(ctx, box(b.number), f)
			must(t, err)
			bs.folders[f] = msgs
			for _, m := range msgs {
				byRec[m.Recording] = append(byRec[m.Recording], m)
				byNum[m.CallerNum] = append(byNum[m.CallerNum], m)
			}
		}
		var err error
		bs.counts, err = st.Counts(ctx, box(b.number))
		must(t, err)
		bs.greetings, err = st.Greetings(ctx, box(b.number))
		must(t, err)
		boxes[b.number] = bs
	}
	stored := r.h.storedNames(ctx)

	// What the ledger expects: every message where it was left (New),
	// then what its owners did to it, in order (owner calls of a mailbox
	// never overlap).
	expects := map[string]*chaosExpect{}
	for _, d := range r.deposits {
		if d.recording != "" {
			expects[d.recording] = &chaosExpect{d: d, allowed: map[state.Folder]bool{state.FolderNew: true}}
		}
	}
	owners := slices.Clone(r.owners)
	sort.SliceStable(owners, func(i, j int) bool { return owners[i].start.Before(owners[j].start) })
	for _, o := range owners {
		if o.message == "" {
			continue
		}
		e := expects[o.message]
		if e == nil {
			continue // a message of a deposit whose beep was not seen
		}
		// Owners play the first message of New (or Old): one an earlier
		// owner had moved elsewhere or deleted should not be there.
		needles := []string{o.message}
		if o.call != nil {
			needles = append(needles, o.call.B)
		}
		switch {
		case e.mustGo:
			find(findNotDeleted, append(needles, r.ownerNeedles(o.message)...),
				"call %d played %s from %s at %s, which the owner had heard deleted (%s)",
				o.n, o.message, o.from, r.rel(o.start), strings.Join(e.history, "; "))
		case !e.allowed[o.from]:
			find(findWrongFolder, append(needles, r.ownerNeedles(o.message)...),
				"call %d played %s from %s at %s, which owners had left in %s (%s)",
				o.n, o.message, o.from, r.rel(o.start), folderSet(e.allowed), strings.Join(e.history, "; "))
		}
		e.history = append(e.history, fmt.Sprintf("call %d %s from %s at %s: %s", o.n, o.kind, o.from, r.rel(o.start), o.outcome))
		// Played: once the owner leaves or hangs up, it is Old.
		switch {
		case o.kind == callListen && o.confirmed:
			e.allowed = map[state.Folder]bool{state.FolderOld: true}
		case o.kind == callDelete && o.confirmed:
			e.mustGo = true
		case o.kind == callDelete && o.acted:
			e.mayGo = true
			e.allowed[state.FolderOld] = true
		case o.kind == callFile && o.confirmed:
			e.allowed = map[state.Folder]bool{o.folder: true}
		case o.kind == callFile && o.acted:
			e.allowed[o.folder] = true
			e.allowed[state.FolderOld] = true
		default:
			e.allowed[state.FolderOld] = true
		}
	}

	// Every deposit against what is there.
	ours := map[string]bool{}
	for _, d := range r.deposits {
		ours[d.callerNum] = true
		needles := []string{}
		if d.call != nil {
			needles = append(needles, d.call.B)
		}
		if d.recording != "" {
			needles = append(needles, d.recording)
		}
		present := byNum[d.callerNum]
		if len(present) > 1 {
			find(findDuplicated, needles, "call %d (%s, %s): %d messages of caller %s: %s",
				d.n, d.kind, d.outcome, len(present), d.callerNum, describeMessages(present))
		}
		if d.recording == "" {
			continue // no beep heard: nothing owed
		}
		e := expects[d.recording]
		switch {
		case e.mustGo && len(present) > 0:
			find(findNotDeleted, append(needles, r.ownerNeedles(d.recording)...),
				"call %d's message %s: the owner heard it deleted, it is still in %s (%s)",
				d.n, d.recording, present[0].Folder, strings.Join(e.history, "; "))
		case e.mustGo || e.mayGo:
		case d.owed && len(present) == 0:
			kind := findLost
			r.mu.Lock()
			if r.seen[d.recording] {
				kind = findWronglyGone
			}
			r.mu.Unlock()
			find(kind, needles, "call %d (%s to %s, %s; beep at %s, talked %.1fs, ended %s): message %s not in Redis%s",
				d.n, d.kind, d.mailbox, d.outcome, r.rel(d.recStart), d.talkEnd.Sub(d.recStart).Seconds(),
				r.rel(d.talkEnd), d.recording, historyNote(e.history))
		}
		for _, m := range present {
			if !stored[m.Recording] {
				find(findAudioMissing, needles, "call %d's message %s (%s): its audio %s is not stored", d.n, m.ID, m.Folder, m.Recording)
			}
			if e.mustGo {
				continue
			}
			if m.Recording == d.recording && !e.allowed[m.Folder] {
				find(findWrongFolder, append(needles, r.ownerNeedles(d.recording)...), "call %d's message %s is in %s, want %v (%s)",
					d.n, m.ID, m.Folder, folderSet(e.allowed), strings.Join(e.history, "; "))
			}
			if least, most := d.spoken(); m.Recording == d.recording && most > 0 {
				if m.Duration < least-2500*time.Millisecond || m.Duration > most+1500*time.Millisecond {
					find(findDuration, needles, "call %d's message %s lasts %v, the caller spoke %.1fs to %.1fs while recorded (speech started %v after the beep, Asterisk answered in %v)",
						d.n, m.ID, m.Duration, least.Seconds(), most.Seconds(), d.speechSent.Sub(d.recStart).Round(time.Millisecond),
						d.speechFrom.Sub(d.speechSent).Round(time.Millisecond))
				}
			}
		}
	}
	for num, msgs := range byNum {
		if !ours[num] {
			find(findUnexpected, nil, "messages from %q that no caller of the run left: %s", num, describeMessages(msgs))
		}
	}

	// Greetings: the take the owner accepted last is in use (or a later
	// take whose acceptance the owner pressed without hearing the answer).
	for _, b := range chaosBoxes {
		allowed := map[string]bool{}
		var history []string
		for _, o := range owners {
			if o.kind != callGreeting || o.mailbox != b.number {
				continue
			}
			history = append(history, fmt.Sprintf("call %d at %s: %s %s", o.n, r.rel(o.start), o.greeting, o.outcome))
			switch {
			case o.confirmed:
				allowed = map[string]bool{o.greeting: true}
			case o.acted:
				allowed[o.greeting] = true
			}
		}
		current := boxes[b.number].greetings[state.GreetingUnavail]
		if len(allowed) > 0 && !allowed[current] {
			find(findGreeting, []string{current}, "%s's unavailable greeting is %q, want one of %v (%s)",
				b.number, current, mapKeys(allowed), strings.Join(history, "; "))
		}
		for kind, g := range boxes[b.number].greetings {
			if g != "" && !stored[g] {
				find(findAudioMissing, []string{g}, "%s's %s greeting %s is not stored", b.number, kind, g)
			}
		}
	}

	// Audio of this run that nothing points at.
	referenced := map[string]bool{}
	for _, b := range chaosBoxes {
		for _, msgs := range boxes[b.number].folders {
			for _, m := range msgs {
				referenced[m.Recording] = true
				if m.Intro != "" {
					referenced[m.Intro] = true
				}
			}
		}
		for _, g := range boxes[b.number].greetings {
			referenced[g] = true
		}
	}
	for name := range stored {
		if storedBefore[name] || referenced[name] || !chaosAudio(name) {
			continue
		}
		what := "no message or greeting points at it"
		for _, d := range r.deposits {
			if d.recording == name {
				what += fmt.Sprintf("; the message of call %d (%s, %s)", d.n, d.kind, d.outcome)
			}
		}
		for _, o := range r.owners {
			switch {
			case o.message == name:
				what += fmt.Sprintf("; played by call %d (%s, %s)", o.n, o.kind, o.outcome)
			case o.greeting == name:
				what += fmt.Sprintf("; the greeting accepted by call %d (%s)", o.n, o.outcome)
			case slices.Contains(o.takes, name):
				what += fmt.Sprintf("; a take of call %d, which accepted %s after %d apologies (%s)",
					o.n, firstNonEmpty(o.greeting, "none"), o.apologies(), o.outcome)
			}
		}
		find(findOrphan, append([]string{name}, r.ownerNeedles(name)...), "%s: %s", name, what)
	}

	// Counts against the sets, and the phones' lights against the counts.
	for _, b := range chaosBoxes {
		bs := boxes[b.number]
		for f, n := range map[state.Folder]int{state.FolderNew: bs.counts.New, state.FolderOld: bs.counts.Old,
			state.FolderWork: bs.counts.Work, state.FolderFamily: bs.counts.Family, state.FolderFriends: bs.counts.Friends} {
			if n != len(bs.folders[f]) {
				find(findCount, nil, "%s %s: count %d, %d messages readable in the set", b.number, f, n, len(bs.folders[f]))
			}
		}
		light := lights[b.number]
		if light == nil {
			continue // no watcher for this mailbox
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			last, ok := light.w.Last()
			if ok && last.New == bs.counts.New && last.Old == bs.counts.Old {
				break
			}
			if time.Now().After(deadline) {
				find(findMWI, nil, "%s: last NOTIFY %+v (of %d), counts New %d Old %d", b.number, last, len(light.w.All()), bs.counts.New, bs.counts.Old)
				break
			}
			sleepCtx(ctx, 200*time.Millisecond)
		}
	}

	// Callers left in silence.
	for _, c := range r.allCalls() {
		if c.stranded != "" {
			needles := []string{}
			if c.call != nil {
				needles = append(needles, c.call.B)
			}
			find(findStranded, needles, "call %d (%s to %s, placed %s): %s", c.n, c.kind, c.mailbox, r.rel(c.start), c.stranded)
		}
	}

	findings = append(findings, r.staleActs()...)

	counts := map[string]state.Counts{}
	for n, bs := range boxes {
		counts[n] = bs.counts
	}
	r.report(findings, counts)
}

// ownerNeedles returns the channels of the owner calls that played
// recording.
func (r *chaosRun) ownerNeedles(recording string) []string {
	var out []string
	for _, o := range r.owners {
		if (o.message == recording || slices.Contains(o.takes, recording)) && o.call != nil {
			out = append(out, o.call.B)
		}
	}
	return out
}

// allCalls returns every call of the ledger, in plan order.
func (r *chaosRun) allCalls() []*chaosCall {
	var out []*chaosCall
	for _, d := range r.deposits {
		out = append(out, &d.chaosCall)
	}
	for _, o := range r.owners {
		out = append(out, &o.chaosCall)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}

// chaosAudio reports whether a stored recording belongs to the run's
// mailboxes.
func chaosAudio(name string) bool {
	for _, b := range chaosBoxes {
		if strings.HasPrefix(name, "voicemail/default/"+b.number+"/") {
			return true
		}
	}
	return false
}

func describeMessages(msgs []state.Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = fmt.Sprintf("%s in %s (%v, %s)", m.ID, m.Folder, m.Duration, m.Recording)
	}
	return strings.Join(parts, ", ")
}

func folderSet(s map[state.Folder]bool) string {
	var names []string
	for f := range s {
		names = append(names, f.String())
	}
	slices.Sort(names)
	return strings.Join(names, "|")
}

func historyNote(history []string) string {
	if len(history) == 0 {
		return ""
	}
	return " (owners: " + strings.Join(history, "; ") + ")"
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// report prints the figures and every finding with its log lines, and
// fails the test on any finding.
func (r *chaosRun) report(findings []chaosFinding, counts map[string]state.Counts) {
	t := r.t
	byKind := map[string]int{}
	for _, f := range findings {
		byKind[f.kind]++
	}

	// Calls: how each kind went.
	outcomes := map[string]map[string]int{}
	calls := r.allCalls()
	for _, c := range calls {
		if outcomes[c.kind] == nil {
			outcomes[c.kind] = map[string]int{}
		}
		outcomes[c.kind][c.outcome]++
	}
	var lines []string
	for _, kind := range []string{callDeposit, callDepositHangup, callListen, callDelete, callFile, callGreeting} {
		var parts []string
		for o, n := range outcomes[kind] {
			parts = append(parts, fmt.Sprintf("%d %s", n, firstNonEmpty(o, "?")))
		}
		slices.Sort(parts)
		lines = append(lines, fmt.Sprintf("  %-15s %s", kind, strings.Join(parts, ", ")))
	}
	owed, confirmed := 0, 0
	for _, d := range r.deposits {
		if d.owed {
			owed++
		}
		if d.confirmed {
			confirmed++
		}
	}
	t.Logf("calls: %d (%d deposits: %d owed, %d heard saved; %d owner calls)\n%s",
		len(calls), len(r.deposits), owed, confirmed, len(r.owners), strings.Join(lines, "\n"))
	t.Logf("ledger (call, kind, mailbox, channel, placed-ended, outcome):%s", r.ledger(calls))

	// Faults, and how long the callers on at the time waited for their
	// next prompt.
	faultCounts := map[string]int{}
	var skipped []string
	var worst time.Duration
	var waits []time.Duration
	for _, f := range r.faults {
		if f.skipped != "" {
			skipped = append(skipped, f.kind+": "+f.skipped)
			continue
		}
		faultCounts[f.kind]++
		fw, silent, desc := r.waitsAfter(f, calls)
		waits = append(waits, fw...)
		for _, w := range fw {
			worst = max(worst, w)
		}
		t.Logf("fault %-8s %-9s at %s: %s%s", f.kind, f.target, r.rel(f.at), desc, silent)
	}
	var faultParts []string
	for _, kind := range []string{faultKill, faultStop, faultRedis, faultARICut, faultSentinel} {
		faultParts = append(faultParts, fmt.Sprintf("%s=%d", kind, faultCounts[kind]))
	}
	if len(skipped) > 0 {
		t.Logf("faults skipped: %s", strings.Join(skipped, "; "))
	}
	slices.Sort(waits)
	median := time.Duration(0)
	if len(waits) > 0 {
		median = waits[len(waits)/2]
	}

	// The findings, with what the instances logged about each.
	for _, kind := range chaosFindingOrder {
		for _, f := range findings {
			if f.kind != kind {
				continue
			}
			msg := fmt.Sprintf("chaos: %s: %s", f.kind, f.what)
			if lines := r.logLines(f.needles, 40); len(lines) > 0 {
				msg += "\n    instance logs:\n    " + strings.Join(lines, "\n    ")
			}
			t.Error(msg)
		}
	}
	var countParts []string
	for _, b := range chaosBoxes {
		c := counts[b.number]
		countParts = append(countParts, fmt.Sprintf("%s New %d Old %d Work %d Family %d", b.number, c.New, c.Old, c.Work, c.Family))
	}
	t.Logf("mailboxes at the end: %s", strings.Join(countParts, "; "))
	t.Logf("chaos summary: seed=%d calls=%d faults[%s] swept=%d lost=%d duplicated=%d wrongly_deleted=%d not_deleted=%d wrong_folder=%d duration=%d audio_missing=%d greetings_lost=%d orphans=%d count_mismatches=%d mwi_mismatches=%d stranded=%d unexpected=%d stale_owner_acts=%d wait_after_fault[median=%v max=%v n=%d]",
		r.seed, len(calls), strings.Join(faultParts, " "), len(r.swept),
		byKind[findLost], byKind[findDuplicated], byKind[findWronglyGone], byKind[findNotDeleted], byKind[findWrongFolder],
		byKind[findDuration], byKind[findAudioMissing], byKind[findGreeting], byKind[findOrphan], byKind[findCount],
		byKind[findMWI], byKind[findStranded], byKind[findUnexpected], byKind[findStale],
		median.Round(time.Millisecond), worst.Round(time.Millisecond), len(waits))
}

// waitsAfter returns, for the calls up when fault f began, how long each
// waited from f to its next prompt, a note on those that heard none, and
// a description. A caller who hung up while recording expected no prompt.
func (r *chaosRun) waitsAfter(f *chaosFault, calls []*chaosCall) ([]time.Duration, string, string) {
	var waits []time.Duration
	var silent []string
	quiet := 0
	worstCall := ""
	var worst time.Duration
	for _, c := range calls {
		if c.call == nil || c.start.After(f.at) || (!c.end.IsZero() && c.end.Before(f.at)) {
			continue
		}
		var next time.Time
		for _, p := range c.call.Heard() {
			if p.At.After(f.at) {
				next = p.At
				break
			}
		}
		if next.IsZero() {
			switch c.outcome {
			case "hung up while recording", "heard saved", "done":
				// Talking until the hang-up, or at the end of the call.
				quiet++
				continue
			}
			silent = append(silent, fmt.Sprintf("%d (%s, %s)", c.n, c.kind, c.outcome))
			continue
		}
		w := next.Sub(f.at)
		waits = append(waits, w)
		if w > worst {
			worst, worstCall = w, fmt.Sprintf("call %d, %s", c.n, c.kind)
		}
	}
	slices.Sort(waits)
	desc := fmt.Sprintf("%d calls up", len(waits)+len(silent)+quiet)
	if len(waits) > 0 {
		desc += fmt.Sprintf("; next prompt after median %v, max %v (%s)",
			waits[len(waits)/2].Round(time.Millisecond), worst.Round(time.Millisecond), worstCall)
	}
	if quiet > 0 {
		desc += fmt.Sprintf("; %d needed no prompt (recording, or hanging up)", quiet)
	}
	note := ""
	if len(silent) > 0 {
		note = "; no prompt after it: calls " + strings.Join(silent, ", ")
	}
	return waits, note, desc
}

// ledger describes every call of the run, one line each.
func (r *chaosRun) ledger(calls []*chaosCall) string {
	deposits := map[int]*chaosDeposit{}
	for _, d := range r.deposits {
		deposits[d.n] = d
	}
	owners := map[int]*chaosOwner{}
	for _, o := range r.owners {
		owners[o.n] = o
	}
	var b strings.Builder
	for _, c := range calls {
		channel := "-"
		if c.call != nil {
			channel = c.call.B
		}
		fmt.Fprintf(&b, "\n  %2d %-14s %s %s %s-%s %s", c.n, c.kind, c.mailbox, channel, r.rel(c.start), r.rel(c.end), c.outcome)
		if d := deposits[c.n]; d != nil && d.recording != "" {
			least, most := d.spoken()
			fmt.Fprintf(&b, "; beep %s, spoke %.1f-%.1fs, owed %v: %s", r.rel(d.recStart), least.Seconds(), most.Seconds(), d.owed, d.recording)
		}
		if o := owners[c.n]; o != nil {
			if o.message != "" {
				fmt.Fprintf(&b, "; played %s from %s", o.message, o.from)
			}
			if len(o.takes) > 0 {
				fmt.Fprintf(&b, "; takes %s, accepted %q", strings.Join(o.takes, " "), o.greeting)
			}
			fmt.Fprintf(&b, "; acted %v, confirmed %v", o.acted, o.confirmed)
		}
		if n := c.apologies(); n > 0 {
			fmt.Fprintf(&b, "; %d apologies", n)
		}
		if c.stranded != "" {
			fmt.Fprintf(&b, "; STRANDED: %s", c.stranded)
		}
	}
	return b.String()
}

// logLines returns the lines of the instances' logs that contain one of
// needles, in time order, each prefixed with its instance; at most limit,
// the last ones when there are more (what happened last matters most).
func (r *chaosRun) logLines(needles []string, limit int) []string {
	var want []string
	for _, n := range needles {
		if n != "" {
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		return nil
	}
	type logLine struct {
		ts   float64
		text string
	}
	var out []logLine
	for _, in := range r.instances {
		f, err := os.Open(in.logPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			for _, n := range want {
				if strings.Contains(line, n) {
					var v struct {
						TS float64 `json:"ts"`
					}
					_ = json.Unmarshal([]byte(line), &v)
					out = append(out, logLine{v.TS, in.id + ": " + line})
					break
				}
			}
		}
		_ = f.Close()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ts < out[j].ts })
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	lines := make([]string, len(out))
	for i, l := range out {
		lines[i] = l.text
	}
	return lines
}

// chaosTakeoverLogs are the log messages of an instance that takes a call
// over (takeover.go), and chaosChangeLogs those of changes to a mailbox or
// its audio (call/messages.go, call/owner.go, call/call.go). The check
// below reads them: keep them in step with the code.
var (
	chaosTakeoverLogs = map[string]bool{
		"resuming call taken over from another instance":     true,
		"takeover: channel gone; finishing the call offline": true,
	}
	chaosChangeLogs = map[string]bool{
		"folder closed":                true,
		"message moved":                true,
		"mailbox changed":              true,
		"recording discarded":          true,
		"message too short, discarded": true,
	}
)

// staleActs reads the instances' logs, in time order, for changes made
// for a call by an instance after another one had taken the call over: a
// fenced instance must do nothing destructive (issue 12, defect 1). Saving
// a message again is left out: deposits are idempotent on the message id.
func (r *chaosRun) staleActs() []chaosFinding {
	type entry struct {
		TS       float64 `json:"ts"`
		Msg      string  `json:"msg"`
		Instance string  `json:"instance"`
		Channel  string  `json:"channel"`
		line     string
	}
	var entries []entry
	for _, in := range r.instances {
		f, err := os.Open(in.logPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for sc.Scan() {
			var e entry
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Channel == "" {
				continue
			}
			if chaosTakeoverLogs[e.Msg] || chaosChangeLogs[e.Msg] {
				e.line = in.id + ": " + sc.Text()
				entries = append(entries, e)
			}
		}
		_ = f.Close()
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].TS < entries[j].TS })
	owner := map[string]entry{}
	var out []chaosFinding
	for _, e := range entries {
		if chaosTakeoverLogs[e.Msg] {
			owner[e.Channel] = e
			continue
		}
		if o, ok := owner[e.Channel]; ok && o.Instance != e.Instance {
			out = append(out, chaosFinding{kind: findStale, needles: []string{e.Channel},
				what: fmt.Sprintf("%s logged %q for call %s %.1fs after %s had taken it over",
					e.Instance, e.Msg, e.Channel, e.TS-o.TS, o.Instance)})
		}
	}
	return out
}
