package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// player plays, stops and steers prompts and messages on a channel.
type player interface {
	Play(ctx context.Context, channelID, playbackID string, media []string, lang string) (ari.Playback, error)
	StopPlayback(ctx context.Context, playbackID string) error
	ControlPlayback(ctx context.Context, playbackID string, op ari.PlaybackOperation) error
}

// recorder records the caller.
type recorder interface {
	Record(ctx context.Context, channelID string, opts ari.RecordOptions) (ari.LiveRecording, error)
}

// channelControl ends calls or hands them back to the dialplan.
type channelControl interface {
	Hangup(ctx context.Context, channelID, reason string) error
	SetVariable(ctx context.Context, channelID, name, value string) error
	Continue(ctx context.Context, channelID, dialplanContext, extension string, priority int, label string) error
}

// mover moves a channel into another ARI application (a handover).
type mover interface {
	Move(ctx context.Context, channelID, app string, appArgs []string) error
}

// messageStore keeps messages and their folders.
type messageStore interface {
	Deposit(ctx context.Context, m state.Message) (state.MWI, error)
	Messages(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error)
	Move(ctx context.Context, id state.MailboxID, msgID string, to state.Folder) (state.MWI, error)
	CloseFolder(ctx context.Context, id state.MailboxID, f state.Folder, heard, deleted []string) ([]string, state.MWI, error)
}

// audioStore deletes, copies and measures recorded audio.
type audioStore interface {
	Delete(ctx context.Context, names ...string) error
	Copy(ctx context.Context, from, to string) error
	Seconds(ctx context.Context, name string) (int, error)
}

// mwiNotifier is told whenever a mailbox's New/Old counts may have changed.
type mwiNotifier interface {
	Changed(id state.MailboxID)
}

// authenticator checks passwords and reads what login announces.
type authenticator interface {
	Authenticate(ctx context.Context, id state.MailboxID, pin string) (state.Mailbox, error)
	Counts(ctx context.Context, id state.MailboxID) (state.Counts, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
}

// ownerStore makes the mailbox owner's changes.
type ownerStore interface {
	SetGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind, recording string) (string, error)
	ClearGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind) (string, error)
	SetPIN(ctx context.Context, id state.MailboxID, pin string) error
}

// messageReader reads one message (to forward it).
type messageReader interface {
	Message(ctx context.Context, id state.MailboxID, msgID string) (state.Message, error)
}

// sessionStore keeps the state another instance needs to resume a call,
// fenced by the call's epoch.
type sessionStore interface {
	SaveSession(ctx context.Context, s state.Session) error
	EndSession(ctx context.Context, channelID string, epoch int64) error
	Own(ctx context.Context, instance, channelID string, own bool) error
}

// callDeps is what every call shares.
type callDeps struct {
	engine   *menus.Engine
	player   player
	recorder recorder
	channel  channelControl
	mover    mover
	checker  channelChecker
	auth     authenticator
	sessions sessionStore
	messages messageStore
	reader   messageReader
	owner    ownerStore
	lookup   depositLookup
	audio    audioStore
	mwi      mwiNotifier
	cfg      VoicemailConfig
	instance string
	app      string
	metrics  *metrics // nil counts nothing (metrics.go)
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
	// cancel ends the call's goroutine (set by the app when it starts it).
	cancel context.CancelFunc
	// recordStarted is when the current recording was started: the time a
	// message is received.
	recordStarted time.Time
	// recording is the name of the current or last recording started.
	recording string
	// epoch is this instance's fencing token for the call: 1 for a call it
	// took from the dialplan, higher for one it took over.
	epoch int64
	// gone is set when the call is no longer this instance's: another one
	// took it over (a save was refused as stale) or it was handed on at
	// shutdown. Nothing more is done for it, and its session is kept.
	gone bool
	obs  callMetrics // DTMF-to-prompt clock, deposit outcome (metrics.go)

	// savedListing is the Box.Listing of the folder listing last saved
	// with the session, 0 if none: the listing is saved once per load.
	savedListing int
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
			c.step(ctx, it.ev)
		}
		if c.gone {
			c.log.Info("call left this instance", zap.Duration("duration", time.Since(c.created)))
			return
		}
		if c.s.Phase == menus.PhaseDone {
			c.end(context.WithoutCancel(ctx))
			c.log.Info("call ended", zap.Duration("duration", time.Since(c.created)))
			return
		}
	}
}

// step applies ev, saves the new state and carries out the commands.
func (c *call) step(ctx context.Context, ev menus.Event) {
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
		c.log.Info("menu", zap.String("from", string(before.Menu)), zap.String("to", string(c.s.Menu)))
	}
	if c.s.Phase != menus.PhaseDone && (len(cmds) > 0 || before.Menu != c.s.Menu) {
		c.save(ctx)
	}
	if c.gone {
		return // another instance owns the call now: its commands are not ours
	}
	for _, cmd := range cmds {
		c.exec(ctx, cmd)
	}
}

