package call

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// Player plays, stops and steers prompts and messages on a channel.
type Player interface {
	Play(ctx context.Context, channelID, playbackID string, media []string, lang string) (ari.Playback, error)
	StopPlayback(ctx context.Context, playbackID string) error
	ControlPlayback(ctx context.Context, playbackID string, op ari.PlaybackOperation) error
}

// Recorder records the caller.
type Recorder interface {
	Record(ctx context.Context, channelID string, opts ari.RecordOptions) (ari.LiveRecording, error)
}

// RecordingStopper ends a live recording early, keeping its audio
// (ARI POST /recordings/live/{name}/stop). A Recorder that is one lets '0'
// reach the operator while a message is recorded.
type RecordingStopper interface {
	StopRecording(ctx context.Context, name string) error
}

// ChannelControl ends calls or hands them back to the dialplan.
type ChannelControl interface {
	Hangup(ctx context.Context, channelID, reason string) error
	SetVariable(ctx context.Context, channelID, name, value string) error
	Continue(ctx context.Context, channelID, dialplanContext, extension string, priority int, label string) error
}

// Mover moves a channel into another ARI application (a handover).
type Mover interface {
	Move(ctx context.Context, channelID, app string, appArgs []string) error
}

// MessageStore keeps messages and their folders.
type MessageStore interface {
	Deposit(ctx context.Context, m state.Message) (state.MWI, error)
	Messages(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error)
	Move(ctx context.Context, id state.MailboxID, msgID string, to state.Folder) (state.MWI, error)
	CloseFolder(ctx context.Context, id state.MailboxID, f state.Folder, heard, deleted []string) ([]string, state.MWI, error)
}

// AudioStore deletes, copies and measures recorded audio.
type AudioStore interface {
	Delete(ctx context.Context, names ...string) error
	Copy(ctx context.Context, from, to string) error
	Seconds(ctx context.Context, name string) (int, error)
	// Exists reports whether recording name is stored.
	Exists(ctx context.Context, name string) (bool, error)
}

// MWINotifier is told whenever a mailbox's New/Old counts may have changed.
type MWINotifier interface {
	Changed(id state.MailboxID)
}

// Authenticator checks passwords and reads what login announces.
type Authenticator interface {
	Authenticate(ctx context.Context, id state.MailboxID, pin string) (state.Mailbox, error)
	Counts(ctx context.Context, id state.MailboxID) (state.Counts, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
}

// OwnerStore makes the mailbox owner's changes.
type OwnerStore interface {
	SetGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind, recording string) (string, error)
	ClearGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind) (string, error)
	SetPIN(ctx context.Context, id state.MailboxID, pin string) error
}

// DirectoryReader reads the mailboxes the dial-by-name directory offers.
type DirectoryReader interface {
	Directory(ctx context.Context, context string) ([]state.DirectoryEntry, error)
}

// MessageReader reads one message (to forward it).
type MessageReader interface {
	Message(ctx context.Context, id state.MailboxID, msgID string) (state.Message, error)
}

// SessionStore keeps the state another instance needs to resume a call,
// fenced by the call's epoch.
type SessionStore interface {
	SaveSession(ctx context.Context, s state.Session) error
	EndSession(ctx context.Context, channelID string, epoch int64) error
	Own(ctx context.Context, instance, channelID string, own bool) error
}

// callDeps is what every call shares.
type callDeps struct {
	engine   *menus.Engine
	player   Player
	recorder Recorder
	channel  ChannelControl
	mover    Mover
	checker  ChannelChecker
	auth     Authenticator
	sessions SessionStore
	messages MessageStore
	reader   MessageReader
	owner    OwnerStore
	lookup   DepositLookup
	dir      DirectoryReader
	audio    AudioStore
	mwi      MWINotifier
	cfg      Config
	instance string
	app      string
	metrics  metrics // counts nothing when its Metrics is nil (metrics.go)
	// lease says whether this instance's lease is good (fence.go); nil:
	// always, for a call tested alone.
	lease LeaseHolder
	// waits are how long the call waits on Redis before it gives up or
	// reports it (waits.go).
	waits Waits
}

