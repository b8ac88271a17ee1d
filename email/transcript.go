package email

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// Transcriber turns a message's audio (a WAV file) into text:
// *transcribe.Sphinx.
type Transcriber interface {
	Transcribe(ctx context.Context, wav []byte) (string, error)
}

// TranscriptStore keeps a message's transcript with its metadata:
// *state.Store.
type TranscriptStore interface {
	SetTranscript(ctx context.Context, id state.MailboxID, msgID, text string) error
}

var _ TranscriptStore = (*state.Store)(nil)

// DefaultTranscribeTimeout bounds a transcription when
// WithTranscriber is given none.
const DefaultTranscribeTimeout = 60 * time.Second

// WithTranscriber transcribes the audio of each message before its email
// is sent (mail.transcribe): the text goes into the body and, through
// store, into the message's metadata. A transcription that fails or takes
// longer than timeout (0 = DefaultTranscribeTimeout; the send timeout
// bounds it too) is left out: the email goes without it, never later.
func WithTranscriber(t Transcriber, store TranscriptStore, timeout time.Duration) Option {
	return func(m *Mailer) {
		if t == nil || store == nil {
			return
		}
		if timeout <= 0 {
			timeout = DefaultTranscribeTimeout
		}
		m.transcriber, m.transcripts, m.transcribeTimeout = t, store, timeout
	}
}

// transcript transcribes wav within the bound and stores the text with
// the message; "" when there is none or it failed (logged).
func (m *Mailer) transcript(ctx context.Context, n state.Notification, wav []byte, log *zap.Logger) string {
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, m.transcribeTimeout)
	defer cancel()
	text, err := m.transcriber.Transcribe(tctx, wav)
	if err != nil {
		log.Warn("transcript left out of the email", zap.Duration("took", time.Since(start)), zap.Error(err))
		return ""
	}
	log.Info("message transcribed", zap.Duration("took", time.Since(start)), zap.Int("chars", len(text)))
	if text == "" {
		return ""
	}
	if err := m.transcripts.SetTranscript(ctx, n.Mailbox, n.MessageID, text); err != nil {
		log.Warn("transcript not stored with the message", zap.Error(err))
	}
	return text
}
