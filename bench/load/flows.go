package load

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/state"
)

// causeNormal is Q.850 cause 16, normal clearing: how the app hangs up
// after goodbye, and how the [vm-load] dialplan ends a deposit whose
// VOICEMAIL_STATUS is SUCCESS (any other status ends with cause 21).
const causeNormal = 16

// talkMedia is what a depositing caller "says": long prompts, so that media
// frames flow for the whole of Options.Talk (ARI recordings need them).
var talkMedia = []string{"sound:vm-opts", "sound:vm-intro", "sound:vm-opts", "sound:vm-intro"}

// callResult is the outcome of one call.
type callResult struct {
	flow string
	// target is TargetOurs or TargetAVM.
	target string
	// extension is the dialled extension in the flow's context.
	extension string
	mailbox   state.MailboxID
	// callerNum is the caller ID number; deposits are found by it.
	callerNum string
	// ok: every expected prompt was heard in order and B ended with
	// cause 16. The step's check of Redis may still clear it.
	ok bool
	// reason says why the call failed.
	reason     string
	start, end time.Time
	events     []callEvent
}

// script runs one call's steps and records the first failure.
type script struct {
	r   *runner
	ctx context.Context
	cl  *call
	err error
}

func (s *script) do(what string, f func() error) {
	if s.err != nil {
		return
	}
	if err := f(); err != nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
}

// hear waits until the caller hears media ("sound:vm-intro",
// "recording:NAME"), skipping what comes before it.
func (s *script) hear(media string) {
	s.do("hear "+media, func() error { return s.cl.WaitFor(s.ctx, strings.TrimPrefix(media, "sound:")) })
}

func (s *script) press(digits string) {
	s.do("press "+digits, func() error { return s.cl.Press(s.ctx, digits) })
}

func (s *script) pause(d time.Duration) {
	s.do("wait", func() error {
		select {
		case <-time.After(d):
			return nil
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
	})
}

// place dials, runs body, waits for the end and fills res.
func (r *runner) place(ctx context.Context, res *callResult, extension, callerID string, body func(*script)) {
	ctx, cancel := context.WithTimeout(ctx, r.o.CallTimeout)
	defer cancel()
	r.live.Add(1)
	defer r.live.Add(-1)
	res.start = time.Now()
	defer func() { res.end = time.Now() }()
	cl, err := r.dial(ctx, extension, callerID)
	if err != nil {
		res.reason = err.Error()
		return
	}
	defer r.caller.Forget(cl.Call)
	s := &script{r: r, ctx: ctx, cl: cl}
	s.do("answer", func() error { return cl.waitAnswered(ctx) })
	body(s)
	if s.err == nil {
		cause, err := cl.WaitDestroyed(ctx)
		switch {
		case err != nil:
			s.err = fmt.Errorf("end: %w", err)
		case cause != causeNormal:
			s.err = fmt.Errorf("ended with hangup cause %d, want %d", cause, causeNormal)
		}
	}
	res.events = cl.snapshot()
	if s.err != nil {
		res.reason = s.err.Error()
		// Leave nothing behind: the app's own goodbye did not come.
		hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		cl.hangup(hctx)
		hcancel()
		return
	}
	res.ok = true
}

// listenCall is *97 for the slot's mailbox: PIN, 1, the message plays for
// Options.Listen, then 9 2 (save to Work) and # — or, with ListenEnd
// "exit", the message to its end and # — then goodbye.
func (r *runner) listenCall(ctx context.Context, slot int) callResult {
	box := r.listenBox(slot)
	res := callResult{flow: FlowListen, mailbox: box, callerNum: box.Number}
	r.place(ctx, &res, "*97", `"Load listen" <`+box.Number+`>`, func(s *script) {
		s.hear("sound:vm-password")
		s.pause(r.o.Think)
		s.press(listenPIN + "#")
		s.hear("sound:vm-youhave")
		s.pause(r.o.Think)
		s.press("1")
		s.hear("recording:" + r.seed)
		if r.o.ListenEnd == "exit" {
			s.hear("sound:vm-advopts")
			s.pause(r.o.Think)
			s.press("#")
			s.hear("sound:vm-goodbye")
			return
		}
		s.pause(r.o.Listen)
		s.press("9")
		s.hear("sound:vm-savefolder")
		s.pause(r.o.Think)
		s.press("2")
		s.hear("sound:vm-savedto")
		s.pause(r.o.Think)
		s.press("#")
		s.hear("sound:vm-goodbye")
	})
	return res
}

// depositCall leaves a message in the slot's deposit mailbox: the greeting
// up to vm-intro, #, the recording starts, Options.Talk of speech, #, and
// "message saved".
func (r *runner) depositCall(ctx context.Context, slot int) callResult {
	box := r.depositBox(slot)
	num := "9" + strconv.Itoa(100000+int(r.seq.Add(1)))
	res := callResult{flow: FlowDeposit, mailbox: box, callerNum: num}
	r.place(ctx, &res, "dep"+box.Number, `"Load deposit" <`+num+`>`, func(s *script) {
		s.hear("sound:vm-intro")
		s.pause(r.o.Think)
		s.press("#")
		s.do("recording start", func() error { return s.cl.WaitRecording(s.ctx) })
		talk := s.cl.A + "-talk"
		s.do("talk", func() error {
			_, err := r.client.Play(s.ctx, s.cl.A, talk, talkMedia, "")
			return err
		})
		s.pause(r.o.Talk)
		s.do("stop talking", func() error {
			if err := r.client.StopPlayback(s.ctx, talk); err != nil && !ari.IsGone(err) {
				return err
			}
			return nil
		})
		s.press("#")
		s.hear("sound:vm-msgsaved")
	})
	return res
}
