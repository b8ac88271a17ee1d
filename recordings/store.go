package recordings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// storedRecordings is what Store needs of ARI: *ari.Client provides it.
type storedRecordings interface {
	DeleteStored(ctx context.Context, name string) error
	CopyStored(ctx context.Context, name, dest string) (ari.StoredRecording, error)
	GetStored(ctx context.Context, name string) (ari.StoredRecording, error)
	StoredFile(ctx context.Context, name string) ([]byte, error)
}

var _ storedRecordings = (*ari.Client)(nil)

// Store deletes, copies, looks up and measures the audio of messages and
// greetings through ARI's stored recordings. Every operation is idempotent, so a
// caller may retry it after a timeout or a crash. A Store is safe for
// concurrent use.
type Store struct {
	client storedRecordings
	log    *zap.Logger
}

// New returns a Store that reaches ARI through client, usually an
// *ari.Client, which must not be nil. A nil log means zap.NewNop().
func New(client storedRecordings, log *zap.Logger) *Store {
	if log == nil {
		log = zap.NewNop()
	}
	return &Store{client: client, log: log}
}

// Delete deletes the stored recordings named. A recording that is already
// gone (ARI answers 404) counts as deleted. Every name is attempted; the
// error joins the failures, each wrapping the ari sentinel of its answer
// (ari.ErrServer, …) or, for a name that is not ours (see IsOurs),
// ErrInvalidName: nothing outside the voicemail tree is ever deleted.
func (s *Store) Delete(ctx context.Context, names ...string) error {
	var errs []error
	for _, name := range names {
		if !IsOurs(name) {
			errs = append(errs, fmt.Errorf("recordings: delete %q: %w: not a voicemail recording", clip(name), ErrInvalidName))
			continue
		}
		err := s.client.DeleteStored(ctx, name)
		switch {
		case err == nil:
			s.log.Debug("recording deleted", zap.String("recording", name))
		case errors.Is(err, ari.ErrNotFound):
			s.log.Debug("recording already gone", zap.String("recording", name))
		default:
			errs = append(errs, fmt.Errorf("recordings: delete %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Copy copies the stored recording from to a new recording to, which must
// be one of ours (see IsOurs), for example to forward a message to another
// mailbox. It is idempotent: when ARI refuses because to exists (409), or
// because from is gone (404, a retry after the source was deleted), Copy
// succeeds if to exists, and fails with ARI's answer otherwise. (Whether an
// existing to holds the same audio as from is not checked: names are
// unique per message, so only an earlier copy can have made it.) Errors
// wrap ErrInvalidName for a bad name, or the ari sentinel of the answer.
func (s *Store) Copy(ctx context.Context, from, to string) error {
	if !validName(from) {
		return fmt.Errorf("recordings: copy %q: %w", clip(from), ErrInvalidName)
	}
	if !IsOurs(to) {
		return fmt.Errorf("recordings: copy %s to %q: %w: not a voicemail recording", from, clip(to), ErrInvalidName)
	}
	_, err := s.client.CopyStored(ctx, from, to)
	if err == nil {
		s.log.Debug("recording copied", zap.String("from", from), zap.String("to", to))
		return nil
	}
	if !errors.Is(err, ari.ErrConflict) && !errors.Is(err, ari.ErrNotFound) {
		return fmt.Errorf("recordings: copy %s to %s: %w", from, to, err)
	}
	exists, existsErr := s.Exists(ctx, to)
	if existsErr != nil {
		return fmt.Errorf("recordings: copy %s to %s: %w (and checking the target: %w)", from, to, err, existsErr)
	}
	if !exists {
		return fmt.Errorf("recordings: copy %s to %s: %w", from, to, err)
	}
	s.log.Debug("recording already copied", zap.String("from", from), zap.String("to", to))
	return nil
}

// Exists reports whether a stored recording exists: ARI answers 200 for
// it, 404 for none. Errors wrap ErrInvalidName for a name that is not safe
// to send, or the ari sentinel of another answer.
func (s *Store) Exists(ctx context.Context, name string) (bool, error) {
	if !validName(name) {
		return false, fmt.Errorf("recordings: exists %q: %w", clip(name), ErrInvalidName)
	}
	_, err := s.client.GetStored(ctx, name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ari.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("recordings: exists %s: %w", name, err)
}

// Seconds returns the length of a stored recording in whole seconds
// (rounded down, as app_voicemail counts a message's duration), measured
// from its WAV file (GET /recordings/stored/{name}/file). The app needs it
// when a caller hung up while recording and the RecordingFinished event
// with the duration was not seen, to apply the minimum message length.
// Errors wrap ErrInvalidName, ErrBadAudio for a file that is not a WAV file
// it can read, or the ari sentinel of the answer (ari.ErrNotFound when
// there is no such recording).
func (s *Store) Seconds(ctx context.Context, name string) (int, error) {
	if !validName(name) {
		return 0, fmt.Errorf("recordings: measure %q: %w", clip(name), ErrInvalidName)
	}
	b, err := s.client.StoredFile(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("recordings: measure %s: %w", name, err)
	}
	d, err := wavDuration(b)
	if err != nil {
		return 0, fmt.Errorf("recordings: measure %s: %w", name, err)
	}
	return int(d / time.Second), nil
}

// WAV returns the audio of a message or greeting of ours (see IsOurs) as
// its WAV file (GET /recordings/stored/{name}/file), checked to be one: an
// administrator downloads it. Errors wrap ErrInvalidName for a name that is
// not ours (nothing is sent), ErrBadAudio for a file that is not a WAV file
// it can read, or the ari sentinel of the answer (ari.ErrNotFound when
// there is no such recording).
func (s *Store) WAV(ctx context.Context, name string) ([]byte, error) {
	if !IsOurs(name) {
		return nil, fmt.Errorf("recordings: fetch %q: %w: not a voicemail recording", clip(name), ErrInvalidName)
	}
	b, err := s.client.StoredFile(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("recordings: fetch %s: %w", name, err)
	}
	if _, err := wavDuration(b); err != nil {
		return nil, fmt.Errorf("recordings: fetch %s: %w", name, err)
	}
	return b, nil
}

// File returns the audio of a stored recording: the WAV file Asterisk
// keeps (GET /recordings/stored/{name}/file), for an email attachment.
// Errors wrap ErrInvalidName, or the ari sentinel of the answer
// (ari.ErrNotFound when there is no such recording).
func (s *Store) File(ctx context.Context, name string) ([]byte, error) {
	if !validName(name) {
		return nil, fmt.Errorf("recordings: read %q: %w", clip(name), ErrInvalidName)
	}
	b, err := s.client.StoredFile(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("recordings: read %s: %w", name, err)
	}
	return b, nil
}
