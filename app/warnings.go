package app

import (
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// shippedARIPassword is the password deploy/asterisk/ari.conf ships (and
// ari.password's default): anyone who read the repository knows it.
const shippedARIPassword = "voicemail"

// startupWarning is one thing to fix that the app starts with anyway.
type startupWarning struct {
	event string // the security_event
	msg   string
	count int // mailboxes concerned, when it is about mailboxes
}

// startupWarnings lists the well-known secrets cfg still uses: the shipped
// ARI password, the shipped default PIN, and mailboxes of the YAML that get
// the default PIN (every one of them shares it until its owner logs in, and
// whoever logs in first chooses the next PIN).
func startupWarnings(cfg Config) []startupWarning {
	var ws []startupWarning
	if cfg.ARI.Password == shippedARIPassword {
		ws = append(ws, startupWarning{event: "default_ari_password",
			msg: "security: ari.password is the shipped one; set another in ari.conf and in VOICEMAIL_ARI_PASSWORD or ari.password_file"})
	}
	if cfg.Voicemail.DefaultPIN == state.DefaultDefaultPIN {
		ws = append(ws, startupWarning{event: "default_pin",
			msg: "security: voicemail.default_pin is the shipped 1234; set another, or give every mailbox its own PIN"})
	}
	n := 0
	for _, m := range cfg.Mailboxes {
		if m.PIN == "" {
			n++
		}
	}
	if n > 0 {
		ws = append(ws, startupWarning{event: "mailboxes_on_default_pin", count: n,
			msg: "security: mailboxes of the configuration without a pin get voicemail.default_pin; create them through the admin API or CLI for a one-time PIN each"})
	}
	return ws
}

// logStartupWarnings logs each of startupWarnings(cfg) at Warn.
func logStartupWarnings(log *zap.Logger, cfg Config) {
	for _, w := range startupWarnings(cfg) {
		fields := []zap.Field{zap.String("security_event", w.event)}
		if w.count > 0 {
			fields = append(fields, zap.Int("mailboxes", w.count))
		}
		log.Warn(w.msg, fields...)
	}
}
