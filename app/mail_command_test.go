package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

func TestMailListRetryDrop(t *testing.T) {
	ctx := testkit.Timeout(t, 30*time.Second)
	store, err := state.New(state.Config{PINHashCost: 4}, redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	mb := state.MailboxID{Number: "1001", Context: "default"}
	if _, err := store.Provision(ctx, []state.MailboxConfig{{ID: mb, Name: "Ann", Email: "ann@example.test",
		Notify: state.NotifySettings{Pager: "pager@example.test"}}}); err != nil {
		t.Fatal(err)
	}
	msg := state.Message{ID: state.NewMessageID(time.Now()), Mailbox: mb, Recording: "voicemail/default/1001/msg/x",
		Received: time.Now(), Duration: 3 * time.Second}
	if _, err := store.Deposit(ctx, msg); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runMail(ctx, store, time.Minute, args, false, &out)
		return out.String(), err
	}
	out, err := run("list")
	if err != nil || !strings.HasPrefix(out, "2 pending, 0 dead\n") || !strings.Contains(out, msg.ID) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	// The relay refuses both for good.
	ns, _, err := store.TakeNotifications(ctx, mb, "test", time.Minute, 10)
	if err != nil || len(ns) != 2 {
		t.Fatalf("take: %d, %v", len(ns), err)
	}
	for _, n := range ns {
		if _, _, err := store.NotificationFailed(ctx, n, "test", "550 5.1.1 no such user\r\n", true,
			state.RetryPolicy{Backoff: time.Second, GiveUp: time.Hour, ClaimIdle: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	out, err = run("list")
	if err != nil || !strings.HasPrefix(out, "0 pending, 2 dead\n") || !strings.Contains(out, "550 5.1.1 no such user") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var js bytes.Buffer
	if err := runMail(ctx, store, time.Minute, []string{"list"}, true, &js); err != nil || !strings.Contains(js.String(), `"state": "dead"`) {
		t.Fatalf("list --json: %v\n%s", err, js.String())
	}
	rep, _ := store.ListNotifications(ctx)
	pagerID := ""
	for _, d := range rep.Dead {
		if d.Target == state.TargetPager {
			pagerID = mb.String() + "/" + d.ID
		}
	}
	if out, err := run("drop", pagerID); err != nil || !strings.Contains(out, "dropped") {
		t.Fatalf("drop: %v\n%s", err, out)
	}
	if out, err := run("retry", "dead"); err != nil || strings.Count(out, "queued again") != 1 {
		t.Fatalf("retry dead: %v\n%s", err, out)
	}
	out, err = run("list")
	if err != nil || !strings.HasPrefix(out, "1 pending, 0 dead\n") {
		t.Fatalf("list after retry and drop: %v\n%s", err, out)
	}
	if _, err := run("drop", pagerID); err == nil {
		t.Error("dropping what is gone: no error")
	}
	for _, bad := range [][]string{{}, {"send"}, {"retry"}, {"drop", "1001"}, {"list", "x"}} {
		if _, err := run(bad...); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("mail %q: %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestMailConfigValidation(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--mail.enabled", "true"}, "mail.from"},
		{[]string{"--mail.enabled", "true", "--mail.from", "vm@pbx.test"}, "mail.smtp_host"},
		{[]string{"--mail.enabled", "true", "--mail.from", "vm@pbx.test", "--mail.smtp_host", "relay", "--mail.claim_idle", "1m"}, "mail.claim_idle"},
		{[]string{"--mail.enabled", "true", "--mail.from", "vm@pbx.test", "--mail.smtp_host", "relay", "--mail.smtp_security", "ssl"}, "mail.smtp_security"},
	} {
		_, err := LoadConfig(tt.args, envOf(nil))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadConfig(%q) = %v, want an error naming %s", tt.args, err, tt.want)
		}
	}
	if _, err := LoadConfig([]string{"--mail.enabled", "true", "--mail.from", "vm@pbx.test", "--mail.smtp_host", "relay"}, envOf(nil)); err != nil {
		t.Errorf("a minimal mail config: %v", err)
	}
	t.Setenv("VOICEMAIL_MAIL_SMTP_PASSWORD", "s3cret")
	cfg, err := LoadConfig(nil, envOf(map[string]string{"VOICEMAIL_MAIL_SMTP_PASSWORD": "s3cret"}))
	if err != nil || cfg.Mail.SMTPPassword != "s3cret" || cfg.Redacted().Mail.SMTPPassword != redacted {
		t.Errorf("the relay's password from the environment: %v, %q", err, cfg.Mail.SMTPPassword)
	}
}
