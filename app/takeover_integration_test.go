package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// buildVoicemail builds the voicemail command once per test binary.
var buildVoicemail = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "voicemail-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "voicemail")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/clusterpbx/voicemail/cmd/voicemail").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
})

// startProcess runs the voicemail command as a separate process (one that
// can be killed with SIGKILL) with the harness's mailboxes, in cluster mode
// as instance id, and waits until its app is registered. extra are more
// flags.
func (h *harness) startProcess(id string, extra ...string) *exec.Cmd {
	t := h.t
	t.Helper()
	bin, err := buildVoicemail()
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(t.TempDir(), "voicemail.yaml")
	yml := `mailboxes:
  - {mailbox: "1001", name: Alice, pin: "1234"}
  - {mailbox: "1002@default", name: Bob, pin: "4321"}
`
	must(t, os.WriteFile(cfgFile, []byte(yml), 0o600))
	opts := h.rdb.Options()
	cmd := exec.Command(bin, "--config", cfgFile,
		"--ari.url", h.env.ARIURL, "--ari.username", h.env.ARIUser, "--ari.password_file", writeFile(t, "ari-password", h.env.ARIPass),
		"--ari.broadcast", "true", "--instance.id", id, "--instance.lease", "2s",
		"--redis.addrs", opts.Addr, "--redis.db", fmt.Sprint(opts.DB),
		"--ops.listen", "", "--log.level", "warn", "--voicemail.default_pin", "0000",
		"--voicemail.pin_hash_cost", "4",
		// As the in-process harness (app_integration_test.go): the tests
		// log in to mailboxes with no recorded name and end a message
		// with # straight to "saved".
		"--voicemail.forcename", "false", "--voicemail.saycid", "true", "--voicemail.review", "false")
	cmd.Args = append(cmd.Args, extra...)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "voicemail.log"))
	must(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("instance %s log:\n%s", id, b)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitRegistered(t, ctx, h.caller, "voicemail-"+id)
	return cmd
}

// waitHeardPrefix waits until the caller hears a prompt whose name starts
// with prefix.
func waitHeardPrefix(ctx context.Context, call *testenv.Call, prefix string) error {
	errEnded := errors.New("call ended")
	err := testkit.Poll(ctx, 20*time.Millisecond, func() error {
		for _, p := range call.Heard() {
			if strings.HasPrefix(p.Name, prefix) {
				return nil
			}
		}
		if call.Ended() {
			return errEnded
		}
		return testkit.ErrNotYet
	})
	if errors.Is(err, errEnded) {
		return fmt.Errorf("call ended before %s…; heard %v", prefix, call.HeardNames())
	}
	if err != nil {
		return fmt.Errorf("waiting for %s…: %w; heard %v", prefix, err, call.HeardNames())
	}
	return nil
}

