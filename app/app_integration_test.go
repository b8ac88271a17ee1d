package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
	"github.com/clusterpbx/voicemail/testenv"
)

// These tests place calls through the real Asterisk of testenv (testenv/up)
// into the shipped dialplan (*97, *98), with a real Redis, and check what
// the caller hears from ARI's PlaybackStarted events.

// The test caller (an ARI app subscribed to the channels it follows, never
// to every event: see testenv.Caller and asterisk/asterisk#2170) is shared
// by the whole package and leaves after every test, one per Asterisk
// (env.ARIURL).
var (
	callersMu sync.Mutex
	callers   = map[string]*testenv.Caller{}
)

func sharedCaller(t *testing.T, env testenv.Env) *testenv.Caller {
	t.Helper()
	callersMu.Lock()
	defer callersMu.Unlock()
	if c := callers[env.ARIURL]; c != nil {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var opts []testenv.CallerOption
	if app := shardApp(); app != "" {
		// The shipped dialplan hands the calls to VOICEMAIL_APP.
		opts = append(opts, testenv.WithVariables(map[string]string{"__VOICEMAIL_APP": app}))
	}
	c, err := testenv.NewCaller(ctx, env, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	callers[env.ARIURL] = c
	return c
}

// shardApp is the ARI app name of this test process when it runs beside
// another one on the same Asterisk (VOICEMAIL_TEST_APP, set by
// testenv/test for a shard of the package's tests), else "". Its
// instances register that name instead of "voicemail", its calls carry it
// to the shipped dialplan (VOICEMAIL_APP), and its message-waiting counts
// go to mailbox contexts of their own (vm-mwi-isolated in
// testenv/asterisk/extensions.conf), which no other test's lamp follows.
// A shard's name must not start with "voicemail" (TestMain refuses it):
// the cluster tests offer calls to every app named voicemail-*.
func shardApp() string {
	return os.Getenv("VOICEMAIL_TEST_APP")
}

func TestMain(m *testing.M) {
	if app := shardApp(); app != "" && (!validAppName(app) || strings.HasPrefix(app, "voicemail")) {
		fmt.Fprintf(os.Stderr, "VOICEMAIL_TEST_APP=%q: want letters, digits, - and _, not starting with voicemail\n", app)
		os.Exit(2)
	}
	code := m.Run()
	for _, c := range callers {
		c.Close()
	}
	os.Exit(code)
}

// waitRegistered waits until caller's Asterisk lists the ARI application
// app.
func waitRegistered(t *testing.T, ctx context.Context, caller *testenv.Caller, app string) {
	t.Helper()
	for {
		if _, err := caller.Client.Application(ctx, app); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not register with Asterisk: %v", app, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// harness runs one voicemail instance against testenv and a private Redis.
type harness struct {
	t      *testing.T
	env    testenv.Env
	rdb    *redis.Client
	caller *testenv.Caller
	// app is the first instance.
	app *App
	// direct, when set, is the app's own name after "voicemail-": login
	// and loggedInAndRecording reach it through [vm-direct] (vmm-NAME,
	// vmd-NAME) instead of the shared name "voicemail".
	direct string
}

func startHarness(t *testing.T, tweaks ...func(*Config)) *harness {
	t.Helper()
	env := testenv.Require(t)
	h := &harness{t: t, env: env, rdb: redistest.Start(t), caller: sharedCaller(t, env)}
	h.app = h.startInstance(tweaks...)
	return h
}

// startInstance runs one more voicemail instance on the harness's Redis and
// Asterisk, and returns once Asterisk lists its application.
func (h *harness) startInstance(tweaks ...func(*Config)) *App {
	t := h.t
	t.Helper()
	env := h.env
	cfg := DefaultConfig()
	cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = env.ARIURL, env.ARIUser, env.ARIPass
	if app := shardApp(); app != "" {
		cfg.ARI.App = app
		cfg.Voicemail.MWIContext = "vm-mwi-isolated"
	}
	cfg.Redis.Addrs = []string{h.rdb.Options().Addr}
	cfg.Instance.ID = "it"
	cfg.Ops.Listen = ""           // tests run many instances; no ops port
	cfg.Voicemail.PINHashCost = 4 // bcrypt.MinCost: the tests check logic, not hashing cost
	// 1001 and 1002 are set up (their PINs are not the default), so login
	// goes straight to the mailbox; 1003 is new.
	cfg.Voicemail.DefaultPIN = "0000"
	// The tests log in to mailboxes that have no recorded name, hear the
	// caller's number in envelopes, and end a message with # straight to
	// "saved": forcename off, saycid on, review off, unless a test turns
	// them back (options_integration_test.go, urgent_integration_test.go).
	cfg.Voicemail.ForceName = false
	cfg.Voicemail.SayCID = true
	cfg.Voicemail.Review = false
	cfg.Mailboxes = []MailboxConfig{
		{Mailbox: "1001", Name: "Alice", PIN: "1234"},
		{Mailbox: "1002@default", Name: "Bob", PIN: "4321"},
		{Mailbox: "1003", Name: "Carol"},
		{Mailbox: "1004", Name: "Denise", PIN: "1234", Language: "fr"},
	}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	a, err := New(cfg, zaptest.NewLogger(t).With(zap.String("test", t.Name())))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("app did not stop within 15s of cancel")
		}
	})

	waitCtx, waitCancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer waitCancel()
	// The app is ready once its event stream is connected and Asterisk
	// lists its application; mailboxes are provisioned before it connects,
	// so they exist then. Asterisk lists an app that an earlier instance
	// left behind too (inactive while orphaned channels remain in it), so
	// the listing alone is not enough.
	for {
		if a.ops.StreamConnected() {
			if _, err := h.caller.Client.Application(waitCtx, cfg.appName()); err == nil {
				return a
			}
		}
		select {
		case <-waitCtx.Done():
			t.Fatalf("voicemail app %s did not register with Asterisk within 15s", cfg.appName())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dial places a call into exten of vm-test and waits until the voicemail
// app answered it.
func (h *harness) dial(ctx context.Context, exten, callerID string) *testenv.Call {
	h.t.Helper()
	return h.dialOn(ctx, h.caller, exten, "vm-test", callerID)
}

// dialOn places a call through caller (the caller of one Asterisk) into
// exten of dpContext, hangs it up when the test ends, and waits until the
// voicemail app answered it.
func (h *harness) dialOn(ctx context.Context, caller *testenv.Caller, exten, dpContext, callerID string) *testenv.Call {
	h.t.Helper()
	call, err := caller.Dial(ctx, exten, dpContext, callerID)
	must(h.t, err)
	h.t.Cleanup(func() { _ = call.Hangup(context.Background()) })
	must(h.t, call.WaitAnswered(ctx))
	return call
}

// concurrently places n calls to exten@dpContext at once and runs script on
// each; every error is reported on the test.
func (h *harness) concurrently(ctx context.Context, n int, exten, dpContext, callerID string, script func(*testenv.Call) error) {
	h.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call, err := h.caller.Dial(ctx, exten, dpContext, callerID)
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = call.Hangup(context.Background()) }()
			// Keys can only be pressed once the caller's side is up.
			if err := call.WaitAnswered(ctx); err != nil {
				errs <- err
				return
			}
			errs <- script(call)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			h.t.Error(err)
		}
	}
}

// steps runs fns in order and returns the first error.
func steps(fns ...func() error) error {
	for _, fn := range fns {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

// callCtx bounds a test's calls (testkit.Timeout: a test that outlives it
// by much dumps every goroutine's stack).
func callCtx(t *testing.T) context.Context { return testkit.Timeout(t, 2*time.Minute) }

// checkRoutines fails t if goroutines it started outlive its cleanups: call
// it first, so that its check runs after them. The shared callers, which
// outlive every test, are made before it looks.
func checkRoutines(t *testing.T) {
	t.Helper()
	sharedCaller(t, testenv.Require(t))
	t.Cleanup(testkit.CheckRoutines(t))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationStar97RightPIN(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	// Two new messages and one old, stored as deposits store them.
	st := h.store()
	for i := 0; i < 3; i++ {
		id := state.NewMessageID(time.Now())
		_, err := st.Deposit(ctx, state.Message{ID: id, Mailbox: box("1001"), Folder: state.FolderNew,
			Recording: "voicemail/default/1001/msg/" + id, CallerNum: "2001", Received: time.Now()})
		must(t, err)
		if i == 2 {
			_, _, err := st.CloseFolder(ctx, box("1001"), state.FolderNew, []string{id}, nil)
			must(t, err)
		}
	}

	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-youhave", "digits/2", "vm-INBOX", "vm-and", "digits/1", "vm-Old", "vm-message",
		"vm-onefor", "vm-INBOX", "vm-messages", "vm-opts", "vm-helpexit"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Expect(ctx, "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
}

func TestIntegrationTypeAheadInterruptsPrompt(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	// The whole password and '#' (exit) while prompts play: the intro is
	// cut short and the call ends without the menu being read out.
	must(t, call.Press(ctx, "1234##"))
	must(t, call.WaitFor(ctx, "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
	if heard := strings.Join(call.HeardNames(), " "); strings.Contains(heard, "vm-helpexit") {
		t.Errorf("the menu was read out although the caller had typed ahead: %s", heard)
	}
}

func TestIntegrationStar98AsksMailboxThenPIN(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "*98", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "1002#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "4321#"))
	must(t, call.Expect(ctx, "vm-youhave", "vm-no", "vm-messages", "vm-opts", "vm-helpexit"))
	must(t, call.Press(ctx, "#"))
	must(t, call.Expect(ctx, "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
}

func TestIntegrationThreeWrongPINsEndTheCall(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	call := h.dial(ctx, "*97", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1111#"))
	must(t, call.Expect(ctx, "vm-incorrect", "vm-password"))
	must(t, call.Press(ctx, "2222#"))
	must(t, call.Expect(ctx, "vm-incorrect", "vm-password"))
	must(t, call.Press(ctx, "3333#"))
	must(t, call.Expect(ctx, "vm-incorrect", "vm-goodbye"))
	must(t, call.WaitEnded(ctx))
}

func TestIntegrationUnknownMailboxRefused(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	// *98 with a mailbox that does not exist: the password is still asked
	// (nothing tells a caller which mailboxes exist), then refused.
	call := h.dial(ctx, "*98", "Alice <1001>")
	must(t, call.Expect(ctx, "vm-login"))
	must(t, call.Press(ctx, "7777#"))
	must(t, call.Expect(ctx, "vm-password"))
	must(t, call.Press(ctx, "1234#"))
	must(t, call.Expect(ctx, "vm-incorrect-mailbox"))
	must(t, call.Hangup(ctx))

	// *97 from a phone whose extension has no mailbox asks for the
	// mailbox, as app_voicemail does (TestIntegrationStar97WithoutMailboxAsksForIt).
	call = h.dial(ctx, "*97", "Visitor <4242>")
	must(t, call.Expect(ctx, "vm-login"))
}

func TestIntegrationBadArgsReturnToDialplan(t *testing.T) {
	h := startHarness(t)
	ctx := callCtx(t)
	// The app refuses the call, unanswered, and continues it in the dialplan
	// with VOICEMAIL_STATUS=FAILED (the extension then waits 10 s).
	call, err := h.caller.Dial(ctx, "bad-args", "vm-test", "Alice <1001>")
	must(t, err)
	t.Cleanup(func() { _ = call.Hangup(context.Background()) })
	for {
		v, err := h.caller.Client.GetVariable(ctx, call.B, "TESTENV_AFTER_STASIS")
		if err == nil && v != "" {
			if v != "FAILED" {
				t.Fatalf("VOICEMAIL_STATUS after Stasis = %q, want FAILED", v)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the call did not come back to the dialplan: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
