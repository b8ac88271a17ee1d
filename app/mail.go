package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/email"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/transcribe"
)

// MailConfig is the email of new messages (package email, docs/email.md):
// every instance with it enabled sends the notifications that deposits
// queue in Redis for mailboxes with an email or pager address. The keys
// of the relay are flat (smtp_host, not smtp.host) so that each has an
// environment variable (VOICEMAIL_MAIL_SMTP_HOST).
type MailConfig struct {
	// Enabled runs a sender on this instance. Notifications are queued for
	// mailboxes with an address whether or not any instance sends; they
	// wait (and, after give_up, go to the dead letters). Default false.
	Enabled bool `koanf:"enabled"`
	// From is the sender's address (app_voicemail's serveremail).
	// Required when enabled.
	From string `koanf:"from"`
	// FromName is the From display name (fromstring). Default Voicemail.
	FromName string `koanf:"from_name"`
	// Attach is the attachment of mailboxes that set none: wav, mp3 or
	// none. Default wav.
	Attach string `koanf:"attach"`
	// TemplatesDir holds LANG/email_subject.tmpl, email_body.tmpl,
	// pager_subject.tmpl, pager_body.tmpl to replace the shipped ones.
	// Default "".
	TemplatesDir string `koanf:"templates_dir"`
	// Language of mailboxes without one, or without templates. Default en.
	Language string `koanf:"language"`
	// Workers is how many mailboxes this instance serves at once. Default 4.
	Workers int `koanf:"workers"`
	// Poll is how often an idle sender looks for work. Default 1s.
	Poll time.Duration `koanf:"poll"`
	// SendTimeout bounds one notification. Default 2m.
	SendTimeout time.Duration `koanf:"send_timeout"`
	// ClaimIdle is when another instance takes over a notification whose
	// sender went silent (at least twice send_timeout). Default 5m.
	ClaimIdle time.Duration `koanf:"claim_idle"`
	// RetryMin, RetryMax: the first wait after a failure, doubled each
	// time up to the second. Default 30s and 30m.
	RetryMin time.Duration `koanf:"retry_min"`
	RetryMax time.Duration `koanf:"retry_max"`
	// GiveUp is when a failing notification goes to the dead letters.
	// Default 48h.
	GiveUp time.Duration `koanf:"give_up"`
	// Lame is the MP3 encoder. Default lame.
	Lame string `koanf:"lame"`
	// Transcribe puts an automatic transcript of each message (offline,
	// pocketsphinx's en-us model) into its email and its metadata.
	// Default false.
	Transcribe bool `koanf:"transcribe"`
	// TranscribeTimeout bounds one transcript; past it the email goes
	// without. 1s to half of send_timeout. Default 60s.
	TranscribeTimeout time.Duration `koanf:"transcribe_timeout"`
	// Pocketsphinx is the decoder (Debian's pocketsphinx, with
	// pocketsphinx-en-us). Default pocketsphinx_continuous.
	Pocketsphinx string `koanf:"pocketsphinx"`
	// The relay.
	SMTPHost     string `koanf:"smtp_host"`
	SMTPPort     int    `koanf:"smtp_port"`
	SMTPSecurity string `koanf:"smtp_security"`
	SMTPUsername string `koanf:"smtp_username"`
	SMTPPassword string `koanf:"smtp_password"`
	// SMTPPasswordFile is a file holding the relay's password.
	SMTPPasswordFile string        `koanf:"smtp_password_file"`
	SMTPTimeout      time.Duration `koanf:"smtp_timeout"`
	SMTPHELO         string        `koanf:"smtp_helo"`
	SMTPTLSCAFile    string        `koanf:"smtp_tls_ca_file"`
	// SMTPTLSInsecureSkipVerify turns certificate checks off: tests only.
	SMTPTLSInsecureSkipVerify bool `koanf:"smtp_tls_insecure_skip_verify"`
}

// defaultMailConfig is the mail part of DefaultConfig: package email's
// defaults.
func defaultMailConfig() MailConfig {
	d := email.Config{From: "x@x"}.WithDefaults()
	return MailConfig{
		FromName: d.FromName, Attach: d.Attach, Language: d.Language, Workers: d.Workers, Poll: d.Poll,
		SendTimeout: d.SendTimeout, ClaimIdle: d.ClaimIdle, RetryMin: d.RetryMin, RetryMax: d.RetryMax,
		GiveUp: d.GiveUp, Lame: d.Lame, SMTPPort: d.SMTP.Port,
		TranscribeTimeout: email.DefaultTranscribeTimeout, Pocketsphinx: "pocketsphinx_continuous",
		SMTPSecurity: d.SMTP.Security, SMTPTimeout: d.SMTP.Timeout,
	}
}

// emailConfig is the email.Config that c describes.
func (c Config) emailConfig() (email.Config, error) {
	m := c.Mail
	tlsCfg, err := tlsConfig("mail", m.SMTPTLSCAFile, "", m.SMTPTLSInsecureSkipVerify)
	if err != nil {
		return email.Config{}, err
	}
	loc, err := loadLocation(c.Voicemail.Timezone)
	if err != nil {
		return email.Config{}, fmt.Errorf("%w: voicemail.timezone: %v", ErrInvalidConfig, err)
	}
	return email.Config{
		From: m.From, FromName: m.FromName, Attach: m.Attach, Location: loc, Language: m.Language,
		TemplatesDir: m.TemplatesDir, Workers: m.Workers, Poll: m.Poll, SendTimeout: m.SendTimeout,
		ClaimIdle: m.ClaimIdle, RetryMin: m.RetryMin, RetryMax: m.RetryMax, GiveUp: m.GiveUp, Lame: m.Lame,
		SMTP: email.SMTPConfig{Host: m.SMTPHost, Port: m.SMTPPort, Security: m.SMTPSecurity,
			Username: m.SMTPUsername, Password: m.SMTPPassword, TLS: tlsCfg, HELO: m.SMTPHELO, Timeout: m.SMTPTimeout},
	}, nil
}

