package app

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// TestPruneUnlisted: with voicemail.prune_unlisted, starting with a YAML
// that no longer lists 1004 deletes it with its message; the listed
// mailboxes and one the admin API created stay; without the setting,
// nothing is pruned.
func TestPruneUnlisted(t *testing.T) {
	srv := aritest.NewServer(t)
	rdb := redistest.Start(t)
	st, err := state.New(state.Config{}, rdb)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runs := 0
	run := func(prune bool, boxes ...string) {
		t.Helper()
		runs++
		cfg := DefaultConfig()
		cfg.ARI.URL, cfg.ARI.Username, cfg.ARI.Password = srv.URL(), aritest.DefaultUsername, aritest.DefaultPassword
		cfg.Redis.Addrs = []string{rdb.Options().Addr}
		cfg.Ops.Listen = ""
		cfg.Voicemail.PINHashCost = 4
		cfg.Voicemail.PruneUnlisted = prune
		for _, b := range boxes {
			cfg.Mailboxes = append(cfg.Mailboxes, MailboxConfig{Mailbox: b, PIN: "1234"})
		}
		a, err := New(cfg, zaptest.NewLogger(t))
		must(t, err)
		actx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(actx) }()
		must(t, srv.WaitConnected(ctx, runs)) // provisioning (and pruning) is done
		stop()
		<-done
	}
	exists := func(n string) bool {
		ok, err := st.MailboxExists(ctx, mailbox.MustParseID(n))
		must(t, err)
		return ok
	}

	run(false, "1001", "1002", "1003", "1004")
	if _, err := st.CreateMailbox(ctx, state.NewMailbox{ID: mailbox.MustParseID("1009"), PIN: "97531"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Deposit(ctx, state.Message{Mailbox: mailbox.MustParseID("1004"), ID: state.NewMessageID(time.Now()),
		Recording: "voicemail/default/1004/msg/a", Received: time.Now(), Duration: 3 * time.Second, Origin: "1004@default"}); err != nil {
		t.Fatal(err)
	}

	run(false, "1001", "1002", "1003")
	if !exists("1004") {
		t.Fatal("1004 pruned without voicemail.prune_unlisted")
	}
	run(true) // an empty list prunes nothing
	if !exists("1004") || !exists("1001") {
		t.Fatal("an empty mailbox list pruned")
	}
	run(true, "1001", "1002", "1003")
	if exists("1004") {
		t.Fatal("1004 not pruned")
	}
	if msgs, err := st.Messages(ctx, mailbox.MustParseID("1004"), state.FolderNew); err != nil || len(msgs) != 0 {
		t.Errorf("pruned 1004 keeps %d messages (%v)", len(msgs), err)
	}
	for _, n := range []string{"1001", "1002", "1003", "1009"} {
		if !exists(n) {
			t.Errorf("%s pruned", n)
		}
	}
}
