package state

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Limits on the text a message's envelope carries.
const (
	// maxCallerLen bounds the caller ID number and name, in bytes.
	maxCallerLen = 80
	// maxRecordingLen bounds an ARI stored recording name.
	maxRecordingLen = 255
)

// Message is one voicemail and its envelope.
type Message struct {
	// ID identifies the message within its mailbox; build it with
	// NewMessageID. It is unique and time-ordered.
	ID string
	// Mailbox is the mailbox holding the message.
	Mailbox MailboxID
	// Folder is the folder holding the message. Deposit files a message
	// into FolderNew, or into FolderUrgent when it is urgent (either
	// Urgent or Folder FolderUrgent says so).
	Folder Folder
	// Recording is the ARI stored recording name of the audio (see package
	// recordings), without its format extension.
	Recording string
	// CallerNum is the caller ID number; Deposit strips control
	// characters and keeps at most 80 bytes.
	CallerNum string
	// CallerName is the caller ID name, cleaned like CallerNum.
	CallerName string
	// Received is when the message was left, to the millisecond. It orders
	// the messages of a folder.
	Received time.Time
	// Duration is the length of the audio.
	Duration time.Duration
	// Origin is the mailbox the message was first left in, as
	// "NUMBER@CONTEXT"; a forwarded copy keeps it. Deposit sets it to
	// Mailbox when empty.
	Origin string
	// Intro is the recording of an introduction that a forwarding owner
	// recorded for this copy, played before the message; "" for none.
	Intro string
	// Urgent marks a message left as urgent (app_voicemail's U option,
	// or key 4 in the caller's review): Deposit files it into
	// FolderUrgent, its notifications say so, and a forwarded copy keeps
	// it. It stays set once the message is heard and moved to Old.
	Urgent bool
	// Transcript is the automatic transcript of the audio (mail.transcribe),
	// "" for none; SetTranscript sets it.
	Transcript string
	// Deleted is when the message was deleted to the trash (TrashMessage);
	// zero for a message in a folder. Folder is then the folder it was
	// deleted from, where RestoreMessage puts it back.
	Deleted time.Time
}

// prepareMessage checks m and returns it as it will be stored: caller ID
// cleaned, Received truncated to the millisecond, Origin set and in
// canonical form. Errors wrap ErrInvalidMessage (and ErrInvalidMailbox or
// ErrInvalidMessageID where they apply).
func prepareMessage(m Message) (Message, error) {
	switch {
	case m.Folder == FolderUrgent:
		m.Urgent = true
	case m.Folder != FolderNew:
		return Message{}, fmt.Errorf("%w: deposited into %v; deposits go to New or Urgent", ErrInvalidMessage, m.Folder)
	case m.Urgent:
		m.Folder = FolderUrgent
	}
	return prepareStored(m)
}

// prepareStored checks and cleans m as prepareMessage does, in any folder.
func prepareStored(m Message) (Message, error) {
	if err := m.Mailbox.Validate(); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	if err := ValidateMessageID(m.ID); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	if err := m.Folder.Validate(); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	if m.Intro != "" && !validRecordingName(m.Intro) {
		return Message{}, fmt.Errorf("%w: introduction recording name %q", ErrInvalidMessage, clip(m.Intro))
	}
	if !validRecordingName(m.Recording) {
		return Message{}, fmt.Errorf("%w: recording name %q", ErrInvalidMessage, clip(m.Recording))
	}
	if m.Received.UnixMilli() <= 0 {
		return Message{}, fmt.Errorf("%w: received time %v", ErrInvalidMessage, m.Received)
	}
	m.Received = time.UnixMilli(m.Received.UnixMilli())
	if m.Duration < 0 {
		return Message{}, fmt.Errorf("%w: negative duration %v", ErrInvalidMessage, m.Duration)
	}
	if m.Origin == "" {
		m.Origin = m.Mailbox.String()
	} else {
		origin, err := ParseMailbox(m.Origin)
		if err != nil {
			return Message{}, fmt.Errorf("%w: origin: %w", ErrInvalidMessage, err)
		}
		m.Origin = origin.String()
	}
	m.CallerNum = cleanCallerField(m.CallerNum)
	m.CallerName = cleanCallerField(m.CallerName)
	return m, nil
}