func (c *call) save(ctx context.Context) {
	// The folder listing is saved apart, with the first save after it was
	// loaded; the menu state keeps only the cursor and marks.
	split := c.s.Split(c.deps.engine.Tree())
	menu, err := json.Marshal(split)
	if err != nil {
		c.log.Error("encode session", zap.Error(err))
		return
	}
	sess := state.Session{
		ChannelID: c.id,
		Instance:  c.deps.instance,
		App:       c.deps.app,
		Epoch:     c.epoch,
		Menu:      menu,
	}
	listingID := 0
	if split.Box != nil && split.Box.Listing != c.savedListing {
		listingID = split.Box.Listing
		if sess.Listing, err = json.Marshal(c.s.FolderListing()); err != nil {
			c.log.Error("encode folder listing", zap.Error(err))
			return
		}
	}
	if c.s.Authenticated {
		sess.Mailbox = c.s.Mailbox
	}
	// Bounded: a slow Redis must not hold the next prompt back.
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	err = c.deps.sessions.SaveSession(ctx, sess)
	switch {
	case errors.Is(err, state.ErrStaleEpoch):
		// This instance was presumed dead (paused, or cut off from Redis
		// longer than its lease) and another one took the call over: stop
		// at once, so the two never both act on it.
		c.log.Warn("call taken over by another instance; leaving it", zap.Int64("epoch", c.epoch), zap.Error(err))
		c.gone = true
	case err != nil:
		// The call goes on: the record only matters if this instance dies.
		c.log.Warn("save session", zap.Error(err))
	case sess.Listing != nil:
		c.savedListing = listingID
	}
}

// measure returns the length of finished recording name in seconds: 0 if
// it does not exist. When it cannot be measured, the message is kept (as
// long as the minimum) rather than lost.
func (c *call) measure(ctx context.Context, name string) int {
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
	if d := c.s.Deposit; d != nil {
		return max(d.MinSeconds, 1)
	}
	return 1
}

// end removes the session of a call that ended here, unless another
// instance has taken the call over meanwhile.
func (c *call) end(ctx context.Context) {
	if err := c.deps.sessions.EndSession(ctx, c.id, c.epoch); err != nil && !errors.Is(err, state.ErrStaleEpoch) {
		c.log.Warn("end session", zap.Error(err))
	}
	if err := c.deps.sessions.Own(ctx, c.deps.instance, c.id, false); err != nil {
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
		if _, err := c.deps.player.Play(ctx, c.id, cmd.ID, media, cmd.Lang); err != nil {
			if ari.IsGone(err) {
				return // the hangup's StasisEnd follows
			}
			// Carry on as if the prompt had ended, so the caller is not left
			// in silence with no timer running.
			c.log.Error("play", zap.Strings("media", cmd.Media), zap.Error(err))
			c.in.push(item{ev: menus.PromptDone(cmd.ID)})
		}
	case menus.CmdStop:
		if err := c.deps.player.StopPlayback(ctx, cmd.ID); err != nil && !ari.IsGone(err) {
			c.log.Warn("stop playback", zap.String("playback", cmd.ID), zap.Error(err))
		}
	case menus.CmdTimer:
		c.stopTimer()
		gen := cmd.Gen
		c.timer = time.AfterFunc(cmd.After, func() { c.in.push(item{ev: menus.Timeout(gen)}) })
	case menus.CmdAuthenticate:
		c.in.push(item{ev: menus.Event{Kind: menus.EvLogin, Login: c.authenticate(ctx, cmd.Mailbox, cmd.PIN)}})
	case menus.CmdHangup:
		if err := c.deps.channel.Hangup(ctx, c.id, "normal"); err != nil && !ari.IsGone(err) {
			c.log.Warn("hangup", zap.Error(err))
		}
	case menus.CmdContinue:
		c.leave(ctx, cmd.Status)
	case menus.CmdControl:
		err := c.deps.player.ControlPlayback(ctx, cmd.ID, ari.PlaybackOperation(cmd.Op))
		if err != nil && !ari.IsGone(err) && !errors.Is(err, ari.ErrConflict) {
			c.log.Warn("control playback", zap.String("op", cmd.Op), zap.Error(err))
		}
	case menus.CmdRecord:
		c.record(ctx, cmd)
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
		c.in.push(item{ev: menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: cmd.Name, Duration: c.measure(ctx, cmd.Name)}}})
	case menus.CmdSaveMessage:
		c.in.push(item{ev: menus.Event{Kind: menus.EvSaved, Saved: c.saveMessage(ctx, cmd)}})
	case menus.CmdLoadFolder:
		c.in.push(item{ev: menus.Event{Kind: menus.EvFolder, Folder: c.loadFolder(ctx, cmd)}})
	case menus.CmdCloseFolder:
		c.closeFolder(ctx, cmd)
	case menus.CmdMove:
		c.in.push(item{ev: menus.Event{Kind: menus.EvMoved, Saved: c.move(ctx, cmd)}})
	case menus.CmdRecordGreeting:
		c.recordGreeting(ctx, cmd)
	case menus.CmdSetGreeting, menus.CmdClearGreeting, menus.CmdSetPIN:
		c.in.push(item{ev: menus.Event{Kind: menus.EvDone, Saved: c.ownerChange(ctx, cmd)}})
	case menus.CmdPrepareDeposit:
		c.in.push(item{ev: menus.Event{Kind: menus.EvMailbox, Target: c.prepareTarget(ctx, cmd)}})
	case menus.CmdForward:
		c.in.push(item{ev: menus.Event{Kind: menus.EvDone, Saved: c.forward(ctx, cmd)}})
	}
}