// TestIntegrationKillOwnerTakeover kills the instance that owns three calls
// with SIGKILL, ten times: one caller at the main menu, one listening to a
// message, one recording a message. Another instance takes all three over:
// the first two hear "I'm sorry" and go on, still logged in; the message
// being recorded is saved once. It reports the takeover times, from the
// kill to the apology reaching the caller.
func TestIntegrationKillOwnerTakeover(t *testing.T) {
	checkRoutines(t)
	h := startHarness(t, func(c *Config) {
		c.ARI.Broadcast = true
		c.Instance.ID = "survivor"
	})
	ctx := testkit.Timeout(t, 10*time.Minute)

	// Bob (1002) has a long message to listen to.
	h.leaveMessageTo(ctx, "1002", 12*time.Second)

	const runs = 10
	var (
		mu    sync.Mutex
		times []time.Duration
	)
	box1001 := state.MailboxID{Number: "1001", Context: "default"}
	light := h.watch(ctx, "1001") // Alice's message-waiting light
	for run := range runs {
		id := fmt.Sprintf("doomed%d", run)
		proc := h.startProcess(id)
		before := h.countsOf(ctx, box1001)

		var menu, listen, rec *testenv.Call
		speech := "speech-" + id
		var wg sync.WaitGroup
		wg.Go(func() { // Alice at the main menu
			menu = h.dialIn(ctx, "vmm-"+id, "Alice <1001>")
			must(t, steps(
				func() error { return menu.Expect(ctx, "vm-password") },
				func() error { return menu.Press(ctx, "1234#") },
				func() error { return menu.WaitFor(ctx, "vm-opts") },
			))
		})
		wg.Go(func() { // Bob listening to his message
			listen = h.dialIn(ctx, "vmm-"+id, "Bob <1002>")
			must(t, steps(
				func() error { return listen.Expect(ctx, "vm-password") },
				// 1 during the intro starts the first message; 1 during its
				// envelope skips to the audio.
				func() error { return listen.Press(ctx, "4321#") },
				func() error { return listen.WaitFor(ctx, "vm-youhave") },
				func() error { return listen.Press(ctx, "1") },
				func() error { return listen.WaitFor(ctx, "vm-first") },
				func() error { return listen.Press(ctx, "1") },
				func() error { return waitHeardPrefix(ctx, listen, "recording:") },
			))
		})
		wg.Go(func() { // Carol leaving Alice a message, talking
			rec = h.dialIn(ctx, "vmd-"+id, "Carol <2003>")
			must(t, steps(
				func() error { return rec.WaitFor(ctx, "vm-intro") },
				func() error { return rec.Press(ctx, "#") },
				// Speech, stopped before the '#' that ends the message
				// (DTMF waits behind the caller's playback).
				func() error {
					_, err := h.caller.Client.Play(ctx, rec.A, speech, []string{"sound:vm-intro", "sound:vm-opts", "sound:vm-opts"}, "")
					return err
				},
			))
		})
		wg.Wait()
		time.Sleep(time.Second) // let the message being left grow

		killed := time.Now()
		must(t, proc.Process.Kill())
		apology := func(what string, call *testenv.Call) bool {
			if err := call.WaitFor(ctx, "im-sorry"); err != nil {
				t.Errorf("run %d, %s: %v", run, what, err)
				return false
			}
			took := time.Since(killed)
			mu.Lock()
			times = append(times, took)
			mu.Unlock()
			t.Logf("run %d, %s: apology heard %v after the kill", run, what, took.Round(time.Millisecond))
			return true
		}
		takenOver := make(chan struct{})
		wg.Go(func() {
			defer close(takenOver)
			if !apology("main menu", menu) {
				return
			}
			// Still logged in: # leaves with goodbye.
			if err := steps(
				func() error { return menu.Press(ctx, "#") },
				func() error { return menu.WaitFor(ctx, "vm-goodbye") },
			); err != nil {
				t.Errorf("run %d, main menu after takeover: %v", run, err)
			}
		})
		wg.Go(func() {
			if !apology("listening", listen) {
				return
			}
			// Still logged in, on the first message: 5 says it again.
			if err := steps(
				func() error { return listen.Press(ctx, "5") },
				func() error { return listen.WaitFor(ctx, "vm-first") },
			); err != nil {
				t.Errorf("run %d, listening after takeover: %v", run, err)
			}
		})
		wg.Go(func() {
			// Once the survivor has the calls, the caller leaving a
			// message stops talking, presses # and hears it saved.
			select {
			case <-takenOver:
			case <-ctx.Done():
			}
			if err := h.caller.Client.StopPlayback(ctx, speech); err != nil && !ari.IsGone(err) {
				t.Errorf("run %d, stop speaking: %v", run, err)
			}
			if err := rec.Press(ctx, "#"); err != nil && !rec.Ended() {
				t.Errorf("run %d, recording: %v", run, err)
			}
			if err := rec.WaitFor(ctx, "vm-msgsaved"); err != nil {
				t.Errorf("run %d, recording: %v", run, err)
			}
		})
		wg.Wait()
		for _, c := range []*testenv.Call{menu, listen, rec} {
			_ = c.Hangup(ctx)
		}
		if after := h.waitCounts(ctx, box1001, before.New+1); after.New != before.New+1 {
			t.Errorf("run %d: 1001 has %d new messages, want %d", run, after.New, before.New+1)
		}
		// The phone's light shows the message saved by the survivor.
		if _, err := light.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == before.New+1 }); err != nil {
			t.Errorf("run %d: no NOTIFY with %d new messages: %v", run, before.New+1, err)
		}
	}
	if len(times) == 0 {
		t.Fatal("no takeover heard")
	}
	slices.Sort(times)
	t.Logf("takeover, SIGKILL to the apology: %d calls, median %v, max %v",
		len(times), times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
}

