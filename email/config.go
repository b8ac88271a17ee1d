package email

import (
	"crypto/tls"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Attachment formats of the email (Config.Attach, a mailbox's attach).
const (
	AttachWAV  = "wav"
	AttachMP3  = "mp3"
	AttachNone = "none"
)

// SMTP security modes (SMTPConfig.Security).
const (
	// SecurityStartTLS connects in plain text and upgrades with STARTTLS,
	// refusing a relay that does not offer it (submission, port 587).
	SecurityStartTLS = "starttls"
	// SecurityTLS connects with TLS from the start (implicit TLS, port 465).
	SecurityTLS = "tls"
	// SecurityNone never encrypts: for a relay on loopback only.
	SecurityNone = "none"
)

// Config holds the settings of a Mailer. A zero field takes the default
// given in its comment (WithDefaults); Validate checks the ranges.
type Config struct {
	// From is the sender's address, in the envelope and the From header
	// (app_voicemail's serveremail). Required.
	From string
	// FromName is the From header's display name (app_voicemail's
	// fromstring). Default "Voicemail".
	FromName string
	// SMTP is the relay.
	SMTP SMTPConfig
	// Attach is the attachment format of a mailbox that sets none:
	// AttachWAV, AttachMP3 or AttachNone. Default AttachWAV.
	Attach string
	// Location is the time zone of the dates of a mailbox that sets none.
	// Default time.Local.
	Location *time.Location
	// Language is the language of a mailbox that sets none, or whose
	// language has no templates. Default "en".
	Language string
	// TemplatesDir, when set, is a directory of templates that replace the
	// shipped ones: LANG/email_subject.tmpl, email_body.tmpl,
	// pager_subject.tmpl and pager_body.tmpl; a file that is missing keeps
	// the shipped one. Default "".
	TemplatesDir string
	// MessageIDDomain is the right-hand side of the Message-IDs. Default
	// the domain of From.
	MessageIDDomain string
	// Workers is how many mailboxes one Mailer serves at once, 1 to 64.
	// Default 4.
	Workers int
	// Poll is how often an idle Mailer looks for due outboxes, 100ms to
	// 1m. Default 1s.
	Poll time.Duration
	// SendTimeout bounds one notification: reading its audio, encoding it
	// and the whole SMTP exchange. 1s to 10m. Default 2m.
	SendTimeout time.Duration
	// ClaimIdle is how long a notification taken by a sender that went
	// silent waits before another sender takes it over: at least twice
	// SendTimeout, so that a live sender is never doubled. Default 5m.
	ClaimIdle time.Duration
	// RetryMin is the wait after a first temporary failure; each one after
	// doubles it, up to RetryMax. At least 1s. Default 30s.
	RetryMin time.Duration
	// RetryMax bounds the wait between attempts. At least RetryMin.
	// Default 30m.
	RetryMax time.Duration
	// GiveUp is how long after its message was left a notification that
	// still fails goes to the dead letters. At least RetryMin. Default 48h.
	GiveUp time.Duration
	// Lame is the lame command that encodes MP3 attachments. Default
	// "lame" (Debian's package lame). Without it, MP3 mailboxes get WAV.
	Lame string
}

// SMTPConfig is the relay that takes the mail.
type SMTPConfig struct {
	// Host is the relay's host name (checked in its certificate).
	// Required.
	Host string
	// Port is the relay's port. Default 587, or 465 with SecurityTLS, or
	// 25 with SecurityNone.
	Port int
	// Security is SecurityStartTLS, SecurityTLS or SecurityNone. Default
	// SecurityStartTLS.
	Security string
	// Username and Password authenticate (SMTP AUTH, the strongest
	// mechanism the relay offers); no AUTH when Username is "". Default "".
	Username string
	Password string
	// TLS is the TLS configuration (the relay's CAs); nil means the
	// system's CAs and ServerName Host.
	TLS *tls.Config
	// HELO is the name given in EHLO. Default the host's name.
	HELO string
	// Timeout bounds connecting and each command. 1s to 5m. Default 30s.
	Timeout time.Duration
}

// Defaults of the Config fields.
const (
	DefaultFromName    = "Voicemail"
	DefaultLanguage    = "en"
	DefaultWorkers     = 4
	DefaultPoll        = time.Second
	DefaultSendTimeout = 2 * time.Minute
	DefaultClaimIdle   = 5 * time.Minute
	DefaultRetryMin    = 30 * time.Second
	DefaultRetryMax    = 30 * time.Minute
	DefaultGiveUp      = 48 * time.Hour
	DefaultLame        = "lame"
	DefaultSMTPTimeout = 30 * time.Second
)

// DefaultPort returns the relay port of a security mode.
func DefaultPort(security string) int {
	switch security {
	case SecurityTLS:
		return 465
	case SecurityNone:
		return 25
	}
	return 587
}

// WithDefaults returns cfg with every zero field set to its default.
func (cfg Config) WithDefaults() Config {
	if cfg.FromName == "" {
		cfg.FromName = DefaultFromName
	}
	if cfg.Attach == "" {
		cfg.Attach = AttachWAV
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Language == "" {
		cfg.Language = DefaultLanguage
	}
	if cfg.MessageIDDomain == "" {
		if a, err := mail.ParseAddress(cfg.From); err == nil {
			cfg.MessageIDDomain = a.Address[strings.LastIndexByte(a.Address, '@')+1:]
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Poll == 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.SendTimeout == 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.ClaimIdle == 0 {
		cfg.ClaimIdle = max(DefaultClaimIdle, 2*cfg.SendTimeout)
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = DefaultRetryMin
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = max(DefaultRetryMax, cfg.RetryMin)
	}
	if cfg.GiveUp == 0 {
		cfg.GiveUp = DefaultGiveUp
	}
	if cfg.Lame == "" {
		cfg.Lame = DefaultLame
	}
	cfg.SMTP = cfg.SMTP.withDefaults()
	return cfg
}

// ConfigError is the error of Config.Validate: the field out of range and
// why. It wraps ErrInvalidConfig.
type ConfigError struct {
	// Field is the Config field, such as "SMTP.Port".
	Field string
	// Reason says what is wrong with its value.
	Reason string
}

func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + " " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Validate checks every field of cfg as it is (apply WithDefaults first).
// The error is a *ConfigError.
func (cfg Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	from, err := mail.ParseAddress(cfg.From)
	switch {
	case cfg.From == "":
		return bad("From", "is empty: the sender's address is required")
	case err != nil || from.Name != "" || !strings.Contains(from.Address, "@"):
		return bad("From", "%q: want a bare address such as voicemail@example.com", cfg.From)
	case strings.ContainsAny(cfg.FromName, "\r\n"):
		return bad("FromName", "has a line break")
	case !validAttach(cfg.Attach):
		return bad("Attach", "%q: use wav, mp3 or none", cfg.Attach)
	case cfg.Location == nil:
		return bad("Location", "is nil")
	case !validLanguage(cfg.Language):
		return bad("Language", "%q: use a code such as en or fr_CA", cfg.Language)
	case !validDomain(cfg.MessageIDDomain):
		return bad("MessageIDDomain", "%q: want a domain such as example.com", cfg.MessageIDDomain)
	case cfg.Workers < 1 || cfg.Workers > 64:
		return bad("Workers", "%d not in 1..64", cfg.Workers)
	case cfg.Poll < 100*time.Millisecond || cfg.Poll > time.Minute:
		return bad("Poll", "%v not in 100ms..1m", cfg.Poll)
	case cfg.SendTimeout < time.Second || cfg.SendTimeout > 10*time.Minute:
		return bad("SendTimeout", "%v not in 1s..10m", cfg.SendTimeout)
	case cfg.ClaimIdle < 2*cfg.SendTimeout:
		return bad("ClaimIdle", "%v is less than twice the send timeout %v: a live sender would be doubled", cfg.ClaimIdle, cfg.SendTimeout)
	case cfg.RetryMin < time.Second:
		return bad("RetryMin", "%v: need at least 1s", cfg.RetryMin)
	case cfg.RetryMax < cfg.RetryMin:
		return bad("RetryMax", "%v is shorter than the first wait %v", cfg.RetryMax, cfg.RetryMin)
	case cfg.GiveUp < cfg.RetryMin:
		return bad("GiveUp", "%v is shorter than the first wait %v", cfg.GiveUp, cfg.RetryMin)
	case cfg.Lame == "":
		return bad("Lame", "is empty")
	}
	if err := cfg.SMTP.validate(); err != nil {
		return err
	}
	return nil
}

func (s SMTPConfig) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: "SMTP." + field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s.Host == "" || strings.ContainsAny(s.Host, " \t\r\n/"):
		return bad("Host", "%q: want the relay's host name", s.Host)
	case s.Port < 1 || s.Port > 65535:
		return bad("Port", "%d not in 1..65535", s.Port)
	case s.Security != SecurityStartTLS && s.Security != SecurityTLS && s.Security != SecurityNone:
		return bad("Security", "%q: use starttls, tls or none", s.Security)
	case s.Password != "" && s.Username == "":
		return bad("Password", "is set without a username")
	case s.Timeout < time.Second || s.Timeout > 5*time.Minute:
		return bad("Timeout", "%v not in 1s..5m", s.Timeout)
	case strings.ContainsAny(s.HELO, " \t\r\n"):
		return bad("HELO", "%q: want a host name", s.HELO)
	}
	return nil
}

func validAttach(a string) bool {
	return a == AttachWAV || a == AttachMP3 || a == AttachNone
}

// ValidAttach reports whether a is an attachment format a mailbox may set:
// "" (the default), wav, mp3 or none.
func ValidAttach(a string) bool { return a == "" || validAttach(a) }

func validLanguage(l string) bool {
	if l == "" || len(l) > 16 {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return !strings.HasPrefix(d, ".") && !strings.HasSuffix(d, ".")
}