// leave hands the call back to the dialplan with VOICEMAIL_STATUS set, as
// app_voicemail sets VMSTATUS. A channel that cannot be continued is hung
// up rather than left in the app with nobody serving it.
func (c *call) leave(ctx context.Context, status string) {
	leaveChannel(ctx, c.deps.channel, c.id, status, c.log)
}

// leaveChannel is leave for a channel that has no call (bad arguments).
func leaveChannel(ctx context.Context, ch channelControl, id, status string, log *zap.Logger) {
	if err := ch.SetVariable(ctx, id, "VOICEMAIL_STATUS", status); err != nil && !ari.IsGone(err) {
		log.Warn("set VOICEMAIL_STATUS", zap.String("channel", id), zap.Error(err))
	}
	err := ch.Continue(ctx, id, "", "", 0, "")
	switch {
	case err == nil:
		log.Info("back to the dialplan", zap.String("channel", id), zap.String("status", status))
	case ari.IsGone(err):
	default:
		log.Error("continue failed; hanging up", zap.String("channel", id), zap.Error(err))
		if err := ch.Hangup(ctx, id, "normal"); err != nil && !ari.IsGone(err) {
			log.Error("hangup", zap.String("channel", id), zap.Error(err))
		}
	}
}

// record starts recording the caller, after a beep, until '#', silence or
// the maximum length. A failure to start comes back to the engine as a
// failed recording.
func (c *call) record(ctx context.Context, cmd menus.Cmd) {
	c.recordStarted = time.Now()
	c.recording = cmd.Name
	_, err := c.deps.recorder.Record(ctx, c.id, ari.RecordOptions{
		Name:               cmd.Name,
		Format:             recordings.Format,
		MaxDurationSeconds: cmd.MaxSeconds,
		MaxSilenceSeconds:  cmd.MaxSilence,
		IfExists:           "overwrite",
		Beep:               true,
		TerminateOn:        "#",
	})
	if err == nil {
		return
	}
	if ari.IsGone(err) {
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
	mb, err := c.deps.auth.Authenticate(ctx, id, pin)
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
		c.log.Error("login failed: password could not be checked", zap.Stringer("mailbox", id), zap.Error(err))
		return &menus.LoginResult{Unavailable: true}
	}
	// Authenticate reads the counts and greetings in the round trip that
	// clears the failure count; ask again only if that read failed.
	var counts state.Counts
	var greetings map[state.GreetingKind]string
	if sum := mb.Summary; sum != nil {
		counts, greetings = sum.Counts, sum.Greetings
	} else {
		if counts, err = c.deps.auth.Counts(ctx, id); err != nil {
			c.log.Error("read counts", zap.Stringer("mailbox", id), zap.Error(err))
		}
		if greetings, err = c.deps.auth.Greetings(ctx, id); err != nil {
			c.log.Error("read greetings", zap.Stringer("mailbox", id), zap.Error(err))
		}
	}
	has := make(map[string]bool, len(greetings))
	for kind, rec := range greetings {
		if rec != "" {
			has[string(kind)] = true
		}
	}
	if len(has) == 0 {
		has = nil
	}
	c.log.Info("login", zap.Stringer("mailbox", id), zap.Int("new", counts.New), zap.Int("old", counts.Old),
		zap.Bool("first_login", mb.PINIsDefault))
	return &menus.LoginResult{
		OK:         true,
		Mailbox:    id.String(),
		Lang:       mb.Language,
		Counts:     menus.Counts{New: counts.New, Old: counts.Old},
		Greetings:  has,
		NeedsSetup: mb.PINIsDefault,
	}
}

func (c *call) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}