// TestIntegrationSIGTERMHandsCallsOver stops an instance with SIGTERM while
// it holds ten calls: eight callers at the main menu and two leaving
// messages. None is dropped: the eight hear "I'm sorry" from the other
// instance and are still logged in; both messages are saved.
func TestIntegrationSIGTERMHandsCallsOver(t *testing.T) {
	checkRoutines(t)
	h := startHarness(t, func(c *Config) {
		c.ARI.Broadcast = true
		c.Instance.ID = "stayer"
	})
	ctx := testkit.Timeout(t, 5*time.Minute)
	proc := h.startProcess("leaver")
	box1001 := state.MailboxID{Number: "1001", Context: "default"}
	before := h.countsOf(ctx, box1001)

	const menus, deposits = 8, 2
	calls := make([]*testenv.Call, menus+deposits)
	var wg sync.WaitGroup
	for i := range menus {
		wg.Go(func() {
			who, pin := "Alice <1001>", "1234"
			if i%2 == 1 {
				who, pin = "Bob <1002>", "4321"
			}
			c := h.dialIn(ctx, "vmm-leaver", who)
			calls[i] = c
			if err := steps(
				func() error { return c.Expect(ctx, "vm-password") },
				func() error { return c.Press(ctx, pin+"#") },
				func() error { return c.WaitFor(ctx, "vm-opts") },
			); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	for i := menus; i < menus+deposits; i++ {
		wg.Go(func() {
			c := h.dialIn(ctx, "vmd-leaver", "Carol <2003>")
			calls[i] = c
			if err := steps(
				func() error { return c.WaitFor(ctx, "vm-intro") },
				func() error { return c.Press(ctx, "#") },
				func() error {
					_, err := h.caller.Client.Play(ctx, c.A, fmt.Sprintf("speech-%d", i), []string{"sound:vm-intro", "sound:vm-opts"}, "")
					return err
				},
			); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	time.Sleep(time.Second)

	stopped := time.Now()
	must(t, proc.Process.Signal(syscall.SIGTERM))
	for i := range menus {
		wg.Go(func() {
			c := calls[i]
			if err := steps(
				func() error { return c.WaitFor(ctx, "im-sorry") },
				func() error {
					t.Logf("call %d resumed %v after SIGTERM", i, time.Since(stopped).Round(time.Millisecond))
					return nil
				},
				func() error { return c.Press(ctx, "#") },
				func() error { return c.WaitFor(ctx, "vm-goodbye") },
			); err != nil {
				t.Errorf("call %d after SIGTERM: %v", i, err)
			}
		})
	}
	for i := menus; i < menus+deposits; i++ {
		wg.Go(func() {
			c := calls[i]
			time.Sleep(2 * time.Second) // still talking while the instance stops
			if err := h.caller.Client.StopPlayback(ctx, fmt.Sprintf("speech-%d", i)); err != nil && !ari.IsGone(err) {
				t.Errorf("call %d: stop speaking: %v", i, err)
			}
			if err := c.Press(ctx, "#"); err != nil && !c.Ended() {
				t.Errorf("call %d: %v", i, err)
			}
			if err := c.WaitFor(ctx, "vm-msgsaved"); err != nil {
				t.Errorf("call %d after SIGTERM: %v", i, err)
			}
		})
	}
	wg.Wait()
	done := make(chan error, 1)
	go func() { done <- proc.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the stopped instance exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("the stopped instance did not exit within 15s of SIGTERM")
	}
	if after := h.waitCounts(ctx, box1001, before.New+deposits); after.New != before.New+deposits {
		t.Errorf("1001 has %d new messages, want %d", after.New, before.New+deposits)
	}
}

// dialIn places a call into extension of vm-direct (one instance of the
// cluster) and waits until it is answered.
func (h *harness) dialIn(ctx context.Context, exten, callerID string) *testenv.Call {
	h.t.Helper()
	return h.dialOn(ctx, h.caller, exten, "vm-direct", callerID)
}

// leaveMessageTo leaves mailbox number a message about talk long, through
// whichever instance claims it.
func (h *harness) leaveMessageTo(ctx context.Context, number string, talk time.Duration) {
	h.t.Helper()
	before := h.countsOf(ctx, state.MailboxID{Number: number, Context: "default"})
	call, err := h.caller.Dial(ctx, number, "vm-cluster", "Dave <2004>")
	must(h.t, err)
	must(h.t, call.WaitFor(ctx, "vm-intro"))
	must(h.t, call.PressThenTalk(ctx, "#", talk))
	must(h.t, call.WaitEnded(ctx))
	h.waitCounts(ctx, state.MailboxID{Number: number, Context: "default"}, before.New+1)
}

func (h *harness) countsOf(ctx context.Context, id state.MailboxID) state.Counts {
	h.t.Helper()
	c, err := h.store().Counts(ctx, id)
	must(h.t, err)
	return c
}

// waitCounts waits up to 10 s for id to hold newMsgs new messages and
// returns its counts then.
func (h *harness) waitCounts(ctx context.Context, id state.MailboxID, newMsgs int) state.Counts {
	h.t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var c state.Counts
	_ = testkit.Poll(wctx, 100*time.Millisecond, func() error {
		c = h.countsOf(ctx, id)
		if c.New != newMsgs {
			return testkit.ErrNotYet
		}
		return nil
	})
	return c
}
