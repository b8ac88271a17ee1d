package state

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"golang.org/x/crypto/bcrypt"

	"github.com/clusterpbx/voicemail/state/redistest"
)

func TestAuthenticate(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxFailures: 3})
	ctx := testCtx(t)
	id := mustID(t, "1001@sales")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, Name: "Alice", PIN: "2580", Language: "en"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   MailboxID
		pin  string
		want error
	}{
		{"right", id, "2580", nil},
		{"wrong", id, "2581", ErrWrongPIN},
		{"empty", id, "", ErrWrongPIN},
		{"not digits", id, "25a0", ErrWrongPIN},
		{"prefix of PIN", id, "258", ErrWrongPIN},
		{"too long", id, "25802580258025802580258025802580", ErrWrongPIN},
		{"unknown mailbox", mustID(t, "1002@sales"), "2580", ErrMailboxNotFound},
		{"other context", mustID(t, "1001"), "2580", ErrMailboxNotFound},
		{"invalid mailbox", MailboxID{Number: "1001", Context: "../x"}, "2580", ErrInvalidMailbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Authenticate(ctx, tt.id, tt.pin)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Authenticate(%v, %q) = %v, want %v", tt.id, tt.pin, err, tt.want)
			}
			if tt.want == nil {
				want := Mailbox{ID: id, Name: "Alice", Language: "en"}
				if got.Summary == nil || got.Summary.Counts != (Counts{}) || len(got.Summary.Greetings) != 0 {
					t.Errorf("Authenticate summary %+v, want no messages and no greetings", got.Summary)
				}
				got.Summary = nil
				if got != want {
					t.Errorf("Authenticate = %+v, want %+v", got, want)
				}
				// A success clears the failures before the next case,
				// so that MaxFailures is not reached here.
			}
			if tt.want == ErrWrongPIN {
				if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
					t.Fatalf("right PIN after a wrong one: %v", err)
				}
			}
		})
	}
}

func TestAuthenticateLockout(t *testing.T) {
	const lockout = time.Second
	s, rdb := newTestStore(t, Config{MaxFailures: 3, FailureWindow: time.Minute, LockoutDuration: lockout, LockoutMax: 3 * lockout})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	fail3 := func(round int) {
		t.Helper()
		for i := range 3 {
			if _, err := s.Authenticate(ctx, id, "0000"); !errors.Is(err, ErrWrongPIN) {
				t.Fatalf("round %d, failure %d: %v, want ErrWrongPIN", round, i+1, err)
			}
		}
	}
	fail3(1)
	l, err := s.Lockout(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Remaining <= 0 || l.Remaining > lockout || l.Strikes != 1 || l.Failures != 0 {
		t.Errorf("after 3 failures: %+v, want locked out for up to %v, strike 1", l, lockout)
	}
	// Locked: even the right PIN is refused, and not counted.
	for range 3 {
		if _, err := s.Authenticate(ctx, id, "2580"); !errors.Is(err, ErrLocked) {
			t.Fatalf("after 3 failures: %v, want ErrLocked", err)
		}
	}
	if n := rdb.Exists(ctx, authFailKey(id)).Val(); n != 0 {
		t.Errorf("failure counter kept while locked out")
	}
	// Another mailbox is not affected.
	other := mustID(t, "1002")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: other, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, other, "2580"); err != nil {
		t.Errorf("other mailbox: %v", err)
	}
	// The lockout ends; the next one in a row lasts twice as long, and the
	// third is capped at LockoutMax.
	for round, want := range []time.Duration{2 * lockout, 3 * lockout} {
		eventually(t, 5*lockout, "the lockout to end", func() bool {
			l, err := s.Lockout(ctx, id)
			return err == nil && l.Remaining == 0
		})
		fail3(round + 2)
		l, err := s.Lockout(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Remaining <= want-lockout || l.Remaining > want || l.Strikes != round+2 {
			t.Errorf("lockout %d: %+v, want about %v", round+2, l, want)
		}
	}
	// An administrator clears it; the right PIN then works and resets the
	// lockouts in a row.
	was, err := s.Unlock(ctx, id)
	if err != nil || !was {
		t.Fatalf("Unlock = %v, %v; want true", was, err)
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("right PIN after Unlock: %v", err)
	}
	if l, err := s.Lockout(ctx, id); err != nil || l != (Lockout{}) {
		t.Errorf("after a success: %+v, %v; want nothing", l, err)
	}
	if was, err := s.Unlock(ctx, id); err != nil || was {
		t.Errorf("Unlock of an unlocked mailbox = %v, %v; want false", was, err)
	}
}

// A lockout key left without expiry (by hand, or a bug) must not lock the
// mailbox out for ever.
func TestAuthenticateLockoutWithoutExpiry(t *testing.T) {
	s, rdb := newTestStore(t, Config{MaxFailures: 3})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, authLockKey(id), "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Errorf("with a lockout without expiry: %v", err)
	}
}