// call is one caller in the app: a goroutine that owns the menu state and
// applies events to it one at a time.
type call struct {
	id      string
	log     *zap.Logger
	deps    *callDeps
	in      *inbox
	s       menus.State
	timer   *time.Timer
	created time.Time
	// recordStarted is when the current recording was started: the time a
	// message is received.
	recordStarted time.Time
	// recording is the name of the current or last recording started.
	recording string
	// epoch is this instance's fencing token for the call: claimed when the
	// call entered the app (1 for a channel's first call), higher for one
	// it took over.
	epoch int64
	// gone is set when the call is no longer this instance's: another one
	// took it over (a save was refused as stale), it was handed on at
	// shutdown, or the instance stopped while the call waited for Redis
	// (fence.go), leaving it to the instance that reaps this one. Nothing
	// more is done for it, and its session is kept.
	gone bool
	// fenced is the state the last confirmed fenced save stored (fence.go),
	// hasFenced whether there is one: the state a reaper would finish the
	// call from, saved again, to confirm the call is still this
	// instance's, before each retry of a store write (retryStore,
	// retryOwned) and before a write goes on after this instance's lease
	// lapsed.
	fenced    menus.State
	hasFenced bool
	obs       callMetrics // DTMF-to-prompt clock, deposit outcome (metrics.go)

	// savedListing is the Box.Listing of the folder listing last saved
	// with the session, 0 if none: the listing is saved once per load.
	savedListing int

	// listed is what the login read of its mailbox's first folders
	// (state.LoginSummary.Listed), for the folder load that follows it
	// (loadFolder); nil once used, or when the login had none.
	listed *loginListing
}

// loginListing is the message ids a login read with its counts.
type loginListing struct {
	mailbox state.MailboxID
	ids     map[state.Folder][]string
	at      time.Time
}

// listedFresh bounds how old a login's listing may be for the folder load
// that follows it: that load comes a step after the login, milliseconds
// later; a first login's setup, which takes minutes, lists afresh.
const listedFresh = 2 * time.Second

// ListedReader lists a folder from message ids read just before
// (state.Store.MessagesListed).
type ListedReader interface {
	MessagesListed(ctx context.Context, id state.MailboxID, f state.Folder, ids []string) ([]state.Message, error)
}

func newCall(id string, deps *callDeps, log *zap.Logger) *call {
	return &call{
		id:      id,
		log:     log.With(zap.String("channel", id)),
		deps:    deps,
		in:      newInbox(),
		s:       menus.State{Channel: id},
		created: time.Now(),
		epoch:   1,
	}
}

// run applies events until the call ends or ctx is done. The session record
// is removed when the call ends.
func (c *call) run(ctx context.Context) {
	defer c.stopTimer()
	for {
		it, ok := c.in.pop(ctx)
		if !ok {
			return
		}
		if it.fn != nil {
			it.fn(ctx)
		} else {
			c.obs.eventAt = it.at
			c.step(ctx, it.ev)
		}
		if c.gone {
			c.log.Info("call left this instance", zap.Duration("duration", time.Since(c.created)))
			return
		}
		if c.s.Phase == menus.PhaseDone {
			c.end(ctx)
			c.log.Info("call ended", zap.Duration("duration", time.Since(c.created)))
			return
		}
	}
}

