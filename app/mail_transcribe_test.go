package app

import (
	"errors"
	"testing"
)

// TestComposeConfigLoads checks deploy/compose/voicemail.yaml, which sends
// the compose stack's email to its relay, mailsink.
func TestComposeConfigLoads(t *testing.T) {
	cfg, err := LoadConfig([]string{"--config", "../deploy/compose/voicemail.yaml"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Mail.Enabled || cfg.Mail.SMTPHost != "mailsink" || cfg.Mail.SMTPPort != 2525 || cfg.Mail.SMTPSecurity != "none" || cfg.Mail.Attach != "wav" {
		t.Errorf("mail: %+v", cfg.Mail)
	}
	if cfg.Mailboxes[0].Email == "" {
		t.Error("1001 has no email address: the demo would send nothing")
	}
}

func TestTranscribeTimeoutBounds(t *testing.T) {
	base := []string{"--mail.enabled", "true", "--mail.from", "vm@pbx.test", "--mail.smtp_host", "127.0.0.1", "--mail.transcribe", "true"}
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{nil, true}, // the defaults: 60s of a 2m send
		{[]string{"--mail.transcribe_timeout", "500ms"}, false},
		{[]string{"--mail.transcribe_timeout", "90s"}, false},
		{[]string{"--mail.transcribe_timeout", "90s", "--mail.send_timeout", "3m", "--mail.claim_idle", "6m"}, true},
	} {
		_, err := LoadConfig(append(append([]string{}, base...), tt.args...), func(string) string { return "" })
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("%v: %v, want ok %v", tt.args, err, tt.ok)
		}
	}
}
