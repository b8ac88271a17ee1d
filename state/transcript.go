package state

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/redis/go-redis/v9"
)

// MaxTranscript bounds a stored transcript, in bytes.
const MaxTranscript = 8 << 10

// transcriptSetScript sets the transcript field of a message that still
// exists: a message deleted meanwhile is not brought back as a partial
// HASH. KEYS[1] the message; ARGV[1] the field, ARGV[2] the text. Replies
// 1 when set, 0 when the message is gone.
var transcriptSetScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// SetTranscript stores the automatic transcript of a message, cleaned
// (control characters dropped, spaces folded) and cut to MaxTranscript
// bytes. A message that no longer exists gives ErrMessageNotFound and
// nothing is written.
func (s *Store) SetTranscript(ctx context.Context, id MailboxID, msgID, text string) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return err
	}
	text = cleanTranscript(text)
	n, err := transcriptSetScript.Run(ctx, s.rdb, []string{messageKey(id, msgID)}, fieldMsgTranscript, text).Int()
	if err != nil {
		return fmt.Errorf("state: set the transcript of %s in %s: %w", msgID, id, err)
	}
	if n == 0 {
		return fmt.Errorf("state: set the transcript of %s in %s: %w", msgID, id, ErrMessageNotFound)
	}
	return nil
}

// cleanTranscript keeps the printable text of s, spaces folded, at most
// MaxTranscript bytes (cut at a rune boundary).
func cleanTranscript(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if len(s) <= MaxTranscript {
		return s
	}
	cut := MaxTranscript
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