// step applies ev, saves the new state and carries out the commands.
func (c *call) step(ctx context.Context, ev menus.Event) {
	if c.gone {
		return // no longer this instance's: nothing more is done for it
	}
	c.observeEvent(ev)
	before := c.s
	next, cmds := c.deps.engine.Step(c.s, ev)
	c.s = next
	if ev.Kind == menus.EvDigit {
		digit := string(ev.Digit)
		if m, ok := c.deps.engine.Tree().Menu(before.Menu); ok && m.Secret {
			digit = "*" // a password digit: never logged
		}
		c.log.Debug("dtmf", zap.String("digit", digit), zap.String("menu", string(c.s.Menu)))
	}
	if before.Menu != c.s.Menu {
		// Logged once the commands are out: a log line is a write to
		// standard error that the prompt need not wait for.
		defer c.log.Info("menu", zap.String("from", string(before.Menu)), zap.String("to", string(c.s.Menu)))
	}
	ok, along := c.fence(ctx, before, cmds, before.Menu != c.s.Menu)
	if !ok {
		return // the call is not (or may no longer be) ours: its commands are not either
	}
	if along != nil {
		defer c.finishAlong(ctx, along, cmds)
	}
	for _, cmd := range cmds {
		if c.gone {
			return // left while it carried out an earlier command (retryOwned, retryStore)
		}
		c.exec(ctx, cmd)
	}
}

// finishOffline ends the call from st, the state its session held, at
// epoch (Call.FinishOffline): a hang-up that also saves a message whose
// save was under way when the session was saved (menus.EvFinish).
func (c *call) finishOffline(ctx context.Context, epoch int64, st menus.State) {
	c.epoch, c.s = epoch, st
	c.step(ctx, menus.Event{Kind: menus.EvFinish})
}

// save saves the session once, without waiting for Redis: a slow Redis
// must not hold the next prompt back. A save refused as stale means the
// call was taken over: it is gone. Any other failure is only logged: the
// record matters only if this instance dies.
func (c *call) save(ctx context.Context) {
	c.saved(c.saveState(ctx, c.s))
}

// saved acts on the outcome of a session save that does not wait for
// Redis (save, finishAlong): refused as stale, the call is gone; any other
// failure is only logged.
func (c *call) saved(err error) {
	switch {
	case errors.Is(err, state.ErrStaleEpoch):
		// This instance was presumed dead (paused, or cut off from Redis
		// longer than its lease) and another one took the call over: stop
		// at once, so the two never both act on it.
		c.log.Warn("call taken over by another instance; leaving it", zap.Int64("epoch", c.epoch), zap.Error(err))
		c.gone = true
	case err != nil:
		c.log.Warn("save session", zap.Error(err))
	}
}

// saveTimeout bounds one session save.
const saveTimeout = 500 * time.Millisecond

// saveState saves st as the call's session, fenced by the call's epoch
// (state.ErrStaleEpoch when another instance owns the call), bounded to
// saveTimeout.
func (c *call) saveState(ctx context.Context, st menus.State) error {
	sess, listing, err := c.session(st)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if err := c.deps.sessions.SaveSession(ctx, sess); err != nil {
		return err
	}
	if listing != 0 {
		c.savedListing = listing
	}
	return nil
}

// session is the record of st to save, and the folder listing it carries
// (0 if none: the listing is saved once per load, with the first save
// after it was loaded; the menu state keeps only the cursor and marks).
func (c *call) session(st menus.State) (state.Session, int, error) {
	split := st.Split(c.deps.engine.Tree())
	menu, err := json.Marshal(split)
	if err != nil {
		return state.Session{}, 0, fmt.Errorf("call: encode session: %w", err)
	}
	sess := state.Session{
		ChannelID: c.id,
		Instance:  c.deps.instance,
		App:       c.deps.app,
		Epoch:     c.epoch,
		Menu:      menu,
	}
	listing := 0
	if split.Box != nil && split.Box.Listing != c.savedListing {
		listing = split.Box.Listing
		if sess.Listing, err = json.Marshal(st.FolderListing()); err != nil {
			return state.Session{}, 0, fmt.Errorf("call: encode folder listing: %w", err)
		}
	}
	if st.Authenticated {
		sess.Mailbox = st.Mailbox
	}
	return sess, listing, nil
}