// cleanCallerField makes caller ID text safe to store and to log: invalid
// UTF-8 and control characters (a newline, ESC, DEL, C1 controls) are
// dropped and the rest is cut to maxCallerLen bytes on a character boundary.
// Caller ID comes from the far end, so it is cleaned rather than refused: a
// message must not be lost over its envelope.
func cleanCallerField(s string) string {
	return cleanText(s, maxCallerLen)
}

// cleanText drops invalid UTF-8 and control characters from s and cuts it
// to max bytes on a character boundary.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// validRecordingName reports whether name is a safe ARI stored recording
// name: 1 to 255 bytes of segments separated by single '/', each segment 1
// or more of A-Z, a-z, 0-9, '_' and '-'. So no "..", no "." at all (Asterisk
// adds the format extension), no leading or trailing '/'.
func validRecordingName(name string) bool {
	if len(name) == 0 || len(name) > maxRecordingLen {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			switch {
			case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_', c == '-':
			default:
				return false
			}
		}
	}
	return true
}

// decodeMessage builds a Message from its stored HASH fields, checking each.
func decodeMessage(mb MailboxID, msgID string, f map[string]string) (Message, error) {
	folder, err := strconv.Atoi(f[fieldMsgFolder])
	if err != nil || Folder(folder).Validate() != nil {
		return Message{}, fmt.Errorf("folder %q", clip(f[fieldMsgFolder]))
	}
	received, err := strconv.ParseInt(f[fieldMsgReceived], 10, 64)
	if err != nil || received <= 0 {
		return Message{}, fmt.Errorf("received %q", clip(f[fieldMsgReceived]))
	}
	duration, err := strconv.ParseInt(f[fieldMsgDuration], 10, 64)
	if err != nil || duration < 0 || duration > int64(time.Duration(1<<63-1)/time.Millisecond) {
		return Message{}, fmt.Errorf("duration %q", clip(f[fieldMsgDuration]))
	}
	recording := f[fieldMsgRecording]
	if !validRecordingName(recording) {
		return Message{}, fmt.Errorf("recording %q", clip(recording))
	}
	origin, err := ParseMailbox(f[fieldMsgOrigin])
	if err != nil {
		return Message{}, fmt.Errorf("origin: %w", err)
	}
	intro := f[fieldMsgIntro]
	if intro != "" && !validRecordingName(intro) {
		return Message{}, fmt.Errorf("intro %q", clip(intro))
	}
	var deleted time.Time
	if d, ok := f[fieldMsgDeleted]; ok {
		ms, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			return Message{}, fmt.Errorf("deleted %q", clip(d))
		}
		deleted = time.UnixMilli(ms)
	}
	return Message{
		ID:         msgID,
		Mailbox:    mb,
		Folder:     Folder(folder),
		Recording:  recording,
		CallerNum:  f[fieldMsgCallerNum],
		CallerName: f[fieldMsgCallerName],
		Received:   time.UnixMilli(received),
		Duration:   time.Duration(duration) * time.Millisecond,
		Origin:     origin.String(),
		Intro:      intro,
		Urgent:     f[fieldMsgUrgent] == "1",
		Transcript: f[fieldMsgTranscript],
		Deleted:    deleted,
	}, nil
}

// Replies of message_deposit.lua.
const (
	depositFull    = -1
	depositExists  = 0
	depositWritten = 1
)

