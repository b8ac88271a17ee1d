package app

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestStartupWarnings: the shipped ARI password and default PIN, and
// mailboxes left on the default PIN, are each a security_event at start-up;
// a configuration without them gives none.
func TestStartupWarnings(t *testing.T) {
	events := func(cfg Config) map[string]int {
		core, logs := observer.New(zap.WarnLevel)
		logStartupWarnings(zap.New(core), cfg)
		got := map[string]int{}
		for _, e := range logs.All() {
			ev, _ := e.ContextMap()["security_event"].(string)
			n, _ := e.ContextMap()["mailboxes"].(int64)
			got[ev] = int(n)
		}
		return got
	}
	shipped := DefaultConfig()
	shipped.Mailboxes = []MailboxConfig{{Mailbox: "1001"}, {Mailbox: "1002", PIN: "8642"}, {Mailbox: "1003"}}
	got := events(shipped)
	if len(got) != 3 || got["mailboxes_on_default_pin"] != 2 {
		t.Errorf("shipped settings: events %v, want default_ari_password, default_pin, mailboxes_on_default_pin (2)", got)
	}
	for _, ev := range []string{"default_ari_password", "default_pin"} {
		if _, ok := got[ev]; !ok {
			t.Errorf("shipped settings: no %s event", ev)
		}
	}
	fixed := DefaultConfig()
	fixed.ARI.Password = "a-long-random-one"
	fixed.Voicemail.DefaultPIN = "80531"
	fixed.Mailboxes = []MailboxConfig{{Mailbox: "1002", PIN: "8642"}}
	if got := events(fixed); len(got) != 0 {
		t.Errorf("fixed settings: events %v, want none", got)
	}
}