// measure returns the length of finished recording name in seconds: 0 if
// it does not exist. When it cannot be measured, the message is kept, as
// long as minSecs (at least 1 s), rather than lost.
func (c *call) measure(ctx context.Context, name string, minSecs int) int {
	var err error
	for try := range 4 {
		var secs int
		secs, err = c.deps.audio.Seconds(ctx, name)
		switch {
		case err == nil:
			return secs
		case ari.IsGone(err):
			return 0
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(try+1) * 250 * time.Millisecond):
		}
	}
	c.log.Error("measure recording: keeping it", zap.String("recording", name), zap.Error(err))
	return max(minSecs, 1)
}

// minSeconds is the shortest message the call's deposit keeps, 0 if none.
func (c *call) minSeconds() int {
	if d := c.s.Deposit; d != nil {
		return d.MinSeconds
	}
	return 0
}

// end removes the session of a call that ended here, unless another
// instance has taken the call over meanwhile. A failure is retried (as
// retryStore does: ownership confirmed again before each retry) until the
// instance stops (ctx, the call's, ends): a session left behind would be
// finished a second time by whoever reaps this instance, hours later
// perhaps, and its last step's writes done again: a message the owner
// deleted meanwhile deposited again. When the instance stops first, that
// is what happens, and it is logged.
func (c *call) end(ctx context.Context) {
	err := c.retryStore(ctx, "end session", func(ctx context.Context) error {
		// The first attempt runs even when the instance is stopping.
		err := c.deps.sessions.EndSession(context.WithoutCancel(ctx), c.id, c.epoch)
		if errors.Is(err, state.ErrStaleEpoch) {
			return nil // another instance owns the call: its session is not ours to end
		}
		return err
	})
	if err != nil {
		c.log.Error("end session: the session stays, and whoever reaps this instance finishes the call again", zap.Error(err))
	}
	if err := c.deps.sessions.Own(context.WithoutCancel(ctx), c.deps.instance, c.id, false); err != nil {
		c.log.Warn("forget owned call", zap.Error(err))
	}
}