func TestAuthenticateResetOnSuccess(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxFailures: 3})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		for range 2 {
			if _, err := s.Authenticate(ctx, id, "0000"); !errors.Is(err, ErrWrongPIN) {
				t.Fatalf("round %d: %v, want ErrWrongPIN", round, err)
			}
		}
		if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
			t.Fatalf("round %d: right PIN after 2 of 3 failures: %v", round, err)
		}
	}
}

// TestAuthenticateSummary checks that a login reads the counts and the
// greetings, as Counts and Greetings give them, with the failure reset.
func TestAuthenticateSummary(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	for i, f := range []Folder{FolderNew, FolderNew, FolderWork} {
		msgID := NewMessageID(time.Now().Add(time.Duration(i) * time.Second))
		if _, err := s.Deposit(ctx, Message{ID: msgID, Mailbox: id, Folder: FolderNew, Recording: "vm/" + msgID,
			Received: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if f != FolderNew {
			if _, err := s.Move(ctx, id, msgID, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.SetGreeting(ctx, id, GreetingBusy, "vm/busy1"); err != nil {
		t.Fatal(err)
	}
	mb, err := s.Authenticate(ctx, id, "2580")
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := s.Counts(ctx, id)
	greetings, _ := s.Greetings(ctx, id)
	if mb.Summary == nil || mb.Summary.Counts != counts || counts.New != 2 || counts.Work != 1 ||
		!maps.Equal(mb.Summary.Greetings, greetings) || greetings[GreetingBusy] != "vm/busy1" {
		t.Errorf("summary %+v, want counts %+v and greetings %v", mb.Summary, counts, greetings)
	}
	// The folders a login opens first are listed with the counts, and
	// MessagesListed reads them as Messages does.
	news, err := s.Messages(ctx, id, FolderNew)
	if err != nil || len(news) != 2 {
		t.Fatalf("Messages(New) = %d messages, %v; want 2", len(news), err)
	}
	if mb.Summary == nil || len(mb.Summary.Listed) != 3 || !slices.Equal(mb.Summary.Listed[FolderNew], []string{news[0].ID, news[1].ID}) ||
		len(mb.Summary.Listed[FolderOld]) != 0 || len(mb.Summary.Listed[FolderUrgent]) != 0 {
		t.Fatalf("summary's listing %v, want New %s %s and empty Old and Urgent", mb.Summary.Listed, news[0].ID, news[1].ID)
	}
	listed, err := s.MessagesListed(ctx, id, FolderNew, mb.Summary.Listed[FolderNew])
	if err != nil || !reflect.DeepEqual(listed, news) {
		t.Errorf("MessagesListed = %+v, %v; want %+v", listed, err, news)
	}
	// A message deleted since the login read the ids is left out.
	if _, _, err := s.CloseFolder(ctx, id, FolderNew, nil, []string{news[0].ID}); err != nil {
		t.Fatal(err)
	}
	if listed, err := s.MessagesListed(ctx, id, FolderNew, mb.Summary.Listed[FolderNew]); err != nil || len(listed) != 1 || listed[0].ID != news[1].ID {
		t.Errorf("after a delete, MessagesListed = %+v, %v; want %s only", listed, err, news[1].ID)
	}
	if _, err := s.MessagesListed(ctx, id, Folder(99), nil); !errors.Is(err, ErrInvalidFolder) {
		t.Errorf("MessagesListed of folder 99: %v, want ErrInvalidFolder", err)
	}
}

// Calls in parallel cannot try more PINs per window than MaxFailures.
func TestAuthenticateParallelLimit(t *testing.T) {
	const max, calls = 5, 20
	s, _ := newTestStore(t, Config{MaxFailures: max})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		wrong, locked int
	)
	for range calls {
		wg.Go(func() {
			_, err := s.Authenticate(ctx, id, "0000")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrWrongPIN):
				wrong++
			case errors.Is(err, ErrLocked):
				locked++
			default:
				t.Errorf("Authenticate: %v", err)
			}
		})
	}
	wg.Wait()
	if wrong != max || locked != calls-max {
		t.Errorf("%d wrong and %d locked, want %d and %d", wrong, locked, max, calls-max)
	}
}

func TestSetPIN(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, Name: "Alice"}}); err != nil {
		t.Fatal(err)
	}
	mb, err := s.Authenticate(ctx, id, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if !mb.PINIsDefault || mb.PINChangedByOwner {
		t.Fatalf("fresh mailbox %+v: want PINIsDefault", mb)
	}

	if err := s.SetPIN(ctx, id, "97531"); err != nil {
		t.Fatal(err)
	}
	// Another instance on the same Redis sees it at once.
	other := newStoreOn(t, Config{}, rdb)
	if _, err := other.Authenticate(ctx, id, "1234"); !errors.Is(err, ErrWrongPIN) {
		t.Errorf("old PIN: %v, want ErrWrongPIN", err)
	}
	mb, err = other.Authenticate(ctx, id, "97531")
	if err != nil {
		t.Fatalf("new PIN: %v", err)
	}
	if mb.PINIsDefault || !mb.PINChangedByOwner {
		t.Errorf("after SetPIN %+v: want not default, changed by owner", mb)
	}
	if v := rdb.HGet(ctx, boxKey(id), fieldPINVer).Val(); v != "2" {
		t.Errorf("pin_ver %s, want 2", v)
	}

	// Setting the default PIN again makes it the default again.
	if err := s.SetPIN(ctx, id, "1234"); err != nil {
		t.Fatal(err)
	}
	if mb, err := s.Mailbox(ctx, id); err != nil || !mb.PINIsDefault || !mb.PINChangedByOwner {
		t.Errorf("after SetPIN(default) %+v, %v", mb, err)
	}

	if err := s.SetPIN(ctx, id, "12#4"); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("SetPIN(bad) = %v, want ErrInvalidPIN", err)
	}
	if err := s.SetPIN(ctx, id, ""); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("SetPIN(empty) = %v, want ErrInvalidPIN", err)
	}
	if err := s.SetPIN(ctx, mustID(t, "1002"), "5555"); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("SetPIN(unknown) = %v, want ErrMailboxNotFound", err)
	}
	if n := rdb.Exists(ctx, boxKey(mustID(t, "1002"))).Val(); n != 0 {
		t.Error("SetPIN created an unknown mailbox")
	}
}

