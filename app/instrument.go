package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/state"
)

// instrument makes every call count its ARI and Redis failures into
// voicemail_errors_total, and the MWI publisher its publications, by
// wrapping their dependencies; the code that uses them is unchanged. Each
// wrapper embeds the interface it wraps, so a method added to that
// interface later passes through uncounted rather than breaking the build.
func (m *metrics) instrument(deps *call.Deps) {
	deps.Metrics = m
	deps.Player = countingPlayer{deps.Player, m}
	deps.Recorder = countingRecorder{deps.Recorder, m}
	deps.Channel = countingChannel{deps.Channel, m}
	deps.Sessions = countingSessions{deps.Sessions, m}
	deps.Messages = countingMessages{deps.Messages, m}
	deps.Auth = countingAuth{deps.Auth, m}
	deps.Owner = countingOwner{deps.Owner, m}
	deps.Audio = countingAudio{deps.Audio, m}
}

// instrumentMWI makes the MWI publisher count its publications and its
// Redis and ARI failures.
func (m *metrics) instrumentMWI(mwi *mwiPublisher) {
	mwi.store = countingMWIState{mwi.store, m}
	publish := mwi.publish
	mwi.publish = func(ctx context.Context, on originator, id state.MailboxID, v state.MWI) error {
		err := publish(ctx, on, id, v)
		if err == nil {
			m.mwiPublication()
		}
		m.count(opARIMWI, err)
		return err
	}
}

// count counts err as a failure of op unless it is an outcome rather than a
// failure: the caller hung up (the channel or playback is gone, the call's
// context ended), a playback had already finished, or Redis gave a
// refusal the caller hears about (unknown mailbox, wrong PIN, locked, full).
// A write that too few replicas confirmed is no failure either (the master
// has it): voicemail_redis_not_replicated_total counts it.
func (m *metrics) count(op string, err error) {
	if errors.Is(err, state.ErrNotReplicated) {
		m.replicationMissed(op)
		return
	}
	if err == nil || benign(err) {
		return
	}
	m.failed(op)
}

func benign(err error) bool {
	return ari.IsGone(err) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, ari.ErrConflict) ||
		errors.Is(err, state.ErrMailboxNotFound) ||
		errors.Is(err, state.ErrWrongPIN) ||
		errors.Is(err, state.ErrLocked) ||
		errors.Is(err, state.ErrMailboxFull) ||
		errors.Is(err, state.ErrMessageNotFound)
}

type countingPlayer struct {
	call.Player
	m *metrics
}

func (p countingPlayer) Play(ctx context.Context, channelID, playbackID string, media []string, lang string) (ari.Playback, error) {
	pb, err := p.Player.Play(ctx, channelID, playbackID, media, lang)
	p.m.count(opARIPlayback, err)
	return pb, err
}

func (p countingPlayer) StopPlayback(ctx context.Context, playbackID string) error {
	err := p.Player.StopPlayback(ctx, playbackID)
	p.m.count(opARIPlayback, err)
	return err
}

func (p countingPlayer) ControlPlayback(ctx context.Context, playbackID string, op ari.PlaybackOperation) error {
	err := p.Player.ControlPlayback(ctx, playbackID, op)
	p.m.count(opARIPlayback, err)
	return err
}

type countingRecorder struct {
	call.Recorder
	m *metrics
}

func (r countingRecorder) Record(ctx context.Context, channelID string, opts ari.RecordOptions) (ari.LiveRecording, error) {
	rec, err := r.Recorder.Record(ctx, channelID, opts)
	r.m.count(opARIRecord, err)
	return rec, err
}

type countingChannel struct {
	call.ChannelControl
	m *metrics
}

func (c countingChannel) Hangup(ctx context.Context, channelID, reason string) error {
	err := c.ChannelControl.Hangup(ctx, channelID, reason)
	c.m.count(opARIChannel, err)
	return err
}

func (c countingChannel) SetVariable(ctx context.Context, channelID, name, value string) error {
	err := c.ChannelControl.SetVariable(ctx, channelID, name, value)
	c.m.count(opARIChannel, err)
	return err
}

func (c countingChannel) Continue(ctx context.Context, channelID, dialplanContext, extension string, priority int, label string) error {
	err := c.ChannelControl.Continue(ctx, channelID, dialplanContext, extension, priority, label)
	c.m.count(opARIChannel, err)
	return err
}

type countingSessions struct {
	call.SessionStore
	m *metrics
}

func (s countingSessions) SaveSession(ctx context.Context, sess state.Session) error {
	err := s.SessionStore.SaveSession(ctx, sess)
	s.m.count(opRedisSession, err)
	return err
}

func (s countingSessions) EndSession(ctx context.Context, channelID string, epoch int64) error {
	err := s.SessionStore.EndSession(ctx, channelID, epoch)
	s.m.count(opRedisSession, err)
	return err
}

func (s countingSessions) Own(ctx context.Context, instance, channelID string, own bool) error {
	err := s.SessionStore.Own(ctx, instance, channelID, own)
	s.m.count(opRedisSession, err)
	return err
}

type countingMessages struct {
	call.MessageStore
	m *metrics
}

func (s countingMessages) Deposit(ctx context.Context, msg state.Message) (state.MWI, error) {
	v, err := s.MessageStore.Deposit(ctx, msg)
	s.m.count(opRedisMessages, err)
	return v, err
}