func (c *call) exec(ctx context.Context, cmd menus.Cmd) {
	c.observeCmd(cmd)
	switch cmd.Kind {
	case menus.CmdPlay:
		media := make([]string, len(cmd.Media))
		for i, m := range cmd.Media {
			media[i] = mediaURI(m)
		}
		// Only the first prompt after a key is timed (observePlayed):
		// the others go without the write hook.
		var sentAt atomic.Int64
		pctx := ctx
		if !c.obs.digitAt.IsZero() {
			pctx = ari.WithWroteAt(ctx, &sentAt)
		}
		if _, err := c.deps.player.Play(pctx, c.id, cmd.ID, media, cmd.Lang); err != nil {
			if ari.IsGone(err) {
				return // the hangup's StasisEnd follows
			}
			// Carry on as if the prompt had ended, so the caller is not left
			// in silence with no timer running.
			c.log.Error("play", zap.Strings("media", cmd.Media), zap.Error(err))
			c.in.push(item{ev: menus.PromptDone(cmd.ID)})
			return
		}
		c.observePlayed(sentAt.Load())
	case menus.CmdStop:
		if err := c.deps.player.StopPlayback(ctx, cmd.ID); err != nil && !ari.IsGone(err) {
			c.log.Warn("stop playback", zap.String("playback", cmd.ID), zap.Error(err))
		}
	case menus.CmdTimer:
		c.stopTimer()
		gen := cmd.Gen
		c.timer = time.AfterFunc(cmd.After, func() { c.in.push(item{ev: menus.Timeout(gen)}) })
	case menus.CmdAuthenticate:
		c.in.push(item{ev: menus.Event{Kind: menus.EvLogin, Login: c.authenticate(ctx, cmd.Entry, cmd.PIN)}})
	case menus.CmdHangup:
		hangupChannel(ctx, c.deps.channel, c.id, time.Now().Add(ariRetryBound), c.log)
	case menus.CmdContinue:
		c.leaveWith(ctx, cmd.Status, cmd.Vars)
	case menus.CmdDirectory:
		c.in.push(item{ev: menus.Event{Kind: menus.EvDirectory, Directory: c.directory(ctx, cmd.Name)}})
	case menus.CmdControl:
		err := c.deps.player.ControlPlayback(ctx, cmd.ID, ari.PlaybackOperation(cmd.Op))
		if err != nil && !ari.IsGone(err) && !errors.Is(err, ari.ErrConflict) {
			c.log.Warn("control playback", zap.String("op", cmd.Op), zap.Error(err))
		}
	case menus.CmdRecord:
		c.record(ctx, cmd)
	case menus.CmdStopRecording:
		// '#', or '0' for the operator, while recording: the recording
		// ends, and its end (RecordingFinished) comes as EvRecorded. After
		// '#' Asterisk may have ended it first (terminateOn): 404 once it
		// is gone, 409 while it is being closed.
		if s, ok := c.deps.recorder.(RecordingStopper); ok {
			if err := s.StopRecording(ctx, cmd.Name); err != nil && !ari.IsGone(err) && !errors.Is(err, ari.ErrConflict) {
				c.log.Warn("stop recording", zap.String("recording", cmd.Name), zap.Error(err))
			}
		} else {
			c.log.Warn("stop recording: the recorder cannot stop one", zap.String("recording", cmd.Name))
		}
	case menus.CmdDiscard:
		c.log.Info("recording discarded", zap.String("recording", cmd.Name))
		sctx, cancel := storeCtx(ctx)
		if err := c.deps.audio.Delete(sctx, cmd.Name); err != nil {
			c.log.Warn("discard recording", zap.String("recording", cmd.Name), zap.Error(err))
		}
		cancel()
	case menus.CmdMeasure:
		// The recording's end was seen by another instance, or by nobody.
		c.recording = cmd.Name
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: cmd.Name, Duration: c.measure(ctx, cmd.Name, c.minSeconds())}}})
	case menus.CmdSaveMessage:
		if saved := c.saveMessage(ctx, cmd); saved != nil {
			c.in.push(item{ev: menus.Event{Kind: menus.EvSaved, Saved: saved}})
		}
	case menus.CmdLoadFolder:
		c.in.push(item{ev: menus.Event{Kind: menus.EvFolder, Folder: c.loadFolder(ctx, cmd)}})
	case menus.CmdCloseFolder:
		c.closeFolder(ctx, cmd)
	case menus.CmdMove:
		c.in.push(item{ev: menus.Event{Kind: menus.EvMoved, Saved: c.move(ctx, cmd)}})
	case menus.CmdNameTake:
		c.nameTake(cmd)
	case menus.CmdRecordGreeting:
		c.recordGreeting(ctx, cmd)
	case menus.CmdSetGreeting, menus.CmdClearGreeting, menus.CmdSetPIN:
		if saved := c.ownerChange(ctx, cmd); saved != nil { // nil: the call left
			c.in.push(item{ev: menus.Event{Kind: menus.EvDone, Saved: saved}})
		}
	case menus.CmdPrepareDeposit:
		c.in.push(item{ev: menus.Event{Kind: menus.EvMailbox, Target: c.prepareTarget(ctx, cmd)}})
	case menus.CmdForward:
		if saved := c.forward(ctx, cmd); saved != nil { // nil: the call left
			c.in.push(item{ev: menus.Event{Kind: menus.EvDone, Saved: saved}})
		}
	}
}

// leave hands the call back to the dialplan with VOICEMAIL_STATUS set, as
// app_voicemail sets VMSTATUS. A channel that cannot be continued is hung
// up rather than left in the app with nobody serving it.
func (c *call) leave(ctx context.Context, status string) {
	leaveChannel(ctx, c.deps.channel, c.id, status, c.log)
}

