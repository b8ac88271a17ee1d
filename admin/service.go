package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// Config holds the settings of a Service.
type Config struct {
	// PINPolicy is what a PIN an administrator sets must pass, and how
	// long a generated one is: the same rules as a PIN chosen by phone
	// (voicemail.min_password, voicemail.default_pin). A zero MinLength is
	// an error.
	PINPolicy mailbox.PINPolicy
	// MailClaimIdle is mail.claim_idle: how long a notification put back
	// into an outbox waits before another instance may take it over.
	MailClaimIdle time.Duration
}

// Audio is what a Service needs of the stored audio: *recordings.Store.
type Audio interface {
	// WAV returns a message's audio as a WAV file.
	WAV(ctx context.Context, name string) ([]byte, error)
	// Delete deletes recordings; one already gone counts as deleted.
	Delete(ctx context.Context, names ...string) error
	// Copy copies a recording under a new name (a forwarded message's
	// audio of its own).
	Copy(ctx context.Context, from, to string) error
}

// Lamps is told when a mailbox's New or Old count may have changed, so
// that the phones' message-waiting lamps follow: in the app, the instance's
// publisher; in the CLI, a notice to the running instances.
type Lamps interface {
	Changed(ctx context.Context, id mailbox.ID)
}

// Actor is who asks for an operation, for the audit trail.
type Actor struct {
	// Name is the API token's name, or "cli:" and the user.
	Name string
	// Source is "api" or "cli".
	Source string
	// Remote is the client's address, "" for the CLI.
	Remote string
}

// Service carries out administrators' operations on mailboxes and
// messages, for the API and the CLI alike: it checks the input before
// anything reaches Redis or Asterisk, changes the store, deletes audio
// that nothing points at any more, tells the lamps, and records every
// change (and every refused one) in the audit trail and the log. It is
// safe for concurrent use.
type Service struct {
	cfg   Config
	store *state.Store
	audio Audio
	lamps Lamps
	log   *zap.Logger
	// conv and writer take uploaded greetings (WithUpload); nil: none.
	conv   Converter
	writer AudioWriter
}

// Option changes an optional setting of NewService.
type Option func(*Service)

// WithLogger sets the logger; the default is zap.NewNop().
func WithLogger(l *zap.Logger) Option {
	return func(s *Service) {
		if l != nil {
			s.log = l
		}
	}
}

// NewService returns a Service over store, audio and lamps, none of which
// may be nil. Errors wrap ErrInvalidConfig.
func NewService(cfg Config, store *state.Store, audio Audio, lamps Lamps, opts ...Option) (*Service, error) {
	if store == nil || audio == nil || lamps == nil {
		return nil, fmt.Errorf("%w: store, audio and lamps are required", ErrInvalidConfig)
	}
	p := cfg.PINPolicy
	if p.MinLength < 1 || p.MinLength > mailbox.MaxPINLength {
		return nil, fmt.Errorf("%w: PIN policy minimum length %d not in 1..%d", ErrInvalidConfig, p.MinLength, mailbox.MaxPINLength)
	}
	s := &Service{cfg: cfg, store: store, audio: audio, lamps: lamps, log: zap.NewNop()}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// auditTimeout bounds the write of an audit entry, which outlives the
// request that caused it (a client that hangs up does not erase its trace).
const auditTimeout = 5 * time.Second

// record logs an operation and appends it to the audit trail. err is the
// operation's outcome; detail says more, never a PIN.
func (s *Service) record(ctx context.Context, who Actor, action, target string, err error, detail string) {
	code, _ := Code(err)
	fields := []zap.Field{zap.String("admin_action", action), zap.String("target", target),
		zap.String("actor", who.Name), zap.String("source", who.Source), zap.String("result", code)}
	if detail != "" {
		fields = append(fields, zap.String("detail", detail))
	}
	if who.Remote != "" {
		fields = append(fields, zap.String("remote", who.Remote))
	}
	if err != nil {
		s.log.Warn("admin action failed", append(fields, zap.Error(err))...)
	} else {
		s.log.Info("admin action", fields...)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if _, aerr := s.store.AppendAudit(actx, state.AuditEntry{Actor: who.Name, Source: who.Source, Action: action,
		Target: target, Result: code, Detail: detail, Remote: who.Remote}); aerr != nil {
		s.log.Error("admin action not recorded in the audit trail (it is in this log)", append(fields, zap.Error(aerr))...)
	}
}

// deleteAudio deletes recordings that nothing points at any more; what it
// cannot delete is left to the janitor.
func (s *Service) deleteAudio(ctx context.Context, names []string) {
	if len(names) == 0 {
		return
	}
	if err := s.audio.Delete(ctx, names...); err != nil {
		s.log.Warn("audio not deleted; the janitor will", zap.Strings("recordings", names), zap.Error(err))
	}
}

// audioError sorts an error of fetching audio: a missing recording stays
// ari.ErrNotFound, anything else is ErrAudioUnavailable.
func audioError(err error) error {
	if errors.Is(err, ari.ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrAudioUnavailable, err)
}
