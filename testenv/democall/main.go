// Command democall places one scripted call into the test PBX, as a phone
// would, and prints what the caller heard, prompt by prompt, and when the
// voicemail app started recording. testenv/demo runs it against the
// voicemail app. With -expect it fails unless the caller heard the given
// prompts, in order (see parseExpect), and lists what was heard instead.
//
//	democall -exten '*97' -callerid 'Alice <1001>' -keys '1234#,#' -expect 'vm-password, vm-goodbye'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/testenv"
)

func main() {
	exten := flag.String("exten", "*97", "extension to call")
	dpContext := flag.String("context", "vm-test", "dialplan context")
	callerID := flag.String("callerid", "Alice <1001>", "caller ID of the calling phone")
	keys := flag.String("keys", "1234#,#", "comma-separated key presses, each sent after the caller has listened for -think; KEYS@D after listening for D instead (#@12s); KEYS@PROMPT once a prompt matching PROMPT (a glob, | between alternatives) has started since the previous keys, and -think more (9@vm-savemessage)")
	think := flag.Duration("think", 1500*time.Millisecond, "how long the caller listens before pressing the next keys")
	timeout := flag.Duration("timeout", 60*time.Second, "bound on the whole call")
	talk := flag.Duration("talk", 0, "after the last keys, speak for this long and hang up (leaving a message)")
	expect := flag.String("expect", "", "prompts the caller must hear, in order: steps separated by commas, each a run of consecutive prompts separated by spaces; a prompt is a glob with | between alternatives (e.g. 'vm-received digits/today|digits/yesterday, recording:voicemail/default/1001/msg/*, vm-savedto vm-Work')")
	recorded := flag.String("recorded", "", "file to write the names of the recordings the voicemail app started to, one a line (the message left, to -expect as recording:NAME later)")
	flag.Parse()
	exp, err := parseExpect(*expect)
	if err == nil {
		err = run(*exten, *dpContext, *callerID, *keys, *think, *talk, *timeout, exp, *recorded)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "democall:", err)
		os.Exit(1)
	}
}

func run(exten, dpContext, callerID, keys string, think, talk, timeout time.Duration, exp expectation, recorded string) error {
	presses, err := parseKeys(keys, think)
	if err != nil {
		return err
	}
	env, err := testenv.Load()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	caller, err := testenv.NewCaller(ctx, env, nil)
	if err != nil {
		return err
	}
	defer caller.Close()

	fmt.Printf("calling %s@%s as %s\n", exten, dpContext, callerID)
	start := time.Now()
	call, err := caller.Dial(ctx, exten, dpContext, callerID)
	if err != nil {
		return err
	}
	if err := call.WaitAnswered(ctx); err != nil {
		return err
	}
	show := transcript(call, start)
	// listen prints what the caller hears until until returns true, the call
	// ends or ctx is done.
	listen := func(until func() bool) error {
		for !until() {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
				show()
			}
			if call.Ended() {
				return nil
			}
		}
		return nil
	}
	// The first cue may be the call's first prompt: any prompt since the
	// call was placed counts.
	sent := start
	for _, p := range presses {
		if p.cue != nil {
			// Wait to be told, as a person would: a prompt that started
			// after the previous keys were sent.
			err := listen(func() bool {
				for _, h := range call.Heard() {
					if h.At.After(sent) && p.cue.match(h.Name) {
						return true
					}
				}
				return false
			})
			if err == nil && call.Ended() {
				err = errors.New("the call ended")
			}
			if err != nil {
				show()
				return fmt.Errorf("waiting for %s to press %s: %w; heard %s", p.cue, p.keys, err, strings.Join(call.HeardNames(), " "))
			}
		}
		// Listen for a while, then press.
		deadline := time.Now().Add(p.wait)
		if err := listen(func() bool { return !time.Now().Before(deadline) }); err != nil {
			return err
		}
		show()
		if call.Ended() {
			return fmt.Errorf("the call ended before %s was pressed; heard %s", p.keys, strings.Join(call.HeardNames(), " "))
		}
		fmt.Printf("  %6.2fs  press  %s\n", time.Since(start).Seconds(), p.keys)
		sent = time.Now()
		if err := call.Press(ctx, p.keys); err != nil {
			return err
		}
	}
	if talk > 0 {
		fmt.Printf("  %6.2fs  speak  for %s, then hang up\n", time.Since(start).Seconds(), talk)
		if err := call.Talk(ctx, talk); err != nil {
			return err
		}
		if err := call.WaitEnded(ctx); err != nil {
			return err
		}
		show()
		fmt.Printf("  %6.2fs  caller hung up\n", time.Since(start).Seconds())
		return finish(call, exp, recorded)
	}
	if err := call.WaitEnded(ctx); err != nil {
		show()
		_ = call.Hangup(context.Background())
		return err
	}
	show()
	fmt.Printf("  %6.2fs  call ended by the voicemail app\n", time.Since(start).Seconds())
	return finish(call, exp, recorded)
}

// transcript returns a function that prints what happened on call since it
// last ran: the prompts heard and the recordings started (the beep), in
// the order Asterisk started them.
func transcript(call *testenv.Call, start time.Time) func() {
	prompts, recs := 0, 0
	return func() {
		type line struct {
			at         time.Time
			what, name string
		}
		var lines []line
		heard, recordings := call.Heard(), call.Recordings()
		for _, p := range heard[prompts:] {
			lines = append(lines, line{p.At, "heard ", p.Name})
		}
		for _, r := range recordings[recs:] {
			lines = append(lines, line{r.At, "record", r.Name})
		}
		prompts, recs = len(heard), len(recordings)
		slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
		for _, l := range lines {
			fmt.Printf("  %6.2fs  %s %s\n", l.at.Sub(start).Seconds(), l.what, l.name)
		}
	}
}

// finish writes the names of call's recordings to the file recorded, if
// any, and checks what the caller heard against exp.
func finish(call *testenv.Call, exp expectation, recorded string) error {
	if recorded != "" {
		var b strings.Builder
		for _, r := range call.Recordings() {
			b.WriteString(r.Name + "\n")
		}
		if err := os.WriteFile(recorded, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if err := exp.check(call.HeardNames()); err != nil {
		return fmt.Errorf("the caller did not hear what was expected: %w", err)
	}
	if len(exp) > 0 {
		fmt.Printf("  heard every one of the %d expected steps, in order\n", len(exp))
	}
	return nil
}
