package app

import (
	"crypto/tls"
	"fmt"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
)

// AdminConfig is the admin HTTP API (package admin, docs/admin.md): its own
// listener, off by default, with bearer tokens.
type AdminConfig struct {
	// Listen is the API's host:port; "" turns it off. Default "".
	Listen string `koanf:"listen"`
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS with that PEM
	// certificate chain and key. Default "": plain HTTP (keep the API on
	// loopback or a management network then).
	TLSCertFile string `koanf:"tls_cert_file"`
	TLSKeyFile  string `koanf:"tls_key_file"`
	// Tokens are the API tokens, each a name (for the audit trail) and the
	// SHA-256 of its secret in hex: `voicemail token NAME` makes one. The
	// secrets themselves are never in the configuration. Default none.
	Tokens []AdminToken `koanf:"tokens"`
	// TokensFile, when set, is a secret file of more tokens, one a line:
	// "NAME SECRET" (hashed as it is read) or "NAME sha256:HEX". Default "".
	TokensFile string `koanf:"tokens_file"`
	// AuditMax is about how many entries the audit trail in Redis keeps
	// (the API's and the CLI's changes), 100 to 10,000,000. Default 10000.
	AuditMax int `koanf:"audit_max"`
	// RecordingsDir is Asterisk's recording directory
	// (/var/spool/asterisk/recording) as this host sees it: the shared
	// mount of a cluster, or the directory itself on Asterisk's host.
	// Uploaded greetings are written there (ARI cannot store a file); ""
	// turns greeting uploads off. Default "".
	RecordingsDir string `koanf:"recordings_dir"`
	// Sox is the converter of uploaded greetings (Debian's sox, with
	// libsox-fmt-mp3 for MP3). Default "sox".
	Sox string `koanf:"sox"`
}

// AdminToken is one API token in the configuration.
type AdminToken struct {
	// Name says whose token it is, in the audit trail.
	Name string `koanf:"name"`
	// SHA256 is the hex SHA-256 of the token's secret.
	SHA256 string `koanf:"sha256"`
}

// validate checks the API settings; a listening API needs a token. The
// tokens file and the certificate are read, so that a mistake stops the
// start rather than the first request. (AuditMax is the store's to check:
// state.Config.AuditMax.)
func (a AdminConfig) validate() error {
	if !validListen(a.Listen) {
		return fmt.Errorf("%w: admin.listen %q: use host:port, or \"\" to turn it off", ErrInvalidConfig, a.Listen)
	}
	if (a.TLSCertFile == "") != (a.TLSKeyFile == "") {
		return fmt.Errorf("%w: admin.tls_cert_file and admin.tls_key_file go together", ErrInvalidConfig)
	}
	if a.TLSCertFile != "" {
		if _, err := tls.LoadX509KeyPair(a.TLSCertFile, a.TLSKeyFile); err != nil {
			return fmt.Errorf("%w: admin.tls_cert_file and tls_key_file: %v", ErrInvalidConfig, err)
		}
	}
	tokens, err := a.tokens()
	if err != nil {
		return err
	}
	if a.RecordingsDir != "" {
		if _, err := recordings.NewSpool(a.RecordingsDir); err != nil {
			return fmt.Errorf("%w: admin.recordings_dir: %v", ErrInvalidConfig, err)
		}
	}
	if a.Listen != "" {
		if _, err := admin.NewTokens(tokens); err != nil {
			return fmt.Errorf("%w: admin.tokens and admin.tokens_file: %v", ErrInvalidConfig, err)
		}
	}
	return nil
}

// tokens returns the configured tokens and those of the tokens file.
func (a AdminConfig) tokens() ([]admin.Token, error) {
	var out []admin.Token
	for _, t := range a.Tokens {
		tok, err := admin.ParseToken(t.Name, t.SHA256)
		if err != nil {
			return nil, fmt.Errorf("%w: admin.tokens: %v", ErrInvalidConfig, err)
		}
		out = append(out, tok)
	}
	if a.TokensFile != "" {
		more, err := admin.ReadTokensFile(a.TokensFile)
		if err != nil {
			return nil, fmt.Errorf("%w: admin.tokens_file: %v", ErrInvalidConfig, err)
		}
		out = append(out, more...)
	}
	return out, nil
}

// adminServiceConfig is the admin.Config that c describes: the PIN rules
// an administrator's PIN must pass are the phone's.
func (c Config) adminServiceConfig() admin.Config {
	return admin.Config{PINPolicy: mailbox.PINPolicy{MinLength: c.Voicemail.MinPassword, DefaultPIN: c.Voicemail.DefaultPIN},
		MailClaimIdle: c.Mail.ClaimIdle}
}

// adminServiceOptions are the options of the admin service that c
// describes: greeting uploads when admin.recordings_dir is set, at most
// voicemail.max_greeting long.
func (c Config) adminServiceOptions(log *zap.Logger) []admin.Option {
	opts := []admin.Option{admin.WithLogger(log)}
	if c.Admin.RecordingsDir == "" {
		return opts
	}
	spool, err := recordings.NewSpool(c.Admin.RecordingsDir)
	if err != nil {
		// validate has checked it; it went away since.
		log.Error("greeting uploads off", zap.Error(err))
		return opts
	}
	conv := audioconv.NewSox(c.Admin.Sox, audioconv.Limits{MaxDuration: c.Voicemail.MaxGreeting})
	return append(opts, admin.WithUpload(conv, spool))
}
