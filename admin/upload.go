package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
)

// Converter checks an uploaded audio file and converts it to what Asterisk
// plays: *audioconv.Sox. Its errors wrap audioconv's sentinels.
type Converter interface {
	ToTelephone(ctx context.Context, in []byte) (audioconv.Result, error)
}

// AudioWriter writes a WAV file as a stored recording of ours, and removes
// it again: *recordings.Spool.
type AudioWriter interface {
	Put(ctx context.Context, name string, wav []byte) error
	Remove(name string) error
}

var (
	_ Converter   = (*audioconv.Sox)(nil)
	_ AudioWriter = (*recordings.Spool)(nil)
)

// ErrUploadUnavailable is returned for an upload when the instance has no
// converter or no recording directory (recordings.dir), or when Asterisk
// does not see what was written there.
var ErrUploadUnavailable = errors.New("admin: greeting upload unavailable")

// WithUpload lets the Service take uploaded greetings: conv checks and
// converts them, w writes them into Asterisk's recording directory.
func WithUpload(conv Converter, w AudioWriter) Option {
	return func(s *Service) {
		if conv != nil && w != nil {
			s.conv, s.writer = conv, w
		}
	}
}

// CanUpload reports whether the Service takes uploaded greetings
// (WithUpload was given a converter and a writer).
func (s *Service) CanUpload() bool { return s.conv != nil && s.writer != nil }

// UploadedGreeting is what an upload made.
type UploadedGreeting struct {
	// Mailbox and Greeting name it (the API's greeting name).
	Mailbox  string `json:"mailbox"`
	Greeting string `json:"greeting"`
	// Format is what was uploaded: wav or mp3.
	Format string `json:"format"`
	// Seconds is the length of the greeting as stored, in seconds.
	Seconds float64 `json:"seconds"`
}

// UploadGreeting makes audio (a WAV or MP3 file) the mailbox's greeting g:
// it is checked and converted (8 kHz mono 16-bit WAV), written as a new
// take beside the recording directory's others, checked to be seen by
// Asterisk, then made the greeting in Redis, and the take it replaces is
// deleted. Every instance plays it from the next call. Errors wrap
// ErrUploadUnavailable, audioconv's sentinels for a refused file,
// mailbox.ErrInvalidGreeting, state.ErrMailboxNotFound.
func (s *Service) UploadGreeting(ctx context.Context, who Actor, id mailbox.ID, g mailbox.Greeting, audio []byte) (UploadedGreeting, error) {
	out, err := s.uploadGreeting(ctx, id, g, audio)
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("%s, %d bytes, %.1f s", out.Format, len(audio), out.Seconds)
	}
	s.record(ctx, who, "greeting.upload", id.String()+"/"+greetingName(g), err, detail)
	return out, err
}

func (s *Service) uploadGreeting(ctx context.Context, id mailbox.ID, g mailbox.Greeting, audio []byte) (UploadedGreeting, error) {
	if err := g.Validate(); err != nil {
		return UploadedGreeting{}, err
	}
	if s.conv == nil || s.writer == nil {
		return UploadedGreeting{}, fmt.Errorf("%w: this instance has no recording directory (admin.recordings_dir) or converter", ErrUploadUnavailable)
	}
	if err := s.mustExist(ctx, id); err != nil {
		return UploadedGreeting{}, err
	}
	res, err := s.conv.ToTelephone(ctx, audio)
	if err != nil {
		return UploadedGreeting{}, fmt.Errorf("admin: %s greeting of %s: %w", greetingName(g), id, err)
	}
	name, err := recordings.GreetingName(id, g, string(mailbox.NewMessageID(time.Now())))
	if err != nil {
		return UploadedGreeting{}, err
	}
	if err := s.writer.Put(ctx, name, res.WAV); err != nil {
		return UploadedGreeting{}, fmt.Errorf("%w: %v", ErrUploadUnavailable, err)
	}
	// Asterisk must see the file as the recording: recordings.dir may not
	// be its directory (or not the one every Asterisk shares).
	if _, err := s.audio.WAV(ctx, name); err != nil {
		if rerr := s.writer.Remove(name); rerr != nil {
			s.log.Warn("uploaded greeting not removed", zap.String("recording", name), zap.Error(rerr))
		}
		return UploadedGreeting{}, fmt.Errorf("%w: Asterisk does not see %s (is recordings.dir its recording directory?): %v", ErrUploadUnavailable, name, err)
	}
	prev, err := s.store.SetGreeting(ctx, id, g, name)
	if err != nil {
		// Not pointed at: the janitor deletes the take after its grace.
		return UploadedGreeting{}, err
	}
	s.deleteAudio(ctx, nonEmpty(prev))
	return UploadedGreeting{Mailbox: id.String(), Greeting: greetingName(g), Format: string(res.Input),
		Seconds: res.Duration.Seconds()}, nil
}

func nonEmpty(names ...string) []string {
	out := names[:0]
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}