// Deposit files a new message into the New folder of m.Mailbox, as
// app_voicemail's VoiceMail() does into INBOX (into the Urgent folder when
// m is urgent, as its U option does), and returns the mailbox's
// message-waiting state after it.
//
// When the mailbox has an email or a pager address, the same script queues
// a notification per address in the mailbox's outbox (see
// TakeNotifications): a message is never stored without its
// notifications, and a message copied by a forward (Origin set to another
// mailbox) is notified as forwarded. Deposit then marks the outbox due
// (HintOutbox); should that fail, the outbox is found by the next
// RescanOutboxes.
//
// The deposit is one script and idempotent on m.ID: depositing an id that
// is already stored writes nothing and returns the current state, so a
// deposit retried after a timeout or by another instance never doubles the
// message. (An id whose message has since been deleted would be stored
// again; ids are fresh per recording, so only a retry can repeat one.)
//
// When the destination folder already holds Config.MaxMessages messages,
// or the mailbox's own Options.MaxMessages (app_voicemail's maxmsg,
// counted in the destination folder), nothing is written and the error wraps ErrMailboxFull; the MWI
// returned is still the current state. A message that cannot be stored as
// given is refused before anything reaches Redis with an error wrapping
// ErrInvalidMessage: see Message for what Deposit cleans up rather than
// refuses. With Config.MinReplicas set, a deposit that fewer replicas
// confirmed in time returns the MWI and an error wrapping
// ErrNotReplicated: retrying it is safe, and is how it reaches the new
// master after a failover.
func (s *Store) Deposit(ctx context.Context, m Message) (MWI, error) {
	prepared, err := prepareMessage(m)
	if err != nil {
		return MWI{}, fmt.Errorf("state: deposit %q: %w", clip(m.ID), err)
	}
	m = prepared
	mb := m.Mailbox
	kind := notifyNew
	if m.Origin != mb.String() {
		kind = notifyForward
	}
	cmd, notReplicated := s.runReplicated(ctx, messageDepositScript,
		[]string{messageKey(mb, m.ID), folderKey(mb, FolderNew), folderKey(mb, FolderOld), versionKey(mb),
			boxKey(mb), outboxKey(mb), folderKey(mb, FolderUrgent)},
		m.ID, s.cfg.MaxMessages, m.Received.UnixMilli(), m.Recording, m.CallerNum, m.CallerName,
		m.Duration.Milliseconds(), m.Origin, m.Intro, boolFlag(m.Urgent), kind)
	res, err := cmd.Slice()
	if err != nil {
		return MWI{}, fmt.Errorf("state: deposit %s in %s: %w", m.ID, mb, err)
	}
	status, _ := replyInt(res, 0)
	mwi, ok := replyMWI(res, 1)
	if !ok {
		return MWI{}, fmt.Errorf("state: deposit %s in %s: unexpected reply %v", m.ID, mb, res)
	}
	switch status {
	case depositWritten:
		queued, _ := replyInt(res, 4)
		s.log.Info("message deposited", zap.Stringer("mailbox", mb), zap.String("message", m.ID),
			zap.Int("new", mwi.New), zap.Int64("version", mwi.Version), zap.Int64("notifications", queued))
		if queued > 0 {
			if err := s.HintOutbox(ctx, mb); err != nil {
				s.log.Warn("mark the outbox due; the next rescan finds it", zap.Stringer("mailbox", mb), zap.Error(err))
			}
		}
		return mwi, s.atRisk(notReplicated, "deposit %s in %s", m.ID, mb)
	case depositExists:
		s.log.Info("message already deposited", zap.Stringer("mailbox", mb), zap.String("message", m.ID))
		// The first attempt may have queued notifications and failed
		// before marking the outbox due; a hint too many costs a visit.
		if err := s.HintOutbox(ctx, mb); err != nil {
			s.log.Warn("mark the outbox due; the next rescan finds it", zap.Stringer("mailbox", mb), zap.Error(err))
		}
		return mwi, s.atRisk(notReplicated, "deposit %s in %s", m.ID, mb)
	case depositFull:
		s.log.Warn("mailbox full: message refused", zap.Stringer("mailbox", mb), zap.String("message", m.ID),
			zap.Int("new", mwi.New), zap.Int("max", s.cfg.MaxMessages))
		return mwi, fmt.Errorf("state: deposit %s in %s: %w", m.ID, mb, ErrMailboxFull)
	}
	return MWI{}, fmt.Errorf("state: deposit %s in %s: unexpected reply %v", m.ID, mb, res)
}