// No PIN reaches the log, whatever happens.
func TestPINsNotLogged(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	rdb := redistest.Start(t)
	s, err := New(Config{PINHashCost: 4, MaxFailures: 2, DefaultPIN: "864209753102"}, rdb, WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	id := mustID(t, "1001")
	pins := []string{"864209753102", "975318642013", "112233445566", "556677889900"}
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id}, {ID: mustID(t, "1002"), PIN: "975318642013"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "112233445566"}}); err != nil {
		t.Fatal(err)
	}
	_ = s.SetPIN(ctx, id, "556677889900")
	for _, p := range append(pins, "999999999999") {
		_, _ = s.Authenticate(ctx, id, p)
		_, _ = s.Authenticate(ctx, mustID(t, "4444"), p)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged: the test proves nothing")
	}
	for _, e := range logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + fmt.Sprint(v)
		}
		for _, p := range append(pins, "999999999999") {
			if strings.Contains(line, p) {
				t.Errorf("log line contains PIN %s: %s", p, line)
			}
		}
		if strings.Contains(line, "$2a$") {
			t.Errorf("log line contains a PIN hash: %s", line)
		}
	}
}

// PIN compares wait for a turn when half the CPUs are busy comparing; a
// caller that gives up waiting gets its context's error, not "wrong PIN".
func TestAuthenticateWaitsForACompareTurn(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxFailures: 100})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	for range cap(s.pinChecks) {
		s.pinChecks <- struct{}{} // every turn taken
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := s.Authenticate(short, id, "2580")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with no turn free: %v, want context.DeadlineExceeded", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Authenticate(ctx, id, "2580")
		done <- err
	}()
	<-s.pinChecks // a turn frees up
	if err := <-done; err != nil {
		t.Errorf("once a turn is free: %v", err)
	}
	for len(s.pinChecks) > 0 {
		<-s.pinChecks
	}
}

