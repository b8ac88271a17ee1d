package sipp_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// These tests place real SIP calls (SIPp, RTP, RFC 4733 DTMF) into the test
// Asterisk of testenv/up, to the test-only extensions of
// testenv/asterisk/extensions.conf [sipp-test].

// bgCall is a Call running in the background.
type bgCall struct {
	done chan struct{} // closed when Call returned
	res  sipp.Result
	err  error
}

func startCall(ctx context.Context, opts sipp.CallOptions) *bgCall {
	c := &bgCall{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.res, c.err = sipp.Call(ctx, opts)
	}()
	return c
}

// whileUp returns a context that ends with ctx or when the call ends, to
// wait for something that only happens during the call.
func (c *bgCall) whileUp(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// failure explains why a wait during the call failed: the call ended early,
// or err.
func (c *bgCall) failure(err error) error {
	select {
	case <-c.done:
		return fmt.Errorf("the call ended first: %+v, %v\n%s", c.res, c.err, c.res.Output)
	default:
		return err
	}
}

// wait returns the result of the call, bounded by ctx.
func (c *bgCall) wait(ctx context.Context) (sipp.Result, error) {
	select {
	case <-c.done:
		if c.err != nil {
			return c.res, fmt.Errorf("Call: %w\n%s", c.err, c.res.Output)
		}
		return c.res, nil
	case <-ctx.Done():
		return sipp.Result{}, fmt.Errorf("call did not end: %w", ctx.Err())
	}
}

// readKeys calls dtmf-read-N as caller number, presses steps, and returns
// what Read() got (READSTATUS:DIGITS) and the call's result. Asterisk hangs
// up once the test has read it.
func readKeys(ctx context.Context, t *testing.T, p pbx, number string, steps []sipp.DTMFStep) (string, sipp.Result, error) {
	n := 0
	for _, s := range steps {
		n += len(s.Digits)
	}
	logFrom := p.logSize()
	call := startCall(ctx, sipp.CallOptions{
		Target: p.env.SIP, From: number, To: "dtmf-read-" + strconv.Itoa(n),
		Talk: 30 * time.Second, DTMF: steps,
	})
	upCtx, cancel := call.whileUp(ctx)
	defer cancel()
	ch, got, err := p.waitVar(upCtx, number, "TESTENV_READ")
	if err != nil {
		return "", sipp.Result{}, call.failure(err)
	}
	keys, err := p.waitDTMFLog(upCtx, ch.Name, n, logFrom)
	if err == nil && keys != "" && got != "OK:"+keys {
		err = fmt.Errorf("Asterisk's log has keys %q on %s, Read() got %q", keys, ch.Name, got)
	}
	p.hangup(ctx, t, ch.ID)
	res, werr := call.wait(ctx)
	if err == nil {
		err = werr
	}
	return got, res, err
}

func TestCallDTMF(t *testing.T) {
	env := testenv.Require(t)
	p := newPBX(t, env)
	for _, tc := range []struct {
		name  string
		steps []sipp.DTMFStep
	}{
		{"PIN and pound", []sipp.DTMFStep{{After: time.Second, Digits: "1234#"}}},
		// Repeated and descending keys: each needs a later RTP timestamp
		// than the one before, or Asterisk drops it.
		{"repeats and steps", []sipp.DTMFStep{
			{After: time.Second, Digits: "1111"},
			{After: 300 * time.Millisecond, Digits: "4321*0"},
			{After: 300 * time.Millisecond, Digits: "##"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var want string
			for _, s := range tc.steps {
				want += s.Digits
			}
			got, res, err := readKeys(ctx, t, p, "2001", tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if got != "OK:"+want {
				t.Errorf("Read() got %q, want OK:%s", got, want)
			}
			if !res.Answered || res.Status != 200 || !res.RemoteHangup {
				t.Errorf("result %+v, want answered (200) and hung up by Asterisk", res)
			}
		})
	}
}

func TestCallSendsAudio(t *testing.T) {
	env := testenv.Require(t)
	p := newPBX(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	call := startCall(ctx, sipp.CallOptions{Target: env.SIP, From: "2002", To: "media", Talk: 20 * time.Second})
	upCtx, upCancel := call.whileUp(ctx)
	defer upCancel()
	ch, rx, err := p.waitVar(upCtx, "2002", "TESTENV_RTP_RX")
	if err != nil {
		t.Fatal(call.failure(err))
	}
	p.hangup(ctx, t, ch.ID)
	if _, err := call.wait(ctx); err != nil {
		t.Fatal(err)
	}
	// 2 s of 20 ms packets is 100; allow for the first ones racing the
	// answer.
	if n, err := strconv.Atoi(rx); err != nil || n < 80 {
		t.Errorf("Asterisk received %q RTP packets in 2 s, want about 100", rx)
	}
}

func TestCallHangsUpAfterTalk(t *testing.T) {
	env := testenv.Require(t)
	p := newPBX(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	res, err := sipp.Call(ctx, sipp.CallOptions{Target: env.SIP, From: "2003", FromName: "Talker", To: "talk", Talk: 1500 * time.Millisecond})
	if err != nil {
		t.Fatalf("Call: %v\n%s", err, res.Output)
	}
	if !res.Answered || res.RemoteHangup {
		t.Errorf("result %+v, want answered and hung up by the caller", res)
	}
	if res.Duration < 1500*time.Millisecond {
		t.Errorf("call took %v, shorter than its talk time", res.Duration)
	}
	if err := p.waitGone(ctx, "2003"); err != nil {
		t.Error(err)
	}
}

func TestCallRejected(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, tc := range []struct {
		to     string
		status int
	}{
		{"busy", 486},
		{"no-such-extension", 404},
	} {
		t.Run(tc.to, func(t *testing.T) {
			res, err := sipp.Call(ctx, sipp.CallOptions{Target: env.SIP, From: "2004", To: tc.to, Talk: time.Second})
			if !errors.Is(err, sipp.ErrNotAnswered) {
				t.Fatalf("Call: %v, want ErrNotAnswered\n%s", err, res.Output)
			}
			if res.Answered || res.Status != tc.status {
				t.Errorf("result %+v, want status %d", res, tc.status)
			}
		})
	}
}

// A call whose context ends is hung up at once, not left to Asterisk's RTP
// timeout (10 s on the sipp endpoint).
func TestCallCancelledHangsUp(t *testing.T) {
	env := testenv.Require(t)
	p := newPBX(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	callCtx, cancelCall := context.WithCancel(ctx)
	defer cancelCall()
	call := startCall(callCtx, sipp.CallOptions{Target: env.SIP, From: "2005", To: "talk", Talk: 20 * time.Second})
	upCtx, upCancel := call.whileUp(ctx)
	defer upCancel()
	for {
		if ch, ok, err := p.callerChannel(upCtx, "2005"); err == nil && ok && ch.State == "Up" {
			break
		}
		if err := pause(upCtx); err != nil {
			t.Fatal(call.failure(fmt.Errorf("the call was never up: %w", err)))
		}
	}
	cancelCall()
	res, err := call.wait(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Call = %v, want context.Canceled", err)
	}
	if strings.Contains(res.Output, "hanging up the abandoned call") {
		t.Errorf("hang-up failed:\n%s", res.Output)
	}
	goneCtx, goneCancel := context.WithTimeout(ctx, 5*time.Second)
	defer goneCancel()
	if err := p.waitGone(goneCtx, "2005"); err != nil {
		t.Errorf("the channel outlived the cancelled call: %v", err)
	}
}

// Many calls at once, each with its own ports and keys: what the load tests
// will do at a larger scale.
func TestCallsConcurrently(t *testing.T) {
	env := testenv.Require(t)
	p := newPBX(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const n = 25
	keys := "0123456789*#"
	var wg sync.WaitGroup
	for i := range n {
		number := fmt.Sprintf("3%03d", i)
		digits := string([]byte{keys[i%12], keys[(i/12)%12], keys[(i*7)%12], keys[(i*5+1)%12], keys[i%12]})
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, res, err := readKeys(ctx, t, p, number, []sipp.DTMFStep{{After: time.Second, Digits: digits}})
			if err != nil {
				t.Errorf("caller %s: %v", number, err)
				return
			}
			if got != "OK:"+digits || !res.Answered {
				t.Errorf("caller %s: Read() got %q, want OK:%s; result %+v", number, got, digits, res)
			}
		}()
	}
	wg.Wait()
}
