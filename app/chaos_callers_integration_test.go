package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// The callers of the chaos test (chaos_integration_test.go): scripts of
// callers leaving messages and of owners acting on them, each noting what
// the caller was told for the ledger check.

// Kinds of calls.
const (
	callDeposit       = "deposit"        // leaves a message, '#', waits for "saved"
	callDepositHangup = "deposit-hangup" // leaves a message and hangs up while recording
	callListen        = "listen"         // owner plays the first new message, exits
	callDelete        = "delete"         // owner plays it, deletes it, exits
	callFile          = "file"           // owner plays it, saves it to Work or Family, exits
	callGreeting      = "greeting"       // owner records and accepts an unavailable greeting
)

// chaosCall is what every call of the ledger records.
type chaosCall struct {
	n       int
	kind    string
	mailbox string
	call    *testenv.Call
	start   time.Time
	end     time.Time
	// outcome is how the call went, in a few words.
	outcome string
	// stranded says what the caller was waiting for when it gave up
	// with the call still up: a caller left in silence.
	stranded string
}

// chaosDeposit is a message left, and what its caller was told.
type chaosDeposit struct {
	chaosCall
	callerNum string
	hangup    bool
	// recording is the name of the recording started after the beep
	// (the message's audio), recStart when it started.
	recording string
	recStart  time.Time
	// talkEnd is when the caller pressed '#' or hung up.
	talkEnd time.Time
	// speechSent and speechFrom are when the caller's speech was asked
	// for and when Asterisk answered that it plays; speechTo is when its
	// end (a stop, or the hang-up) was asked for. With nothing played,
	// the caller's leg sends no audio (no transmit_silence), so the
	// message holds the speech alone: at least speechTo - speechFrom, at
	// most talkEnd - speechSent (spoken).
	speechSent, speechFrom, speechTo time.Time
	// confirmed is set when the caller heard vm-msgsaved.
	confirmed bool
	// owed is set when the message must be kept: the caller heard
	// "saved", or ended the recording (hung up or '#') at least the
	// minimum length after the beep without hearing that it failed.
	owed bool
}

// chaosOwner is an owner's call, and what the owner was told.
type chaosOwner struct {
	chaosCall
	// message is the recording of the message played (listen, delete,
	// file), from the folder it was played from; folder is where callFile
	// saves it.
	message string
	from    state.Folder
	folder  state.Folder
	// acted is set once the owner pressed the key that changes something
	// (7, the folder digit, 1 to accept a greeting).
	acted bool
	// confirmed is set once the owner heard that it was done
	// (vm-deleted, vm-savedto, vm-msgsaved; for a listen, the goodbye
	// after the message).
	confirmed   bool
	confirmedAt time.Time
	// greeting is the take accepted (callGreeting); takes are all the
	// takes recorded, those cut by a takeover included.
	greeting string
	takes    []string
}

// runCall places one planned call and follows its script, within
// chaosCallTimeout (an owner's wait for the mailbox apart).
func (r *chaosRun) runCall(ctx context.Context, p chaosPlanned) {
	switch p.kind {
	case callDeposit, callDepositHangup:
		d := &chaosDeposit{chaosCall: chaosCall{n: p.n, kind: p.kind, mailbox: p.mailbox},
			callerNum: strconv.Itoa(3000 + p.n), hangup: p.kind == callDepositHangup}
		r.mu.Lock()
		r.deposits = append(r.deposits, d)
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(ctx, chaosCallTimeout)
		defer cancel()
		r.deposit(ctx, d, p)
		d.timedOut(ctx)
	default:
		o := &chaosOwner{chaosCall: chaosCall{n: p.n, kind: p.kind, mailbox: p.mailbox}, folder: p.folder}
		r.mu.Lock()
		r.owners = append(r.owners, o)
		r.mu.Unlock()
		// One owner call per mailbox at a time.
		lock := r.boxLocks[p.mailbox]
		select {
		case lock <- struct{}{}:
		case <-ctx.Done():
			o.outcome = "never placed: the previous owner call held the mailbox"
			return
		}
		defer func() { <-lock }()
		ctx, cancel := context.WithTimeout(ctx, chaosCallTimeout)
		defer cancel()
		r.owner(ctx, o)
		o.timedOut(ctx)
	}
}

// timedOut notes a call whose script ran out of time (ctx, its budget, or
// the run's end): a caller kept waiting that long was left in silence.
func (c *chaosCall) timedOut(ctx context.Context) {
	if ctx.Err() != nil && c.outcome != "done" && c.stranded == "" && c.call != nil {
		c.stranded = fmt.Sprintf("call still at %q when its %v ran out", c.outcome, chaosCallTimeout)
	}
}