// leaveWith is leave with the channel variables vars set first; an empty
// status leaves VOICEMAIL_STATUS alone (the directory sets
// DIRECTORY_RESULT instead).
func (c *call) leaveWith(ctx context.Context, status string, vars []menus.Var) {
	leaveChannelWith(ctx, c.deps.channel, c.id, status, vars, c.log)
}

// leaveChannel is leave for a channel that has no call (bad arguments).
func leaveChannel(ctx context.Context, ch ChannelControl, id, status string, log *zap.Logger) {
	leaveChannelWith(ctx, ch, id, status, nil, log)
}

// leaveChannelWith is leaveWith for a channel that may have no call.
//
// Each request is retried while it gets no answer from Asterisk (its link
// cut, or too busy to answer), for up to ariRetryBound: given up, the
// channel would stay in the app with nobody serving it, the caller in
// silence (the chaos run's ARI cut, behind Sentinel). All three are safe
// to repeat: a variable is set again, and a channel that a lost Continue
// did send on, or a lost Hangup did end, answers "not in Stasis" or "not
// found".
func leaveChannelWith(ctx context.Context, ch ChannelControl, id, status string, vars []menus.Var, log *zap.Logger) {
	if status != "" {
		vars = append(vars, menus.Var{Name: "VOICEMAIL_STATUS", Value: status})
	}
	deadline := time.Now().Add(ariRetryBound)
	for _, v := range vars {
		err := retryARI(ctx, deadline, log, "set channel variable", func(ctx context.Context) error {
			return ch.SetVariable(ctx, id, v.Name, v.Value)
		})
		if err != nil && !ari.IsGone(err) {
			log.Warn("set channel variable", zap.String("channel", id), zap.String("variable", v.Name), zap.Error(err))
		}
	}
	err := retryARI(ctx, deadline, log, "continue", func(ctx context.Context) error {
		return ch.Continue(ctx, id, "", "", 0, "")
	})
	switch {
	case err == nil:
		log.Info("back to the dialplan", zap.String("channel", id), zap.String("status", status))
	case ari.IsGone(err):
	default:
		log.Error("continue failed; hanging up", zap.String("channel", id), zap.Error(err))
		hangupChannel(ctx, ch, id, deadline, log)
	}
}

// hangupChannel hangs channel id up, retrying while Asterisk does not
// answer (retryARI), until deadline: a leave's hang-up shares the leave's
// bound, so a whole hand-back takes at most ariRetryBound.
func hangupChannel(ctx context.Context, ch ChannelControl, id string, deadline time.Time, log *zap.Logger) {
	err := retryARI(ctx, deadline, log, "hangup", func(ctx context.Context) error {
		return ch.Hangup(ctx, id, "normal")
	})
	if err != nil && !ari.IsGone(err) {
		log.Error("hangup", zap.String("channel", id), zap.Error(err))
	}
}

// ariRetryBound bounds how long a request that must reach Asterisk for the
// caller not to be left in silence (a call's hand-back or hang-up) is
// retried while it gets no answer.
const ariRetryBound = 30 * time.Second

// recordRetryBound bounds how long a record request that gets no answer
// is sent again (call.record): a caller who heard the beep is speaking,
// and one who did not hears silence meanwhile. The last send may take the
// ARI client's timeout on top.
const recordRetryBound = 10 * time.Second