func (s countingMessages) Messages(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error) {
	msgs, err := s.MessageStore.Messages(ctx, id, f)
	s.m.count(opRedisMessages, err)
	return msgs, err
}

func (s countingMessages) Move(ctx context.Context, id state.MailboxID, msgID string, to state.Folder) (state.MWI, error) {
	v, err := s.MessageStore.Move(ctx, id, msgID, to)
	s.m.count(opRedisMessages, err)
	return v, err
}

func (s countingMessages) CloseFolder(ctx context.Context, id state.MailboxID, f state.Folder, heard, deleted []string) ([]string, state.MWI, error) {
	removed, v, err := s.MessageStore.CloseFolder(ctx, id, f, heard, deleted)
	s.m.count(opRedisMessages, err)
	return removed, v, err
}

type countingAuth struct {
	call.Authenticator
	m *metrics
}

func (a countingAuth) Authenticate(ctx context.Context, id state.MailboxID, pin string) (state.Mailbox, error) {
	mb, err := a.Authenticator.Authenticate(ctx, id, pin)
	a.m.count(opRedisMailbox, err)
	a.m.loginRefused(err)
	return mb, err
}

func (a countingAuth) Counts(ctx context.Context, id state.MailboxID) (state.Counts, error) {
	c, err := a.Authenticator.Counts(ctx, id)
	a.m.count(opRedisMailbox, err)
	return c, err
}

func (a countingAuth) Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error) {
	g, err := a.Authenticator.Greetings(ctx, id)
	a.m.count(opRedisMailbox, err)
	return g, err
}

type countingOwner struct {
	call.OwnerStore
	m *metrics
}

func (o countingOwner) SetGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind, recording string) (string, error) {
	old, err := o.OwnerStore.SetGreeting(ctx, id, kind, recording)
	o.m.count(opRedisMailbox, err)
	return old, err
}

func (o countingOwner) ClearGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind) (string, error) {
	old, err := o.OwnerStore.ClearGreeting(ctx, id, kind)
	o.m.count(opRedisMailbox, err)
	return old, err
}

func (o countingOwner) SetPIN(ctx context.Context, id state.MailboxID, pin string) error {
	err := o.OwnerStore.SetPIN(ctx, id, pin)
	o.m.count(opRedisMailbox, err)
	return err
}

type countingAudio struct {
	call.AudioStore
	m *metrics
}

func (a countingAudio) Delete(ctx context.Context, names ...string) error {
	err := a.AudioStore.Delete(ctx, names...)
	a.m.count(opARIRecordings, err)
	return err
}

func (a countingAudio) Copy(ctx context.Context, from, to string) error {
	err := a.AudioStore.Copy(ctx, from, to)
	a.m.count(opARIRecordings, err)
	return err
}

func (a countingAudio) Seconds(ctx context.Context, name string) (int, error) {
	s, err := a.AudioStore.Seconds(ctx, name)
	a.m.count(opARIRecordings, err)
	return s, err
}

func (a countingAudio) Exists(ctx context.Context, name string) (bool, error) {
	ok, err := a.AudioStore.Exists(ctx, name)
	a.m.count(opARIRecordings, err)
	return ok, err
}

type countingMWIState struct {
	mwiState
	m *metrics
}

func (s countingMWIState) MWIState(ctx context.Context, id state.MailboxID) (state.MWI, error) {
	v, err := s.mwiState.MWIState(ctx, id)
	s.m.count(opRedisMWI, err)
	return v, err
}

func (s countingMWIState) ClaimMWI(ctx context.Context, id state.MailboxID, v int64) (bool, error) {
	ok, err := s.mwiState.ClaimMWI(ctx, id, v)
	s.m.count(opRedisMWI, err)
	return ok, err
}

// Compile-time checks that each wrapper still satisfies its interface.
var (
	_ call.Player         = countingPlayer{}
	_ call.Recorder       = countingRecorder{}
	_ call.ChannelControl = countingChannel{}
	_ call.SessionStore   = countingSessions{}
	_ call.MessageStore   = countingMessages{}
	_ call.ListedReader   = countingMessages{}
	_ call.Authenticator  = countingAuth{}
	_ call.OwnerStore     = countingOwner{}
	_ call.AudioStore     = countingAudio{}
	_ mwiState            = countingMWIState{}
)

// StopRecording passes the stop of a live recording on, when the recorder
// it wraps can (call.RecordingStopper).
func (r countingRecorder) StopRecording(ctx context.Context, name string) error {
	s, ok := r.Recorder.(call.RecordingStopper)
	if !ok {
		return fmt.Errorf("app: recorder %T cannot stop a recording", r.Recorder)
	}
	return s.StopRecording(ctx, name)
}

// MessagesListed passes a folder's listing from the ids a login read on,
// counted as Messages is, when the store it wraps can
// (call.ListedReader); otherwise it lists the folder afresh. Without it
// the instrumented store hid the wrapped one's MessagesListed, and every
// login listed its first folder again: one more Redis round trip between
// the PIN's '#' and "you have".
func (s countingMessages) MessagesListed(ctx context.Context, id state.MailboxID, f state.Folder, ids []string) ([]state.Message, error) {
	var msgs []state.Message
	var err error
	if r, ok := s.MessageStore.(call.ListedReader); ok {
		msgs, err = r.MessagesListed(ctx, id, f, ids)
	} else {
		msgs, err = s.MessageStore.Messages(ctx, id, f)
	}
	s.m.count(opRedisMessages, err)
	return msgs, err
}