// dial places c's call and records it; the call is hung up when the
// script ends.
func (r *chaosRun) dial(ctx context.Context, c *chaosCall, exten, callerID string) bool {
	c.start = time.Now()
	call, err := r.h.caller.Dial(ctx, exten, "vm-cluster", callerID)
	if err != nil {
		c.outcome = "not placed: " + err.Error()
		c.end = time.Now()
		return false
	}
	c.call = call
	return true
}

// hangUp ends c's call from the caller's side, if it is still up, and
// notes when the call ended.
func (r *chaosRun) hangUp(c *chaosCall) {
	if c.call != nil && !c.call.Ended() {
		hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.call.Hangup(hctx)
		cancel()
	}
	c.end = time.Now()
}

// await waits, chaosStepTimeout at most, until c's caller hears one of
// names (a name ending in '*' is a prefix) at or after prompt index from.
// It returns the name heard and the index after it; "" when the call ended
// first. A timeout with the call still up marks the caller stranded.
func (c *chaosCall) await(ctx context.Context, from int, names ...string) (string, int, error) {
	sctx, cancel := context.WithTimeout(ctx, chaosStepTimeout)
	defer cancel()
	for {
		heard := c.call.Heard()
		for i := from; i < len(heard); i++ {
			for _, n := range names {
				if heard[i].Name == n || strings.HasSuffix(n, "*") && strings.HasPrefix(heard[i].Name, strings.TrimSuffix(n, "*")) {
					return heard[i].Name, i + 1, nil
				}
			}
		}
		if c.call.Ended() {
			return "", len(heard), nil
		}
		select {
		case <-sctx.Done():
			err := fmt.Errorf("waited %v for %s; heard since: %s", chaosStepTimeout, strings.Join(names, "|"), promptNames(heard, from))
			if ctx.Err() == nil {
				c.stranded = err.Error()
			}
			return "", len(heard), err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func promptNames(heard []testenv.Prompt, from int) string {
	names := make([]string, 0, len(heard))
	for _, p := range heard[min(from, len(heard)):] {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, " ")
}

// press sends digits; a call that ended meanwhile is not an error.
func (c *chaosCall) press(ctx context.Context, digits string) bool {
	if err := c.call.Press(ctx, digits); err != nil {
		if !c.call.Ended() && !ari.IsGone(err) {
			c.outcome = fmt.Sprintf("press %q: %v", digits, err)
		}
		return false
	}
	return true
}

// ask presses keys and waits for one of want, from prompt index from. When
// the caller hears the apology of a takeover instead (menus.Apology: the
// instance serving the call died, another one took it and reads the menu
// again), the keys are pressed again, as a caller would, up to three times.
// So they are when the prompt they answer (the last one heard before
// from) is read again without any of want: the keys were lost, as the
// DTMF events of a call are while its instance's ARI link is cut
// (Asterisk drops the events it cannot deliver), and the menu timed out.
func (c *chaosCall) ask(ctx context.Context, from int, keys string, want ...string) (string, int) {
	i := from
	offer := ""
	if heard := c.call.Heard(); from > 0 && from <= len(heard) && !slices.Contains(want, heard[from-1].Name) {
		offer = heard[from-1].Name
	}
	for range 3 {
		if !c.press(ctx, keys) {
			return "", i
		}
		names := append(slices.Clone(want), menus.Apology)
		if offer != "" {
			names = append(names, offer)
		}
		heard, next, _ := c.await(ctx, i, names...)
		i = next
		switch {
		case heard == menus.Apology:
		case heard != "" && heard == offer:
			// Read again: unless the keys were taken just after a
			// timeout read the menu again, they were lost.
			if got, n := c.within(ctx, i, 1500*time.Millisecond, want...); got != "" {
				return got, n
			}
		default:
			return heard, i
		}
	}
	return "", i
}

// within waits up to d for one of names from prompt index from, without
// marking the caller stranded; it returns "" if none came.
func (c *chaosCall) within(ctx context.Context, from int, d time.Duration, names ...string) (string, int) {
	deadline := time.Now().Add(d)
	for {
		heard := c.call.Heard()
		for i := from; i < len(heard); i++ {
			for _, n := range names {
				if heard[i].Name == n || strings.HasSuffix(n, "*") && strings.HasPrefix(heard[i].Name, strings.TrimSuffix(n, "*")) {
					return heard[i].Name, i + 1
				}
			}
		}
		if time.Now().After(deadline) || c.call.Ended() {
			return "", from
		}
		sleepCtx(ctx, 50*time.Millisecond)
	}
}

// apologies counts the takeover apologies the caller heard.
func (c *chaosCall) apologies() int {
	n := 0
	if c.call != nil {
		for _, p := range c.call.Heard() {
			if p.Name == menus.Apology {
				n++
			}
		}
	}
	return n
}

// beep presses '#' (to skip a greeting or a recording prompt) and waits
// for the recording started after the n so far: what a caller knows as the
// beep. A takeover's apology instead means the prompt is read again: '#'
// again, up to three times.
func (c *chaosCall) beep(ctx context.Context, from, n int) (testenv.Recording, bool) {
	sctx, cancel := context.WithTimeout(ctx, chaosStepTimeout)
	defer cancel()
	for range 3 {
		if !c.press(ctx, "#") {
			return testenv.Recording{}, false
		}
		for {
			if recs := c.call.Recordings(); len(recs) > n {
				return recs[len(recs)-1], true
			}
			heard := c.call.Heard()
			apology := false
			for ; from < len(heard); from++ {
				if heard[from].Name == menus.Apology {
					apology = true
				}
			}
			if apology {
				break
			}
			if c.call.Ended() {
				return testenv.Recording{}, false
			}
			select {
			case <-sctx.Done():
				if ctx.Err() == nil {
					c.stranded = fmt.Sprintf("no beep %v after '#'; heard: %s", chaosStepTimeout, promptNames(heard, 0))
				}
				return testenv.Recording{}, false
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return testenv.Recording{}, false
}

// speak plays speech from the caller's side for d (stopped then), as the
// caller talking after the beep. It returns when the speech was asked
// for, when Asterisk answered, and when its stop was asked for (zero when
// the call ended first).
func (r *chaosRun) speak(ctx context.Context, c *chaosCall, d time.Duration) (sent, from, to time.Time) {
	id := fmt.Sprintf("chaos-speech-%d-%d", c.n, len(c.call.Recordings()))
	sent = time.Now()
	if _, err := r.h.caller.Client.Play(ctx, c.call.A, id, []string{"sound:vm-opts", "sound:vm-intro", "sound:vm-opts"}, ""); err != nil {
		return time.Time{}, time.Time{}, time.Time{} // hung up meanwhile
	}
	from = time.Now()
	sleepCtx(ctx, d)
	to = time.Now()
	if err := r.h.caller.Client.StopPlayback(ctx, id); err != nil && !ari.IsGone(err) {
		c.outcome = "stop speaking: " + err.Error()
	}
	return sent, from, to
}

// spoken returns how long the caller spoke while recorded: at least and
// at most (see speechFrom).
func (d *chaosDeposit) spoken() (least, most time.Duration) {
	if d.speechFrom.IsZero() || d.speechTo.IsZero() {
		return 0, 0
	}
	least = d.speechTo.Sub(later(d.speechFrom, d.recStart))
	most = d.talkEnd.Sub(later(d.speechSent, d.recStart))
	return max(least, 0), max(most, 0)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// deposit is a caller leaving a message: the greeting, '#', the beep,
// speech; then either '#' and "message saved", or a hang-up while
// recording.
func (r *chaosRun) deposit(ctx context.Context, d *chaosDeposit, p chaosPlanned) {
	if !r.dial(ctx, &d.chaosCall, p.mailbox, fmt.Sprintf("chaos-%02d <%s>", d.n, d.callerNum)) {
		return
	}
	defer r.hangUp(&d.chaosCall)
	heard, i, _ := d.await(ctx, 0, "vm-intro")
	if heard == "" {
		d.outcome = "ended before the greeting"
		return
	}
	rec, ok := d.beep(ctx, i, 0)
	if !ok {
		d.outcome = "no beep"
		return
	}
	d.recording, d.recStart = rec.Name, rec.At
	owed := func() bool { least, _ := d.spoken(); return least >= chaosMinMessage+chaosOwedMargin }
	if d.hangup {
		id := fmt.Sprintf("chaos-speech-%d", d.n)
		d.speechSent = time.Now()
		if _, err := r.h.caller.Client.Play(ctx, d.call.A, id, []string{"sound:vm-opts", "sound:vm-intro", "sound:vm-opts"}, ""); err != nil {
			d.outcome = "ended before speaking"
			return
		}
		d.speechFrom = time.Now()
		sleepCtx(ctx, p.talk)
		d.speechTo = time.Now()
		if d.call.Ended() {
			d.outcome = "ended by the far end while recording"
			d.talkEnd = time.Now()
			d.owed = owed()
			return
		}
		r.hangUp(&d.chaosCall)
		d.talkEnd = d.end
		d.outcome = "hung up while recording"
		d.owed = owed()
		return
	}
	d.speechSent, d.speechFrom, d.speechTo = r.speak(ctx, &d.chaosCall, p.talk)
	d.talkEnd = time.Now()
	if !d.press(ctx, "#") {
		d.outcome = "ended while recording"
		d.owed = owed()
		return
	}
	// A takeover meanwhile saves the message without reading a menu: the
	// apology is followed by "saved".
	heard, _, err := d.await(ctx, i, "vm-msgsaved", "vm-sorry", "vm-tooshort", "vm-mailboxfull")
	switch heard {
	case "vm-msgsaved":
		d.outcome, d.confirmed, d.owed = "heard saved", true, true
	case "vm-sorry", "vm-mailboxfull", "vm-tooshort":
		// Told it was not kept: it may or may not be there.
		d.outcome = "heard " + heard
	default:
		// Cut off, or left in silence, after the recording ended: the
		// message was recorded and must be kept.
		d.outcome = "no answer after '#'"
		if err == nil {
			d.outcome = "ended after '#' without hearing saved"
		}
		d.owed = owed()
	}
}

// owner is a mailbox owner's call: log in with *97, then listen to the
// first message of the folder it starts in (New, or Old when New is
// empty), delete it, file it, or change the unavailable greeting. Keys are pressed as soon as the prompt that offers them
// starts (type-ahead), as a caller who knows the menus does.
func (r *chaosRun) owner(ctx context.Context, o *chaosOwner) {
	pin := ""
	for _, b := range chaosBoxes {
		if b.number == o.mailbox {
			pin = b.pin
		}
	}
	if pin == "" {
		o.outcome = "no PIN for " + o.mailbox
		return
	}
	if !r.dial(ctx, &o.chaosCall, "*97", fmt.Sprintf("Owner <%s>", o.mailbox)) {
		return
	}
	defer r.hangUp(&o.chaosCall)
	heard, i, _ := o.await(ctx, 0, "vm-password")
	if heard == "" {
		o.outcome = "ended before the password"
		return
	}
	// "You have…" starts the main menu.
	if heard, i = o.ask(ctx, i, pin+"#", "vm-youhave", "vm-incorrect", "vm-goodbye"); heard != "vm-youhave" {
		o.outcome = "login failed, heard " + firstNonEmpty(heard, "nothing")
		return
	}
	if o.kind == callGreeting {
		r.greeting(ctx, o, i)
		return
	}
	// "Press 1 for New (or Old) messages": the folder the owner is in,
	// New unless it is empty and Old is not (app_voicemail); no such
	// prompt when both are empty.
	if heard, i, _ = o.await(ctx, i, "vm-onefor", "vm-opts"); heard != "vm-onefor" {
		o.outcome = "no message to play"
		o.press(ctx, "#")
		return
	}
	switch heard, i, _ = o.await(ctx, i, "vm-INBOX", "vm-Old"); heard {
	case "vm-INBOX":
		o.from = state.FolderNew
	case "vm-Old":
		o.from = state.FolderOld
	default:
		o.outcome = "no folder named"
		return
	}
	if heard, i = o.ask(ctx, i, "1", "vm-first"); heard == "" {
		o.outcome = "ended before the first message"
		return
	}
	// 1 during the envelope skips to the message.
	if heard, i = o.ask(ctx, i, "1", "recording:*"); heard == "" {
		o.outcome = "ended before the message played"
		return
	}
	o.message = strings.TrimPrefix(heard, "recording:")
	r.mu.Lock()
	r.seen[o.message] = true
	r.mu.Unlock()
	// The whole message, then the menu after it ("vm-advopts" is its
	// first prompt for the first message).
	if heard, i, _ = o.await(ctx, i, "vm-advopts"); heard == "" {
		o.outcome = "ended while the message played"
		return
	}
	switch o.kind {
	case callDelete:
		if i = r.deleteMessage(ctx, o, i); !o.confirmed {
			return
		}
	case callFile:
		if i = r.fileMessage(ctx, o, i); !o.confirmed {
			return
		}
	}
	// '#' leaves: the folder is closed (heard New messages go to Old,
	// deleted ones go away).
	if heard, _ = o.ask(ctx, i, "#", "vm-goodbye"); heard == "" {
		o.outcome = "no goodbye"
		return
	}
	if o.kind == callListen {
		o.confirmed, o.confirmedAt = true, time.Now()
	}
	o.outcome = "done"
}

// deleteMessage presses 7 in the message menu until the owner hears
// "deleted", or the menu read again after a takeover offers to undelete
// it. It returns the prompt index reached.
func (r *chaosRun) deleteMessage(ctx context.Context, o *chaosOwner, i int) int {
	heard := ""
	for range 3 {
		if !o.press(ctx, "7") {
			return i
		}
		o.acted = true
		if heard, i, _ = o.await(ctx, i, "vm-deleted", "vm-undeleted", menus.Apology); heard == menus.Apology {
			// The message menu again: "press 7 to delete" or "to undelete".
			heard, i, _ = o.await(ctx, i, "vm-delete", "vm-undelete")
		}
		switch heard {
		case "vm-deleted", "vm-undelete":
			o.confirmed, o.confirmedAt = true, time.Now()
			return i
		case "vm-undeleted", "vm-delete":
			continue // not deleted (or undeleted by a repeated 7): 7 again
		default:
			o.outcome = "no vm-deleted after 7"
			return i
		}
	}
	o.outcome = "not deleted after three tries"
	return i
}

// fileMessage saves the current message to the owner's folder (9, then the
// folder's digit) until the owner hears "saved to". It returns the prompt
// index reached.
func (r *chaosRun) fileMessage(ctx context.Context, o *chaosOwner, i int) int {
	digit := strconv.Itoa(int(o.folder))
	keys, heard := "9", ""
	for range 4 {
		if !o.press(ctx, keys) {
			return i
		}
		if keys == "9" {
			heard, i, _ = o.await(ctx, i, "vm-savefolder", menus.Apology)
		} else {
			o.acted = true
			heard, i, _ = o.await(ctx, i, "vm-savedto", "vm-sorry", menus.Apology)
		}
		if heard == menus.Apology {
			// Read again: the folder menu, or the message menu.
			heard, i, _ = o.await(ctx, i, "vm-savefolder", "vm-advopts")
		}
		switch heard {
		case "vm-savedto":
			o.confirmed, o.confirmedAt = true, time.Now()
			return i
		case "vm-savefolder":
			keys = digit
		case "vm-advopts":
			keys = "9"
		case "vm-sorry":
			o.outcome = "not filed, heard vm-sorry"
			return i
		default:
			o.outcome = "not filed, heard nothing"
			return i
		}
	}
	o.outcome = "not filed after four tries"
	return i
}

// greeting records a new unavailable greeting and accepts it, from the
// main menu (prompt index i). A take cut by a takeover is asked for again
// (menus resume): it is recorded again.
func (r *chaosRun) greeting(ctx context.Context, o *chaosOwner, i int) {
	heard := ""
	if heard, i = o.ask(ctx, i, "0", "vm-options"); heard == "" {
		o.outcome = "no options menu"
		return
	}
	if heard, i = o.ask(ctx, i, "1", "vm-rec-unv"); heard == "" {
		o.outcome = "no vm-rec-unv"
		return
	}
	for range 3 {
		rec, ok := o.beep(ctx, i, len(o.call.Recordings()))
		if !ok {
			o.outcome = "no beep"
			return
		}
		o.takes = append(o.takes, rec.Name)
		r.speak(ctx, &o.chaosCall, 3*time.Second)
		if !o.press(ctx, "#") {
			o.outcome = "ended while recording the greeting"
			return
		}
		if heard, i, _ = o.await(ctx, i, "vm-review", menus.Apology); heard == menus.Apology {
			// The take is lost; the greeting is asked for again.
			if heard, i, _ = o.await(ctx, i, "vm-rec-unv"); heard == "" {
				o.outcome = "no vm-rec-unv after the apology"
				return
			}
			continue
		}
		if heard == "" {
			o.outcome = "no review menu"
			return
		}
		o.greeting = rec.Name
		o.acted = true
		if heard, _ = o.ask(ctx, i, "1", "vm-msgsaved", "vm-sorry"); heard != "vm-msgsaved" {
			o.outcome = "greeting not accepted, heard " + firstNonEmpty(heard, "nothing")
			return
		}
		o.confirmed, o.confirmedAt = true, time.Now()
		o.outcome = "done"
		return
	}
	o.outcome = "greeting take lost three times"
}