// retryARI runs req until Asterisk answers it (nil or an ARI status
// error: an answer, which retrying cannot change), ctx ends or deadline
// passes, with backoff from 100 ms to 2 s. It returns req's last error.
func retryARI(ctx context.Context, deadline time.Time, log *zap.Logger, what string, req func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	for {
		err := req(ctx)
		var se *ari.StatusError
		if err == nil || errors.As(err, &se) || ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return err
		}
		log.Warn(what+": no answer from Asterisk, retrying", zap.Duration("backoff", backoff), zap.Error(err))
		if !sleep(ctx, backoff) {
			return err
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// directory reads the mailboxes of context that the dial-by-name
// directory offers. A failure is the caller's "sorry".
func (c *call) directory(ctx context.Context, context string) *menus.DirectoryResult {
	if c.deps.dir == nil {
		return &menus.DirectoryResult{Failed: true}
	}
	entries, err := c.deps.dir.Directory(ctx, context)
	if err != nil {
		c.log.Error("read the directory", zap.String("context", context), zap.Error(err))
		return &menus.DirectoryResult{Failed: true}
	}
	out := make([]menus.DirEntry, len(entries))
	for i, e := range entries {
		out[i] = menus.DirEntry{Number: e.Number, Name: e.Name, Recording: e.NameRecording}
	}
	return &menus.DirectoryResult{Entries: out}
}

// record starts recording the caller, after a beep, until '#', silence or
// the maximum length. A failure to start comes back to the engine as a
// failed recording.
//
// A request that gets no answer (Asterisk too busy to answer within the
// client's timeout, its link cut) may have started the recording, and the
// caller may be speaking: it is sent again while it gets no answer, for
// about recordRetryBound (the last send may take the client's timeout on
// top). A repeat that finds the first one under way is answered "already
// exists" (ari.ErrRecordingInProgress: with ifExists=overwrite Asterisk
// refuses a name only while a live recording of it is under way), which
// means started; net/http's own repeat of a request whose kept-alive
// connection closed before the answer gets the same answer. Left open: a
// first send that got through and whose recording ended before the
// repeat (a caller quick to press '#' within the seconds the answer was
// awaited) is recorded over by the repeat.
func (c *call) record(ctx context.Context, cmd menus.Cmd) {
	c.recordStarted = time.Now()
	c.recording = cmd.Name
	// mayHaveStarted: a send got no answer after it went out, so Asterisk
	// may be recording the caller.
	mayHaveStarted := false
	err := retryARI(ctx, time.Now().Add(recordRetryBound), c.log, "record", func(ctx context.Context) error {
		_, err := c.deps.recorder.Record(ctx, c.id, ari.RecordOptions{
			Name:               cmd.Name,
			Format:             recordings.Format,
			MaxDurationSeconds: cmd.MaxSeconds,
			MaxSilenceSeconds:  cmd.MaxSilence,
			IfExists:           "overwrite",
			Beep:               true,
			TerminateOn:        "#",
		})
		mayHaveStarted = mayHaveStarted || ari.MayHaveActed(err)
		return err
	})
	if errors.Is(err, ari.ErrRecordingInProgress) {
		c.log.Info("record: an earlier send of this request is recording", zap.String("recording", cmd.Name))
		err = nil
	}
	if err == nil {
		return
	}
	if ari.IsGone(err) {
		if mayHaveStarted {
			// An unanswered send may have recorded the caller: the
			// hang-up that follows measures the recording and keeps the
			// message (keepMessageOnHangup), as for any call hung up
			// while recording.
			c.log.Info("record: channel gone after a send without an answer; the hang-up keeps what was recorded", zap.String("recording", cmd.Name))
			return
		}
		// Hung up before the recording started: nothing was recorded.
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: cmd.Name}}})
		return
	}
	c.log.Error("record", zap.String("recording", cmd.Name), zap.Error(err))
	c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: cmd.Name, Failed: true}}})
}