// Messages returns the messages of a folder, oldest first (messages
// received in the same millisecond in id order). It reads the folder in one
// round trip and the envelopes in one pipelined round trip; a message
// deleted in between is left out, and so is a record that cannot be decoded
// (with a warning logged). An unknown mailbox has no messages.
func (s *Store) Messages(ctx context.Context, id MailboxID, f Folder) ([]Message, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if f.Validate() != nil {
		return nil, fmt.Errorf("state: messages of %s: %w: %d", id, ErrInvalidFolder, int(f))
	}
	ids, err := s.rdb.ZRange(ctx, folderKey(id, f), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state: messages of %s in %v: %w", id, f, err)
	}
	return s.messagesOf(ctx, id, f, ids)
}

// MessagesListed is Messages for a folder whose message ids were just
// read, oldest first: by the login (LoginSummary.Listed), in the round
// trip that read the counts the caller hears. It reads the messages in
// one round trip. A message deleted since the ids were read is left out;
// one moved meanwhile is listed in f, as Messages lists one moved between
// its two reads.
func (s *Store) MessagesListed(ctx context.Context, id MailboxID, f Folder, ids []string) ([]Message, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if f.Validate() != nil {
		return nil, fmt.Errorf("state: messages of %s: %w: %d", id, ErrInvalidFolder, int(f))
	}
	return s.messagesOf(ctx, id, f, ids)
}

// messagesOf reads the messages ids names, of folder f, in one pipeline.
func (s *Store) messagesOf(ctx context.Context, id MailboxID, f Folder, ids []string) ([]Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, msgID := range ids {
			if ValidateMessageID(msgID) == nil {
				cmds[i] = p.HGetAll(ctx, messageKey(id, msgID))
			}
		}
		return nil
	})
	// A WRONGTYPE on one hash fails that command only; it is reported
	// below like any record that cannot be decoded.
	if err != nil && !isWrongType(err) {
		return nil, fmt.Errorf("state: messages of %s in %v: %w", id, f, err)
	}
	msgs := make([]Message, 0, len(ids))
	for i, msgID := range ids {
		if cmds[i] == nil {
			s.log.Warn("message id not valid: skipped", zap.Stringer("mailbox", id),
				zap.Stringer("folder", f), zap.String("message", clip(msgID)))
			continue
		}
		fields, err := cmds[i].Result()
		if err == nil && len(fields) == 0 {
			continue // deleted since the folder was read
		}
		var m Message
		if err == nil {
			m, err = decodeMessage(id, msgID, fields)
		}
		if err != nil {
			s.log.Warn("corrupt message record: skipped", zap.Stringer("mailbox", id),
				zap.Stringer("folder", f), zap.String("message", msgID), zap.Error(err))
			continue
		}
		if m.Folder != f {
			s.log.Warn("message record names another folder", zap.Stringer("mailbox", id),
				zap.Stringer("folder", f), zap.String("message", msgID), zap.Stringer("record", m.Folder))
			m.Folder = f // the folder set is what is counted
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// Message returns one message of a mailbox. Errors wrap ErrMessageNotFound,
// ErrInvalidMessageID, or ErrCorruptMessage for a record that cannot be
// decoded.
func (s *Store) Message(ctx context.Context, id MailboxID, msgID string) (Message, error) {
	if err := id.Validate(); err != nil {
		return Message{}, err
	}
	if err := ValidateMessageID(msgID); err != nil {
		return Message{}, err
	}
	fields, err := s.rdb.HGetAll(ctx, messageKey(id, msgID)).Result()
	if isWrongType(err) {
		return Message{}, fmt.Errorf("state: message %s of %s: %w: not a hash", msgID, id, ErrCorruptMessage)
	}
	if err != nil {
		return Message{}, fmt.Errorf("state: message %s of %s: %w", msgID, id, err)
	}
	if len(fields) == 0 {
		return Message{}, fmt.Errorf("state: message %s of %s: %w", msgID, id, ErrMessageNotFound)
	}
	m, err := decodeMessage(id, msgID, fields)
	if err != nil {
		return Message{}, fmt.Errorf("state: message %s of %s: %w: %w", msgID, id, ErrCorruptMessage, err)
	}
	if !m.Deleted.IsZero() {
		return Message{}, fmt.Errorf("state: message %s of %s: %w: in the trash", msgID, id, ErrMessageNotFound)
	}
	return m, nil
}