// mailKeys names the setting of each email.Config field.
var mailKeys = map[string]string{
	"From": "mail.from", "FromName": "mail.from_name", "Attach": "mail.attach", "Language": "mail.language",
	"MessageIDDomain": "mail.from", "Workers": "mail.workers", "Poll": "mail.poll",
	"SendTimeout": "mail.send_timeout", "ClaimIdle": "mail.claim_idle", "RetryMin": "mail.retry_min",
	"RetryMax": "mail.retry_max", "GiveUp": "mail.give_up", "Lame": "mail.lame",
	"SMTP.Host": "mail.smtp_host", "SMTP.Port": "mail.smtp_port", "SMTP.Security": "mail.smtp_security",
	"SMTP.Password": "mail.smtp_password", "SMTP.Timeout": "mail.smtp_timeout", "SMTP.HELO": "mail.smtp_helo",
}

// validateMail checks the mail settings when mail is enabled, through
// package email's validator.
func (c Config) validateMail() error {
	for _, m := range c.Mailboxes {
		if !email.ValidAttach(m.Attach) {
			return fmt.Errorf("%w: mailbox %s: attach %q: use wav, mp3 or none", ErrInvalidConfig, m.Mailbox, m.Attach)
		}
		if _, err := time.LoadLocation(m.Timezone); m.Timezone != "" && err != nil {
			return fmt.Errorf("%w: mailbox %s: timezone %q: %v", ErrInvalidConfig, m.Mailbox, m.Timezone, err)
		}
	}
	if !c.Mail.Enabled {
		return nil
	}
	if c.Mail.Transcribe && (c.Mail.TranscribeTimeout < time.Second || 2*c.Mail.TranscribeTimeout > c.Mail.SendTimeout) {
		return fmt.Errorf("%w: mail.transcribe_timeout %s: 1s to half of mail.send_timeout (%s)", ErrInvalidConfig,
			c.Mail.TranscribeTimeout, c.Mail.SendTimeout)
	}
	ec, err := c.emailConfig()
	if err != nil {
		return err
	}
	if err := ec.WithDefaults().Validate(); err != nil {
		var ce *email.ConfigError
		if errors.As(err, &ce) {
			if key, ok := mailKeys[ce.Field]; ok {
				return fmt.Errorf("%w: %s %s", ErrInvalidConfig, key, ce.Reason)
			}
		}
		return fmt.Errorf("%w: mail: %v", ErrInvalidConfig, err)
	}
	return nil
}

// nodesAudio reads and deletes recordings through the first Asterisk that
// answers: every Asterisk shares the recordings directory.
type nodesAudio []*recordings.Store

// File returns a recording's audio from the first Asterisk that has it.
// The error wraps ari.ErrNotFound only when every Asterisk said so.
func (a nodesAudio) File(ctx context.Context, name string) ([]byte, error) {
	var notFound, other []error
	for _, s := range a {
		b, err := s.File(ctx, name)
		switch {
		case err == nil:
			return b, nil
		case errors.Is(err, ari.ErrNotFound):
			notFound = append(notFound, err)
		default:
			other = append(other, err)
		}
	}
	if len(other) > 0 {
		return nil, errors.Join(other...)
	}
	return nil, errors.Join(notFound...)
}

// Delete deletes recordings through the first Asterisk that answers.
func (a nodesAudio) Delete(ctx context.Context, names ...string) error {
	var err error
	for _, s := range a {
		if err = s.Delete(ctx, names...); err == nil {
			return nil
		}
	}
	return err
}

// newMailer returns the instance's sender of notifications, its metrics in
// reg, or nil when mail.enabled is off.
func newMailer(cfg Config, store email.Store, nodes []*node, onChange func(state.MailboxID), reg prometheus.Registerer, log *zap.Logger) (*email.Mailer, error) {
	if !cfg.Mail.Enabled {
		return nil, nil
	}
	ec, err := cfg.emailConfig()
	if err != nil {
		return nil, err
	}
	log = log.Named("mail")
	audio := make(nodesAudio, len(nodes))
	for i, n := range nodes {
		audio[i] = recordings.New(n.client, log.Named("recordings"))
	}
	opts := []email.Option{email.WithLogger(log), email.WithConsumer(cfg.Instance.ID),
		email.WithOnChange(onChange), email.WithRegisterer(reg)}
	if cfg.Mail.Transcribe {
		tr := transcribe.New(transcribe.Config{Pocketsphinx: cfg.Mail.Pocketsphinx, Timeout: cfg.Mail.TranscribeTimeout})
		ts, ok := store.(email.TranscriptStore)
		if err := tr.Check(); err != nil || !ok {
			log.Warn("mail.transcribe is on but the transcriber is missing: emails go without transcripts", zap.Error(err))
		} else {
			opts = append(opts, email.WithTranscriber(tr, ts, cfg.Mail.TranscribeTimeout))
		}
	}
	m, err := email.New(ec, store, audio, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: mail: %v", ErrInvalidConfig, err)
	}
	return m, nil
}
