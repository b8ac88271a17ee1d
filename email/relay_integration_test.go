package email

import (
	"context"
	"errors"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/internal/testkit"
)

// relayConfig is the SMTPConfig of a test relay.
func relayConfig(srv *smtptest.Server, security string) SMTPConfig {
	return SMTPConfig{
		Host: smtptest.Host, Port: srv.Port, Security: security,
		Username: smtptest.Username, Password: smtptest.Password,
		TLS: srv.ClientTLS(), Timeout: 5 * time.Second,
	}
}

func testMsg(t *testing.T, to string) *gomail.Msg {
	t.Helper()
	m := gomail.NewMsg()
	if err := m.From("voicemail@pbx.test"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject("Nouveau message de Zoë")
	m.SetBodyString(gomail.TypeTextPlain, "Bonjour")
	m.SetMessageIDWithValue("m1.email.1001.default@pbx.test")
	return m
}

func TestRelaySendsOverStartTLSAndImplicitTLSWithAuth(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	for _, tc := range []struct {
		name     string
		implicit bool
		security string
	}{
		{"starttls", false, SecurityStartTLS},
		{"implicit TLS", true, SecurityTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{ImplicitTLS: tc.implicit})
			r, err := NewRelay(relayConfig(srv, tc.security))
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Send(testkit.Timeout(t, 10*time.Second), testMsg(t, "ann@example.test")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("relay accepted %d mails", len(got))
			}
			m := got[0]
			if !m.TLS || !m.Auth || m.From != "voicemail@pbx.test" || len(m.To) != 1 || m.To[0] != "ann@example.test" {
				t.Errorf("received %+v", m)
			}
			if m.MessageID() != "m1.email.1001.default@pbx.test" {
				t.Errorf("Message-ID %q", m.MessageID())
			}
			if subj := m.Header.Get("Subject"); subj != "=?UTF-8?q?Nouveau_message_de_Zo=C3=AB?=" {
				t.Errorf("Subject header %q, want it encoded (RFC 2047)", subj)
			}
		})
	}
}

func TestRelayClassifiesFailures(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	tests := []struct {
		name  string
		setup func(srv *smtptest.Server, cfg *SMTPConfig)
		want  error
	}{
		{"relay down", func(srv *smtptest.Server, _ *SMTPConfig) { srv.Stop() }, ErrTemporary},
		{"wrong password", func(_ *smtptest.Server, cfg *SMTPConfig) { cfg.Password = "wrong" }, ErrTemporary},
		{"untrusted certificate", func(_ *smtptest.Server, cfg *SMTPConfig) { cfg.TLS = nil }, ErrTemporary},
		{"451 to RCPT", func(srv *smtptest.Server, _ *SMTPConfig) {
			srv.OnRcpt(func(string) error { return smtptest.TempFail })
		}, ErrTemporary},
		{"550 to RCPT", func(srv *smtptest.Server, _ *SMTPConfig) {
			srv.OnRcpt(func(string) error { return smtptest.PermFail })
		}, ErrPermanent},
		{"451 to DATA", func(srv *smtptest.Server, _ *SMTPConfig) {
			srv.OnData(func(smtptest.Received) error { return smtptest.TempFail })
		}, ErrTemporary},
		{"554 to DATA", func(srv *smtptest.Server, _ *SMTPConfig) {
			srv.OnData(func(smtptest.Received) error { return smtptest.PermFail })
		}, ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{})
			cfg := relayConfig(srv, SecurityStartTLS)
			tt.setup(srv, &cfg)
			r, err := NewRelay(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = r.Send(testkit.Timeout(t, 10*time.Second), testMsg(t, "ann@example.test"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Send = %v, want %v", err, tt.want)
			}
			other := ErrPermanent
			if tt.want == ErrPermanent {
				other = ErrTemporary
			}
			if errors.Is(err, other) {
				t.Errorf("Send = %v: both temporary and permanent", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("relay accepted %d mails", n)
			}
		})
	}
}

func TestRelaySendEndsWithItsContext(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	srv := smtptest.NewServer(t, smtptest.Options{})
	held := make(chan struct{})
	release := make(chan struct{})
	srv.OnData(func(smtptest.Received) error {
		close(held)
		<-release
		return smtptest.TempFail
	})
	defer close(release)
	r, err := NewRelay(relayConfig(srv, SecurityStartTLS))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testkit.Timeout(t, 10*time.Second))
	done := make(chan error, 1)
	go func() { done <- r.Send(ctx, testMsg(t, "ann@example.test")) }()
	<-held
	start := time.Now()
	cancel()
	err = <-done
	if !errors.Is(err, ErrTemporary) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want a temporary failure for the cancel", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send returned %v after its context ended", d)
	}
}

func TestNewRelayRejectsBadSettings(t *testing.T) {
	for _, cfg := range []SMTPConfig{
		{},
		{Host: "relay.test", Security: "ssl"},
		{Host: "relay.test", Port: 70000},
		{Host: "relay.test", Password: "x"},
		{Host: "relay.test", Timeout: time.Millisecond},
	} {
		if _, err := NewRelay(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewRelay(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}
