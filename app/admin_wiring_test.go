package app

import (
	"errors"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// TestDepositReviewFromRedis checks that a deposit offers the review menu
// as the mailbox's record in Redis says (provisioned from the YAML or set
// through the admin API), else as voicemail.review: an API change reaches
// every instance's next call.
func TestDepositReviewFromRedis(t *testing.T) {
	store, err := state.New(state.Config{PINHashCost: 4}, redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	on, off := true, false
	for _, m := range []state.NewMailbox{
		{ID: mailbox.MustParseID("6001"), PIN: "97531", Options: state.Options{Review: &on}},
		{ID: mailbox.MustParseID("6002"), PIN: "97531", Options: state.Options{Review: &off}},
		{ID: mailbox.MustParseID("6003"), PIN: "97531"},
	} {
		if _, err := store.CreateMailbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig().callConfig()
	for _, tt := range []struct {
		mailbox string
		def     bool
		want    bool
	}{
		{"6001", false, true},
		{"6002", true, false},
		{"6003", false, false},
		{"6003", true, true},
	} {
		view := &depositView{Store: store}
		req := call.Request{Mode: "deposit", Mailbox: mailbox.MustParseID(tt.mailbox), HasMailbox: true, Greeting: "unavail"}
		d, _, err := call.PrepareDeposit(ctx, view, cfg, view.reviewOr(tt.def), req, ari.CallerID{Number: "2001"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if d.Review != tt.want {
			t.Errorf("mailbox %s, voicemail.review %v: review %v, want %v", tt.mailbox, tt.def, d.Review, tt.want)
		}
	}
	// A change through the store is seen by the next deposit.
	if _, err := store.UpdateMailbox(ctx, mailbox.MustParseID("6003"), state.MailboxUpdate{Options: state.Options{Review: &on}}); err != nil {
		t.Fatal(err)
	}
	view := &depositView{Store: store}
	d, _, err := call.PrepareDeposit(ctx, view, cfg, view.reviewOr(false),
		call.Request{Mode: "deposit", Mailbox: mailbox.MustParseID("6003"), HasMailbox: true}, ari.CallerID{}, time.Now())
	if err != nil || !d.Review {
		t.Errorf("after an update: review %v, %v", d != nil && d.Review, err)
	}
}

// TestDepositUrgentFromArgs checks that deposit,MAILBOX,GREETING,urgent
// prepares an urgent deposit, and that fullness is that of the folder the
// message goes to (leave_voicemail counts INBOX, or Urgent for U).
func TestDepositUrgentFromArgs(t *testing.T) {
	store, err := state.New(state.Config{PINHashCost: 4, MaxMessages: 1}, redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id := mailbox.MustParseID("6101")
	if _, err := store.CreateMailbox(ctx, state.NewMailbox{ID: id, PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Deposit(ctx, state.Message{ID: state.NewMessageID(time.Now()), Mailbox: id,
		Recording: "voicemail/default/6101/msg/a", Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig().callConfig()
	cfg.Defaults.MaxMessages = 1
	view := &depositView{Store: store}
	for _, tt := range []struct {
		args       []string
		wantFull   bool
		wantUrgent bool
	}{
		{[]string{"deposit", "6101", "unavail"}, true, false},
		{[]string{"deposit", "6101", "busy", "urgent"}, false, true},
	} {
		req, err := ParseArgs(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := call.PrepareDeposit(ctx, view, cfg, view.reviewOr(false), req, ari.CallerID{Number: "2001"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if d.Full != tt.wantFull || d.Urgent != tt.wantUrgent {
			t.Errorf("%q: full %v urgent %v, want full %v urgent %v", tt.args, d.Full, d.Urgent, tt.wantFull, tt.wantUrgent)
		}
	}
}

// TestDepositLimitsFromMailboxOptions: a mailbox's own maxmsg, minsecs,
// maxsecs, maxsilence and operator reach the deposit; a mailbox without
// them gets the system's.
func TestDepositLimitsFromMailboxOptions(t *testing.T) {
	rdb := redistest.Start(t)
	store, err := state.New(state.Config{PINHashCost: 4}, rdb)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	own := state.Options{Operator: new(true), MaxMessages: new(1), MinSecs: new(0), MaxSecs: new(30), MaxSilence: new(0)}
	for _, m := range []state.NewMailbox{
		{ID: mailbox.MustParseID("6101"), PIN: "97531", Options: own},
		{ID: mailbox.MustParseID("6102"), PIN: "97531"},
	} {
		if _, err := store.CreateMailbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig().callConfig()
	prepare := func(n string) *menus.Deposit {
		t.Helper()
		view := &depositView{Store: store}
		req := call.Request{Mode: "deposit", Mailbox: mailbox.MustParseID(n), HasMailbox: true, Greeting: "unavail"}
		d, _, err := call.PrepareDeposit(ctx, view, cfg, view.reviewOr(false), req, ari.CallerID{Number: "2001"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := prepare("6101"); !d.Operator || d.MinSeconds != 0 || d.MaxSeconds != 30 || d.MaxSilence != 0 || d.Full {
		t.Errorf("own options: %+v", d)
	}
	if d := prepare("6102"); d.Operator || d.MinSeconds != 2 || d.MaxSeconds != 300 || d.MaxSilence != 10 {
		t.Errorf("system's options: %+v", d)
	}
	// maxmsg 1: one message fills it, for the deposit and for the store.
	msg := state.Message{Mailbox: mailbox.MustParseID("6101"), ID: state.NewMessageID(time.Now()), Recording: "voicemail/default/6101/msg/a",
		Received: time.Now(), Duration: 3 * time.Second, Origin: "6101@default"}
	if _, err := store.Deposit(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if d := prepare("6101"); !d.Full {
		t.Error("maxmsg 1 with one message: not full")
	}
	msg.ID, msg.Recording = state.NewMessageID(time.Now().Add(time.Second)), "voicemail/default/6101/msg/b"
	if _, err := store.Deposit(ctx, msg); !errors.Is(err, state.ErrMailboxFull) {
		t.Errorf("second deposit into a maxmsg 1 mailbox: %v, want ErrMailboxFull", err)
	}
}
