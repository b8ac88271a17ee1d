package state

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Measured on the development machine (2 vCPUs, Xeon, no -race, Redis 7.0
// on loopback):
//
//	BenchmarkAuthenticate/cost=4           1.6 ms/op
//	BenchmarkAuthenticate/cost=10           84 ms/op
//	BenchmarkCounts                         33 µs/op
//	BenchmarkSaveSession                    32 µs/op
//	BenchmarkDeposit                        61 µs/op
//	BenchmarkMessages (20 messages)        162 µs/op
//	BenchmarkClaimMWI                       34 µs/op
//	BenchmarkProvision/create/half-own-PINs   19.6 s (1000 mailboxes, -benchtime 1x)
//	BenchmarkProvision/recheck/half-own-PINs  24.6 s
//	BenchmarkProvision/create/default-PINs    0.13 s
//	BenchmarkProvision/recheck/default-PINs   0.13 s

// BenchmarkAuthenticate checks a right PIN: one script, one bcrypt compare
// and the reset's pipeline. The cost is bcrypt's.
func BenchmarkAuthenticate(b *testing.B) {
	for _, cost := range []int{bcrypt.MinCost, bcrypt.DefaultCost} {
		b.Run(fmt.Sprint("cost=", cost), func(b *testing.B) {
			loginLoop(b, Config{PINHashCost: cost}, "")
		})
	}
}

// loginLoop logs in to a new store's mailbox 1001 (PIN 2580) b.N times,
// from calling number caller ("" for none).
func loginLoop(b *testing.B, cfg Config, caller string) {
	s, _ := newTestStore(b, cfg)
	ctx := WithCaller(testCtx(b), caller)
	id := mustID(b, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCounts reads the five folder counts in one pipeline.
func BenchmarkCounts(b *testing.B) {
	s, rdb := newTestStore(b, Config{})
	ctx := testCtx(b)
	id := mustID(b, "1001")
	for i := range 50 {
		rdb.ZAdd(ctx, folderKey(id, Folder(i%5)), zMember(i))
	}
	for b.Loop() {
		if _, err := s.Counts(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveSession saves a session with a typical menu state: one
// fenced script.
func BenchmarkSaveSession(b *testing.B) {
	s, _ := newTestStore(b, Config{})
	ctx := testCtx(b)
	sess := Session{
		ChannelID: "1732634712.42", Instance: "vm-a", App: "vm-a", Epoch: 1, Mailbox: "1001@default",
		Menu: json.RawMessage(`{"node":"main","retries":1,"playback":"pb-1","timer":3,"folder":0,"msg":2}`),
	}
	for b.Loop() {
		if err := s.SaveSession(ctx, sess); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProvision provisions 1000 mailboxes at the default bcrypt cost:
// into an empty Redis, half with their own PIN ("create/half-own-PINs") or
// all with the default PIN ("create/default-PINs"), then again unchanged
// ("recheck/…": one bcrypt compare per mailbox whose own PIN is set by
// configuration, one in all for those with the default PIN).
func BenchmarkProvision(b *testing.B) {
	half := thousandBoxes()
	defaults := thousandBoxes()
	for i := range defaults {
		defaults[i].PIN = ""
	}
	for _, set := range []struct {
		name  string
		boxes []MailboxConfig
	}{{"half-own-PINs", half}, {"default-PINs", defaults}} {
		b.Run("create/"+set.name, func(b *testing.B) {
			s, rdb := newTestStore(b, Config{PINHashCost: bcrypt.DefaultCost})
			ctx := benchCtx(b)
			for b.Loop() {
				b.StopTimer()
				rdb.FlushAll(ctx)
				b.StartTimer()
				if _, err := s.Provision(ctx, set.boxes); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("recheck/"+set.name, func(b *testing.B) {
			s, _ := newTestStore(b, Config{PINHashCost: bcrypt.DefaultCost})
			ctx := benchCtx(b)
			if _, err := s.Provision(ctx, set.boxes); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Provision(ctx, set.boxes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchCtx bounds a benchmark's Redis work more loosely than testCtx:
// bcrypt at the default cost over 1000 mailboxes takes tens of seconds.
func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// BenchmarkDeposit deposits a fresh message each time: one script. The
// folder is emptied (untimed) before it reaches Config.MaxMessages.
func BenchmarkDeposit(b *testing.B) {
	s, rdb := newTestStore(b, Config{MaxMessages: maxMaxMessages})
	ctx := testCtx(b)
	mb := mustID(b, "1001")
	i := 0
	for b.Loop() {
		if i > 0 && i%maxMaxMessages == 0 {
			b.StopTimer()
			rdb.FlushAll(ctx)
			b.StartTimer()
		}
		if _, err := s.Deposit(ctx, testMessage(mb, fmt.Sprint("m", i), int64(i))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkMessages lists a folder of 20 messages: one ZRANGE and one
// pipeline of 20 HGETALLs.
func BenchmarkMessages(b *testing.B) {
	s, _ := newTestStore(b, Config{})
	ctx := testCtx(b)
	mb := mustID(b, "1001")
	for i := range 20 {
		deposit(b, s, testMessage(mb, fmt.Sprint("m", i), int64(i)))
	}
	for b.Loop() {
		msgs, err := s.Messages(ctx, mb, FolderNew)
		if err != nil || len(msgs) != 20 {
			b.Fatal(len(msgs), err)
		}
	}
}

// BenchmarkClaimMWI claims ever higher versions, so every claim wins and
// writes: one script.
func BenchmarkClaimMWI(b *testing.B) {
	s, _ := newTestStore(b, Config{})
	ctx := testCtx(b)
	mb := mustID(b, "1001")
	var v int64
	for b.Loop() {
		v++
		if ok, err := s.ClaimMWI(ctx, mb, v); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkLogin is a phone login as the app makes it: a pepper (a salted
// HMAC, microseconds), the calling number in ctx (its own day counter),
// and the counts, greetings and options of the login's summary. What it
// measures is Redis round trips, not the compare.
//
//   - one: a login at a time, round trips on an idle connection.
//   - burst200: 200 logins of 200 mailboxes start at once, as 200
//     synchronised callers press '#' (vmload -arrivals sync); it reports
//     the p50 and the slowest login of the burst as well as ns/op per
//     burst. On 2 vCPUs the goroutines and redis-server share the CPUs,
//     so each sequential round trip waits for one.
func BenchmarkLogin(b *testing.B) {
	cfg := Config{PINPepper: "bench-pepper-0123456789abcdef0123456789"}
	b.Run("one", func(b *testing.B) { loginLoop(b, cfg, "15550001001") })
	b.Run("burst200", func(b *testing.B) {
		const n = 200
		s, _ := newTestStore(b, cfg)
		ctx := testCtx(b)
		boxes := make([]MailboxConfig, n)
		for i := range boxes {
			boxes[i] = MailboxConfig{ID: mustID(b, fmt.Sprint(10000+i)), PIN: "2580"}
		}
		if _, err := s.Provision(ctx, boxes); err != nil {
			b.Fatal(err)
		}
		var all []time.Duration
		for b.Loop() {
			took := make([]time.Duration, n)
			errs := make(chan error, n)
			var start, wg sync.WaitGroup
			start.Add(1)
			for i := range n {
				wg.Go(func() {
					cctx := WithCaller(ctx, fmt.Sprint(15550000000+i))
					start.Wait()
					t0 := time.Now()
					if _, err := s.Authenticate(cctx, boxes[i].ID, "2580"); err != nil {
						errs <- err
					}
					took[i] = time.Since(t0)
				})
			}
			start.Done()
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			all = append(all, took...)
		}
		slices.Sort(all)
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*95/100].Microseconds()), "p95-µs")
		b.ReportMetric(float64(all[len(all)-1].Microseconds()), "max-µs")
	})
}

// BenchmarkLoginToFirstFolder is the Redis side of a PIN's '#' up to the
// intro: the login, then the starting folder's messages (10 in New).
//
//   - afresh: the folder read as any folder is (ZRANGE, then the
//     messages), as every call did before the login listed it.
//   - listed: the folder's messages from the ids the login read with its
//     counts (LoginSummary.Listed, MessagesListed), as a call does now.
func BenchmarkLoginToFirstFolder(b *testing.B) {
	cfg := Config{PINPepper: "bench-pepper-0123456789abcdef0123456789"}
	for _, listed := range []bool{false, true} {
		name := "afresh"
		if listed {
			name = "listed"
		}
		b.Run(name, func(b *testing.B) {
			s, _ := newTestStore(b, cfg)
			ctx := WithCaller(testCtx(b), "15550001001")
			id := mustID(b, "1001")
			if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
				b.Fatal(err)
			}
			at := time.Now()
			for i := range 10 {
				msgID := NewMessageID(at.Add(time.Duration(i) * time.Millisecond))
				if _, err := s.Deposit(ctx, Message{ID: msgID, Mailbox: id, Folder: FolderNew,
					Recording: "vm/" + msgID, CallerNum: "2001", Received: at, Duration: 5 * time.Second}); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				mb, err := s.Authenticate(ctx, id, "2580")
				if err != nil {
					b.Fatal(err)
				}
				var msgs []Message
				if ids, ok := mb.Summary.Listed[FolderNew]; listed && ok {
					msgs, err = s.MessagesListed(ctx, id, FolderNew, ids)
				} else {
					msgs, err = s.Messages(ctx, id, FolderNew)
				}
				if err != nil || len(msgs) != 10 {
					b.Fatalf("%d messages, %v", len(msgs), err)
				}
			}
		})
	}
}
