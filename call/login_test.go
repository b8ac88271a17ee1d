package call

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
)

// Tests of the password check while Redis does not answer (a restart, a
// failover), with the real engine and a fake store that fails as Redis
// out of reach does.

// atPassword returns a call for 1001@default (PIN 2580) at its password
// prompt, the prompt ended.
func atPassword(t *testing.T) (*call, *fakeARI, *fakeStore) {
	t.Helper()
	c, fa, fs, _ := newTestCall(t)
	fs.pin = "2580"
	ctx := context.Background()
	c.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeMain, Mailbox: mailbox.MustParseID("1001@default")}})
	c.step(ctx, menus.PromptDone(c.s.Playback))
	return c, fa, fs
}

// enterPIN types pin and '#', and applies what the call queued for itself
// (the check's result, the folder).
func enterPIN(t *testing.T, c *call, pin string) {
	t.Helper()
	for _, d := range pin + "#" {
		c.step(context.Background(), menus.Digit(byte(d)))
	}
	drain(t, c)
}

// played reports whether the call played media (its first item) since
// the ARI call number from.
func played(fa *fakeARI, from int, media string) bool {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return slices.Contains(fa.calls[from:], "play sound:"+media)
}

// A check that Redis does not answer a few times is retried until it
// does: the caller logs in, and hears no apology.
func TestLoginRetriesWhileRedisIsDown(t *testing.T) {
	c, fa, fs := atPassword(t)
	fs.authErrs = []error{errRefused, errTimeout, errRefused}
	enterPIN(t, c, "2580")
	if !c.s.Authenticated || c.s.Menu != menus.MenuMain {
		t.Fatalf("not logged in: menu %s, authenticated %v", c.s.Menu, c.s.Authenticated)
	}
	if fs.auths != 4 {
		t.Errorf("%d checks, want 4 (3 failed, then the answer)", fs.auths)
	}
	if played(fa, 0, "vm-sorry") {
		t.Errorf("apology played: %q", fa.calls)
	}
}

// A check that Redis does not answer within the retries is no wrong try:
// the caller hears sorry and is asked for the password again, as often as
// it happens, and logs in once Redis answers.
func TestLoginAfterRedisStaysDownAsksAgain(t *testing.T) {
	c, fa, fs := atPassword(t)
	c.deps.waits.Login = 250 * time.Millisecond
	max := menus.DefaultMaxLogins
	for try := 1; try <= max+1; try++ {
		fs.mu.Lock()
		fs.authErrs = slices.Repeat([]error{errRefused}, 100)
		fs.auths = 0
		fs.mu.Unlock()
		from := len(fa.calls)
		enterPIN(t, c, "2580")
		if fs.auths < 2 {
			t.Errorf("try %d: %d checks, want retries", try, fs.auths)
		}
		if !played(fa, from, "vm-sorry") || c.s.Phase == menus.PhaseClosing || c.s.Menu != menus.MenuLoginPassword {
			t.Fatalf("try %d: ARI %q, menu %s, phase %s: want sorry, then the password asked again",
				try, fa.calls[from:], c.s.Menu, c.s.Phase)
		}
		if c.s.Failures != 0 {
			t.Fatalf("try %d: %d wrong tries counted for checks Redis did not answer", try, c.s.Failures)
		}
		c.step(context.Background(), menus.PromptDone(c.s.Playback))
	}
	fs.mu.Lock()
	fs.authErrs = nil
	fs.mu.Unlock()
	enterPIN(t, c, "2580")
	if !c.s.Authenticated {
		t.Fatalf("not logged in once Redis answered: menu %s", c.s.Menu)
	}
}

// A wrong PIN is an answer: it is not retried.
func TestLoginWrongPINNotRetried(t *testing.T) {
	c, _, fs := atPassword(t)
	enterPIN(t, c, "1111")
	if fs.auths != 1 || c.s.Failures != 1 {
		t.Errorf("%d checks, %d wrong tries; want 1 and 1", fs.auths, c.s.Failures)
	}
}