// A change of voicemail.pin_hash_cost reaches each mailbox at its owner's
// next right PIN: the hash is made again at the new cost, and nothing else
// about the PIN changes.
func TestAuthenticateMovesTheHashToTheConfiguredCost(t *testing.T) {
	ctx := testCtx(t)
	old, rdb := newTestStore(t, Config{PINHashCost: 5})
	id := MailboxID{Number: "1001", Context: "default"}
	if _, err := old.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	stored := func() map[string]string { return rdb.HGetAll(ctx, boxKey(id)).Val() }
	before := stored()
	if c, _ := bcrypt.Cost([]byte(before[fieldPINHash])); c != 5 {
		t.Fatalf("provisioned at cost %d, want 5", c)
	}

	s := newStoreOn(t, Config{PINHashCost: 4}, rdb)
	if _, err := s.Authenticate(ctx, id, "2589"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if stored()[fieldPINHash] != before[fieldPINHash] {
		t.Fatal("a wrong PIN changed the hash")
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatal(err)
	}
	after := stored()
	if c, _ := bcrypt.Cost([]byte(after[fieldPINHash])); c != 4 {
		t.Fatalf("after a right PIN the hash has cost %d, want 4", c)
	}
	for _, f := range []string{fieldPINSource, fieldPINVer, fieldPINDefault} {
		if after[f] != before[f] {
			t.Errorf("%s changed from %q to %q", f, before[f], after[f])
		}
	}
	if _, err := s.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("the right PIN after the rehash: %v", err)
	}
	if _, err := old.Authenticate(ctx, id, "2580"); err != nil {
		t.Fatalf("an instance still on the old cost: %v", err)
	}
}

// TestAuthenticateSummaryListsAtMost: a login lists a folder for the
// first load only when it read it whole; a longer one is left out (and is
// read when opened), so a login never reads more than loginListMax ids of
// a folder it may not open.
func TestAuthenticateSummaryListsAtMost(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxMessages: loginListMax + 10})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "2580"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	for i := range loginListMax + 1 {
		msgID := NewMessageID(at.Add(time.Duration(i) * time.Millisecond))
		if _, err := s.Deposit(ctx, Message{ID: msgID, Mailbox: id, Folder: FolderNew, Recording: "vm/" + msgID,
			Received: at}); err != nil {
			t.Fatal(err)
		}
	}
	mb, err := s.Authenticate(ctx, id, "2580")
	if err != nil {
		t.Fatal(err)
	}
	if mb.Summary == nil || mb.Summary.Counts.New != loginListMax+1 {
		t.Fatalf("summary %+v, want %d New", mb.Summary, loginListMax+1)
	}
	if ids, ok := mb.Summary.Listed[FolderNew]; ok {
		t.Errorf("New listed with %d ids, want it left out (longer than %d)", len(ids), loginListMax)
	}
	if _, ok := mb.Summary.Listed[FolderOld]; !ok {
		t.Errorf("Old (empty) not listed: %v", mb.Summary.Listed)
	}
}
