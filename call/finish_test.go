package call

import (
	"context"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/menus"
)

// Tests of finishing a call offline (Call.FinishOffline, which the app's
// takeover calls): its instance died, its channel is gone, and the
// instance that took it over ends it from the session the dead one saved.
// Both instances run the real engine; each has its own fakes, the
// survivor's standing for Redis as the dead instance left it.

// A caller who was leaving a message when their instance died, and whose
// channel is gone: the survivor stores the message once, whatever the dead
// instance had seen of the recording's end, and whether or not it had
// stored the message itself before it died (the deposit is idempotent on
// the message id).
func TestFinishOfflineSavesTheMessageOnce(t *testing.T) {
	ctx := context.Background()
	recordedEv := func(c *call) menus.Event {
		return menus.Event{Kind: menus.EvRecorded, Recorded: &menus.Recorded{Name: c.s.Deposit.Recording, Duration: 6}}
	}
	hangupRequest := menus.Event{Kind: menus.EvHangupRequest}
	for _, tt := range []struct {
		name   string
		review bool
		// leave takes the dead instance's call, recording, to where it
		// dies.
		leave func(c *call)
		// wantSecs is the stored message's length: the recording's, or
		// the survivor's measure (9 s) when the end was not seen.
		wantSecs int
	}{
		{"hung up while recording, its end not seen", false, func(c *call) {
			c.step(ctx, hangupRequest)
		}, 9},
		{"hung up while recording, its end seen: saving", false, func(c *call) {
			c.step(ctx, hangupRequest)
			c.step(ctx, recordedEv(c))
		}, 6},
		{"ended with #: saving", false, func(c *call) {
			c.step(ctx, recordedEv(c))
		}, 6},
		{"hung up in review", true, func(c *call) {
			c.step(ctx, recordedEv(c))
			c.step(ctx, hangupRequest)
		}, 6},
		{"accepted in review: saving", true, func(c *call) {
			c.step(ctx, recordedEv(c))
			c.step(ctx, menus.Digit('1'))
		}, 6},
		{"in review, its prompt playing", true, func(c *call) {
			c.step(ctx, recordedEv(c))
		}, 6},
	} {
		for _, storedBefore := range []bool{false, true} {
			name := tt.name
			if storedBefore {
				name += ", stored before the instance died"
			}
			t.Run(name, func(t *testing.T) {
				dead, _, deadStore, _ := newTestCall(t)
				d := testDeposit()
				d.Review = tt.review
				dead.step(ctx, menus.Event{Kind: menus.EvStart, Start: &menus.Start{Mode: menus.ModeDeposit, Deposit: d}})
				dead.step(ctx, menus.Digit('#'))
				tt.leave(dead)

				deadStore.mu.Lock()
				sess := deadStore.sessions[len(deadStore.sessions)-1]
				stored := deadStore.deposited
				deadStore.mu.Unlock()
				st, err := SessionState(dead.id, sess)
				if err != nil {
					t.Fatal(err)
				}

				survivor, fa, fs, _ := newTestCall(t)
				fs.seconds = 9
				if storedBefore {
					fs.deposited = append(fs.deposited, stored...)
				}
				finishFrom(t, survivor, st, 2*time.Second)

				fs.mu.Lock()
				defer fs.mu.Unlock()
				if len(fs.deposited) != 1 {
					t.Fatalf("the survivor's store holds %d messages, want 1 (dead instance's session: phase %s, menu %s)",
						len(fs.deposited), st.Phase, st.Menu)
				}
				m := fs.deposited[0]
				if m.ID != d.MessageID || m.Recording != d.Recording {
					t.Errorf("stored message %s (%s), want %s (%s)", m.ID, m.Recording, d.MessageID, d.Recording)
				}
				if !storedBefore && m.Duration != time.Duration(tt.wantSecs)*time.Second {
					t.Errorf("stored message of %s, want %ds", m.Duration, tt.wantSecs)
				}
				if len(fs.deleted) != 0 {
					t.Errorf("audio deleted: %v", fs.deleted)
				}
				if !fs.ended {
					t.Error("the survivor did not end the session")
				}
				fa.mu.Lock()
				defer fa.mu.Unlock()
				if len(fa.calls) != 0 {
					t.Errorf("ARI asked %q about a channel that is gone", fa.calls)
				}
			})
		}
	}
}

// finishFrom finishes call c from st, as finishOffline does on the call's
// goroutine, at epoch 2; it fails the test if that takes longer than
// limit.
func finishFrom(t *testing.T, c *call, st menus.State, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c.in.push(item{fn: func(ctx context.Context) { c.finishOffline(ctx, 2, st) }})
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx) }()
	select {
	case <-done:
	case <-time.After(limit + 5*time.Second):
		t.Fatal("the call did not end")
	}
	if c.s.Phase != menus.PhaseDone {
		t.Errorf("call left in phase %s", c.s.Phase)
	}
}