// authenticate checks a password. Every failure looks the same to the
// caller, so nobody can probe for mailboxes; the log says which it was.
func (c *call) authenticate(ctx context.Context, mailbox, pin string) *menus.LoginResult {
	id, err := state.ParseMailbox(mailbox)
	if err != nil {
		c.log.Info("login refused: invalid mailbox", zap.String("mailbox", mailbox))
		return &menus.LoginResult{}
	}
	mb, err := c.checkPIN(ctx, id, pin)
	switch {
	case errors.Is(err, state.ErrMailboxNotFound):
		c.log.Info("login refused: unknown mailbox", zap.Stringer("mailbox", id))
		return &menus.LoginResult{}
	case errors.Is(err, state.ErrWrongPIN):
		c.log.Info("login refused: wrong password", zap.Stringer("mailbox", id))
		return &menus.LoginResult{}
	case errors.Is(err, state.ErrLocked):
		c.log.Warn("login refused: mailbox locked after repeated failures", zap.Stringer("mailbox", id))
		return &menus.LoginResult{}
	case err != nil:
		// No try is counted: the caller hears sorry and is asked again.
		c.log.Error("login failed: password could not be checked; asking for it again", zap.Stringer("mailbox", id), zap.Error(err))
		return &menus.LoginResult{Unavailable: true}
	}
	// Authenticate reads the counts and greetings in the round trip that
	// clears the failure count; ask again only if that read failed.
	var counts state.Counts
	var greetings map[state.GreetingKind]string
	if sum := mb.Summary; sum != nil {
		counts, greetings = sum.Counts, sum.Greetings
		if sum.Listed != nil {
			c.listed = &loginListing{mailbox: id, ids: sum.Listed, at: time.Now()}
		}
	} else {
		if counts, err = c.deps.auth.Counts(ctx, id); err != nil {
			c.log.Error("read counts", zap.Stringer("mailbox", id), zap.Error(err))
		}
		if greetings, err = c.deps.auth.Greetings(ctx, id); err != nil {
			c.log.Error("read greetings", zap.Stringer("mailbox", id), zap.Error(err))
		}
	}
	has := make(map[state.GreetingKind]bool, len(greetings))
	for kind, rec := range greetings {
		if rec != "" {
			has[kind] = true
		}
	}
	if len(has) == 0 {
		has = nil
	}
	c.log.Info("login", zap.Stringer("mailbox", id), zap.Int("urgent", counts.Urgent), zap.Int("new", counts.New), zap.Int("old", counts.Old),
		zap.Bool("first_login", mb.PINIsDefault))
	return &menus.LoginResult{
		OK:         true,
		Mailbox:    id,
		Lang:       mb.Language,
		Counts:     menus.Counts{New: counts.New, Old: counts.Old, Urgent: counts.Urgent},
		Greetings:  has,
		NeedsSetup: mb.PINIsDefault,
		Options:    c.deps.cfg.boxOptions(mb),
	}
}

// checkPIN checks pin for mailbox id, retrying with backoff while Redis
// does not answer, for up to the call's login wait (waits.go), as a
// deposit retries: a Redis restart or failover during a login must not
// end the call. An answer (unknown mailbox, wrong PIN, locked out) is not
// retried. A retry after a reply that was lost may count the attempt
// twice towards the lockout (state's auth_begin counts it before the
// compare): that errs on the side of the lockout, and a right PIN clears
// the count.
func (c *call) checkPIN(ctx context.Context, id state.MailboxID, pin string) (state.Mailbox, error) {
	deadline := time.Now().Add(c.deps.waits.loginFor())
	backoff := 100 * time.Millisecond
	for {
		mb, err := c.deps.auth.Authenticate(ctx, id, pin)
		if err == nil || pinAnswer(err) || ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return mb, err
		}
		c.log.Warn("password check failed, retrying", zap.Stringer("mailbox", id), zap.Duration("backoff", backoff), zap.Error(err))
		if !sleep(ctx, backoff) {
			return mb, err
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// pinAnswer reports whether an error of a password check is its answer,
// which a retry cannot change.
func pinAnswer(err error) bool {
	for _, e := range []error{state.ErrMailboxNotFound, state.ErrWrongPIN, state.ErrLocked, state.ErrInvalidMailbox} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (c *call) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}
