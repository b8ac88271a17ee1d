package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// playbackEvent is a Playback* event of the caller's side, when it arrived.
type playbackEvent struct {
	kind  string // started, continuing, finished
	id    string
	media string
	at    time.Time
}

// TestIntegrationPlaybackRestartOperation checks, against the real
// Asterisk, what ARI's "restart" playback operation does, which is why '2'
// does not use it (menus.restartMessage): on a playback of several media
// (a message and its introduction) it restarts only the item playing, and
// on a paused playback Asterisk refuses it.
func TestIntegrationPlaybackRestartOperation(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	events := make(chan playbackEvent, 64)
	hook := func(ev ari.Event, onB bool) {
		if onB {
			return
		}
		now := time.Now()
		switch e := ev.(type) {
		case *ari.PlaybackStarted:
			events <- playbackEvent{"started", e.Playback.ID, e.Playback.MediaURI, now}
		case *ari.PlaybackContinuing:
			events <- playbackEvent{"continuing", e.Playback.ID, e.Playback.MediaURI, now}
		case *ari.PlaybackFinished:
			events <- playbackEvent{"finished", e.Playback.ID, e.Playback.MediaURI, now}
		}
	}
	// The caller's side of a call, answered and in no bridge, to play to.
	call, err := h.caller.Dial(ctx, "*97", "vm-test", "Alice <1001>", testenv.Recordable(), testenv.WithEvents(hook))
	must(t, err)
	t.Cleanup(func() { _ = call.Hangup(context.Background()) })
	must(t, call.WaitAnswered(ctx))
	client := h.caller.Client
	next := func(id, kind string) playbackEvent {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.id == id && e.kind == kind {
					return e
				}
			case <-ctx.Done():
				t.Fatalf("no %s of playback %s", kind, id)
			}
		}
	}

	// How long vm-intro plays on its own.
	_, err = client.Play(ctx, call.A, "rs-alone", []string{"sound:vm-intro"}, "en")
	must(t, err)
	started := next("rs-alone", "started")
	alone := next("rs-alone", "finished").at.Sub(started.at)

	// vm-opts then vm-intro; restart once vm-intro has played a while.
	_, err = client.Play(ctx, call.A, "rs-two", []string{"sound:vm-opts", "sound:vm-intro"}, "en")
	must(t, err)
	for e := next("rs-two", "started"); e.media != "sound:vm-intro"; e = next("rs-two", "started") {
	}
	time.Sleep(alone / 2)
	restarted := time.Now()
	must(t, client.ControlPlayback(ctx, "rs-two", ari.OpRestart))
	var after []string
	var finished time.Time
	for finished.IsZero() {
		select {
		case e := <-events:
			switch {
			case e.id != "rs-two":
			case e.kind == "finished":
				finished = e.at
			default:
				after = append(after, e.kind+" "+e.media)
			}
		case <-ctx.Done():
			t.Fatal("the restarted playback did not finish")
		}
	}
	for _, e := range after {
		if e == "started sound:vm-opts" {
			t.Errorf("restart went back to the first media: %v", after)
		}
	}
	// The item playing started over: it lasted a whole vm-intro after the
	// restart, not the half that was left.
	if d := finished.Sub(restarted); d < alone-alone/4 {
		t.Errorf("after restart the playback ended in %s; vm-intro alone lasts %s", d, alone)
	}

	// A paused playback cannot be restarted.
	_, err = client.Play(ctx, call.A, "rs-paused", []string{"sound:vm-opts"}, "en")
	must(t, err)
	next("rs-paused", "started")
	must(t, client.ControlPlayback(ctx, "rs-paused", ari.OpPause))
	if err := client.ControlPlayback(ctx, "rs-paused", ari.OpRestart); !errors.Is(err, ari.ErrConflict) {
		t.Errorf("restart of a paused playback: %v, want a conflict", err)
	}
	must(t, client.StopPlayback(ctx, "rs-paused"))
}

// TestIntegrationRestartKeyReplaysWholeMessage: '2' while a message plays
// restarts it as app_voicemail's listen_control_restart_key does; the
// caller hears the whole message again, its introduction first, whether
// it was playing or paused.
func TestIntegrationRestartKeyReplaysWholeMessage(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	// Real audio: a message left in 1001, copied as 1002's message and
	// its introduction.
	h.leaveMessage(ctx, "1001", "Carol <2001>", 6*time.Second)
	src := h.waitMessages(ctx, state.FolderNew, 1)[0].Recording
	mb := box("1002")
	copyAudio := func() string {
		t.Helper()
		name, err := recordings.MessageName(mb, state.NewMessageID(time.Now()))
		must(t, err)
		_, err = h.caller.Client.CopyStored(ctx, src, name)
		must(t, err)
		t.Cleanup(func() { _ = h.caller.Client.DeleteStored(context.Background(), name) })
		return name
	}
	msg, intro := copyAudio(), copyAudio()
	_, err := h.store().Deposit(ctx, state.Message{ID: state.NewMessageID(time.Now()), Mailbox: mb, Folder: state.FolderNew,
		Recording: msg, Intro: intro, CallerNum: "1001", Received: time.Now(), Duration: 6 * time.Second})
	must(t, err)

	call := h.dial(ctx, "*97", "Bob <1002>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "4321#"))
	must(t, call.WaitFor(ctx, "vm-helpexit"))
	must(t, call.Press(ctx, "1"))
	must(t, call.WaitFor(ctx, "vm-first"))
	must(t, call.Press(ctx, "1")) // skip the envelope
	must(t, call.WaitFor(ctx, "recording:"+intro))
	must(t, call.Expect(ctx, "recording:"+msg))
	// While the message itself plays: the introduction, then the message.
	must(t, call.Press(ctx, "2"))
	must(t, call.Expect(ctx, "recording:"+intro, "recording:"+msg))
	// Paused, then 2: the same.
	must(t, call.Press(ctx, "0"))
	must(t, call.Press(ctx, "2"))
	must(t, call.Expect(ctx, "recording:"+intro, "recording:"+msg))
	// It plays to its end, and the message menu follows.
	must(t, call.Expect(ctx, "vm-advopts", "vm-repeat", "vm-delete", "vm-toforward", "vm-savemessage", "vm-helpexit"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Expect(ctx, "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
}
