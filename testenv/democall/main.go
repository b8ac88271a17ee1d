// Command democall places one scripted call into the test PBX, as a phone
// would, and prints what the caller heard, prompt by prompt. testenv/demo
// runs it against the voicemail app.
//
//	democall -exten '*97' -callerid 'Alice <1001>' -keys '1234#,#'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/testenv"
)

func main() {
	exten := flag.String("exten", "*97", "extension to call")
	dpContext := flag.String("context", "vm-test", "dialplan context")
	callerID := flag.String("callerid", "Alice <1001>", "caller ID of the calling phone")
	keys := flag.String("keys", "1234#,#", "comma-separated key presses, each sent after the caller has listened for -think (or for D with KEYS@D, e.g. #@12s)")
	think := flag.Duration("think", 1500*time.Millisecond, "how long the caller listens before pressing the next keys")
	timeout := flag.Duration("timeout", 60*time.Second, "bound on the whole call")
	talk := flag.Duration("talk", 0, "after the last keys, speak for this long and hang up (leaving a message)")
	flag.Parse()
	if err := run(*exten, *dpContext, *callerID, *keys, *think, *talk, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "democall:", err)
		os.Exit(1)
	}
}

func run(exten, dpContext, callerID, keys string, think, talk, timeout time.Duration) error {
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
	printed := 0
	show := func() {
		heard := call.Heard()
		for _, p := range heard[printed:] {
			fmt.Printf("  %6.2fs  heard  %s\n", p.At.Sub(start).Seconds(), p.Name)
		}
		printed = len(heard)
	}
	for _, k := range strings.Split(keys, ",") {
		if k == "" {
			continue
		}
		wait := think
		if i := strings.IndexByte(k, '@'); i >= 0 {
			d, err := time.ParseDuration(k[i+1:])
			if err != nil {
				return fmt.Errorf("keys %q: %w", k, err)
			}
			k, wait = k[:i], d
		}
		// Listen for a while, as a person would, then press.
		deadline := time.After(wait)
		waiting := true
		for waiting {
			select {
			case <-deadline:
				waiting = false
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
				show()
			}
		}
		show()
		fmt.Printf("  %6.2fs  press  %s\n", time.Since(start).Seconds(), k)
		if err := call.Press(ctx, k); err != nil {
			return err
		}
	}
	if talk > 0 {
		fmt.Printf("  %6.2fs  speak  for %s, then hang up\n", time.Since(start).Seconds(), talk)
		if err := call.Talk(ctx, talk); err != nil {
			return err
		}
		show()
		fmt.Printf("  %6.2fs  caller hung up\n", time.Since(start).Seconds())
		return nil
	}
	if err := call.WaitEnded(ctx); err != nil {
		show()
		_ = call.Hangup(context.Background())
		return err
	}
	show()
	fmt.Printf("  %6.2fs  call ended by the voicemail app\n", time.Since(start).Seconds())
	return nil
}
