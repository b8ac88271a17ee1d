package web

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// TestBrowserLiveAndPlay drives a headless Chromium against the pages
// over real Redis (the audio from a fake ARI): the owner signs in, a
// message deposited meanwhile shows up without a reload, and it plays to
// its end. The full path with Asterisk is app's TestIntegrationWebBrowser.
func TestBrowserLiveAndPlay(t *testing.T) {
	path := ""
	for _, name := range []string{"chromium", "chromium-headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		testenv.Missing(t, "no chromium on PATH: testenv/up installs Debian's chromium")
		return
	}
	e := newEnv(t, state.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("login page", chromedp.Do(bctx, chromedp.Navigate(e.srv.URL+"/login?lang=en"),
		chromedp.SetValue(chromedp.CSS("#mailbox"), "1001"), chromedp.SetValue(chromedp.CSS("#pin"), "97531")))
	resp, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS("form button[type=submit]")))
	must("sign in", err)
	if resp.Status != http.StatusOK || resp.URL != e.srv.URL+"/folders/new" {
		t.Fatalf("signed in to %d %s", resp.Status, resp.URL)
	}
	_, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`window.vmMark = true`))
	must("mark", err)
	time.Sleep(300 * time.Millisecond) // the stream's first event
	m := e.deposit(alice, "Carol", time.Now())
	must("live message", chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("#m-"+m.ID))))
	mark, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.vmMark === true`))
	must("mark", err)
	if !mark {
		t.Error("the page was reloaded")
	}
	played, err := chromedp.Run(bctx, chromedp.Evaluate[float64](fmt.Sprintf(`new Promise((resolve, reject) => {
		const a = document.querySelector("#m-%s audio");
		a.addEventListener("ended", () => resolve(a.currentTime), {once: true});
		a.addEventListener("error", () => reject("audio error " + (a.error && a.error.code)), {once: true});
		a.play().catch(e => reject(String(e)));
	})`, m.ID), chromedp.EvalAwaitPromise))
	must("play", err)
	if played < 0.9 {
		t.Errorf("played to %.2fs, want 1s", played)
	}
	count, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`.count[data-folder="new"]`)))
	must("count", err)
	if count != "1" {
		t.Errorf("New count shown %q", count)
	}
}
