package sipp_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// TestWatcherSeesMWI publishes mailbox counts as the voicemail app does
// (Local/MAILBOX@voicemail-mwi, deploy/asterisk/extensions_voicemail.conf)
// and checks that the message-waiting NOTIFYs reach the watcher endpoint
// mwi-1001 of testenv/asterisk/pjsip.conf.
func TestWatcherSeesMWI(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	addr, err := sipp.WatcherAddr("1001")
	if err != nil {
		t.Fatal(err)
	}
	w, err := sipp.Watch(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	client, err := ari.New(ari.Config{URL: env.ARIURL, Username: env.ARIUser, Password: env.ARIPass})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(newCount, oldCount int) {
		t.Helper()
		_, err := client.Originate(ctx, ari.OriginateRequest{
			Endpoint: "Local/1001@voicemail-mwi",
			// MinivmMWI never answers: the ;1 half goes nowhere.
			Context: "sipp-sink", Extension: "s", Priority: 1,
			Variables: map[string]string{"NEW": strconv.Itoa(newCount), "OLD": strconv.Itoa(oldCount)},
		})
		if err != nil {
			t.Fatalf("publish %d/%d: %v", newCount, oldCount, err)
		}
	}
	counts := func(n, o int) func(sipp.Summary) bool {
		return func(s sipp.Summary) bool { return s.New == n && s.Old == o }
	}

	publish(2, 1)
	s, err := w.WaitFor(ctx, counts(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !s.MessagesWaiting || !strings.Contains(s.Raw, "Voice-Message: 2/1") || !strings.Contains(s.Account, "mwi-1001") {
		t.Errorf("summary %+v, want messages waiting, Voice-Message: 2/1, for mwi-1001", s)
	}

	publish(0, 0)
	s, err = w.WaitFor(ctx, counts(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if s.MessagesWaiting {
		t.Errorf("summary %+v, want no messages waiting", s)
	}
	// Last is the newest: this one, or one that something else (another
	// package's test) published after it.
	if last, ok := w.Last(); !ok || last.At.Before(s.At) {
		t.Errorf("Last() = %+v, %v; want %+v or later", last, ok, s)
	}
}
