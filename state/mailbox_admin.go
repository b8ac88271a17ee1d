package state

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Limits on a mailbox's text fields.
const (
	maxNameLen     = 100
	maxEmailLen    = 254 // RFC 5321's longest path
	maxLanguageLen = 16
)

// NewMailbox is a mailbox an administrator creates (CreateMailbox).
type NewMailbox struct {
	// ID names the mailbox.
	ID MailboxID
	// Name is the owner's full name: at most 100 bytes of UTF-8 without
	// control characters.
	Name string
	// Email is where notifications go, "" for none: at most 254 bytes,
	// one '@', no spaces or control characters.
	Email string
	// Language is the prompt language, such as "en" or "fr_CA" (letters,
	// '_' and '-', at most 16); "" for the system's.
	Language string
	// Options are the mailbox's own options; nil ones follow the system's
	// settings. Options.Validate checks them.
	Options Options
	// Notify holds the settings of the notifications beyond Email (see
	// validateNotify).
	Notify NotifySettings
	// PIN is the initial PIN, 1 to 20 digits. The caller applies its PIN
	// policy (mailbox.PINPolicy) first: the store only checks the form.
	PIN string
	// MustChangePIN makes the owner choose a PIN at the first login (the
	// walk-through that a mailbox on the default PIN gets).
	MustChangePIN bool
	// Hidden leaves the mailbox out of the dial-by-name directory.
	Hidden bool
}

// MailboxUpdate is a change of a mailbox's fields (UpdateMailbox); nil
// fields are left as they are.
type MailboxUpdate struct {
	Name, Email, Language *string
	// Options: each option set (not nil) is changed to its value.
	Options Options
	// Reset names options (OptionKeys) that follow the system's setting
	// again.
	Reset []string
	// Pager, Attach and Timezone change those notification settings ("" to
	// remove); DeleteAfterEmail changes that one.
	Pager, Attach, Timezone *string
	DeleteAfterEmail        *bool
	// Hidden, when set, hides the mailbox from the dial-by-name directory
	// (true) or lists it again (false).
	Hidden *bool
}

// Changes reports whether u changes anything.
func (u MailboxUpdate) Changes() bool {
	return u.Name != nil || u.Email != nil || u.Language != nil || u.Options != (Options{}) || len(u.Reset) > 0 ||
		u.Pager != nil || u.Attach != nil || u.Timezone != nil || u.DeleteAfterEmail != nil || u.Hidden != nil
}

// validateNotify checks the notification settings: the pager an address
// as Email, the attachment format wav, mp3 or none, the time zone an IANA
// name Go knows. The error wraps ErrInvalidMailboxField.
func validateNotify(pager, attach, tz *string) error {
	if pager != nil && *pager != "" && !validEmail(*pager) {
		return fmt.Errorf("%w: pager %q: want one address, user@domain", ErrInvalidMailboxField, clip(*pager))
	}
	if attach != nil {
		switch *attach {
		case "", "wav", "mp3", "none":
		default:
			return fmt.Errorf("%w: attach %q: use wav, mp3 or none", ErrInvalidMailboxField, clip(*attach))
		}
	}
	if tz != nil && *tz != "" {
		// No path: time.LoadLocation would read a file by that name.
		ok := len(*tz) <= 64 && !strings.ContainsAny(*tz, " .\\") && !strings.HasPrefix(*tz, "/")
		if ok {
			_, err := time.LoadLocation(*tz)
			ok = err == nil
		}
		if !ok {
			return fmt.Errorf("%w: timezone %q: use an IANA name such as Europe/Paris", ErrInvalidMailboxField, clip(*tz))
		}
	}
	return nil
}

// validateFields checks a mailbox's text fields as NewMailbox documents
// them; the error wraps ErrInvalidMailboxField and names the field.
func validateFields(name, email, language *string) error {
	if name != nil && !validText(*name, maxNameLen) {
		return fmt.Errorf("%w: name: at most %d bytes of UTF-8 without control characters", ErrInvalidMailboxField, maxNameLen)
	}
	if email != nil && *email != "" && !validEmail(*email) {
		return fmt.Errorf("%w: email %q: want one address, user@domain", ErrInvalidMailboxField, clip(*email))
	}
	if language != nil && *language != "" && !validLanguage(*language) {
		return fmt.Errorf("%w: language %q: use a code such as en or fr_CA", ErrInvalidMailboxField, clip(*language))
	}
	return nil
}

func validText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

func validEmail(s string) bool {
	if len(s) > maxEmailLen || strings.Count(s, "@") != 1 || !validText(s, maxEmailLen) {
		return false
	}
	user, domain, _ := strings.Cut(s, "@")
	return user != "" && domain != "" && !strings.ContainsAny(s, " <>,;\"\\")
}

// validLanguage accepts what the app hands ARI as a channel language.
func validLanguage(s string) bool {
	if len(s) > maxLanguageLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// hashPIN hashes pin at the configured cost and pepper, sharing the CPUs
// with logins (compare).
func (s *Store) hashPIN(ctx context.Context, pin string) ([]byte, error) {
	select {
	case s.pinChecks <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.pinChecks }()
	return s.pins.hash([]byte(pin))
}

// CreateMailbox creates a mailbox for an administrator (the admin API or
// CLI) and returns it as stored. The mailbox is the API's from then on:
// Provision leaves it alone even when the YAML lists it. A tombstone left by
// an earlier DeleteMailbox is cleared. Errors wrap ErrMailboxExists,
// mailbox.ErrInvalidID, ErrInvalidPIN or ErrInvalidMailboxField (nothing
// written), or ErrNotReplicated (created on the master).
func (s *Store) CreateMailbox(ctx context.Context, m NewMailbox) (Mailbox, error) {
	if err := m.ID.Validate(); err != nil {
		return Mailbox{}, err
	}
	if err := validateFields(&m.Name, &m.Email, &m.Language); err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	if err := m.Options.Validate(); err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	if err := validateNotify(&m.Notify.Pager, &m.Notify.Attach, &m.Notify.Timezone); err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	if err := validatePIN(m.PIN); err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	hash, err := s.hashPIN(ctx, m.PIN)
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	mustChange := boolFlag(m.MustChangePIN || m.PIN == s.cfg.DefaultPIN)
	args := []any{m.Name, m.Email, m.Language, reviewFlag(m.Options.Review), hash, mustChange, s.now().UnixMilli()}
	args = append(args, optionsArgs(m.Options)...)
	// The notification settings ride as four more pairs.
	args[7] = args[7].(int) + 4
	args = append(args, fieldPager, m.Notify.Pager, fieldAttach, m.Notify.Attach,
		fieldDeleteMail, boolFlag(m.Notify.DeleteAfterEmail), fieldTimezone, m.Notify.Timezone)
	// And the directory's hidden flag as one more ("" is not written).
	args[7] = args[7].(int) + 1
	args = append(args, fieldHidden, hiddenFlag(m.Hidden))
	cmd, notReplicated := s.runReplicated(ctx, mailboxAdminCreateScript, []string{boxKey(m.ID), tombstoneKey(m.ID)}, args...)
	created, err := cmd.Int64()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, err)
	}
	if created == 0 {
		return Mailbox{}, fmt.Errorf("state: create %s: %w", m.ID, ErrMailboxExists)
	}
	if err := s.indexMailboxes(ctx, m.ID); err != nil {
		// Listed again by the next ReindexMailboxes; calls do not need it.
		s.log.Warn("mailbox created but not indexed", zap.Stringer("mailbox", m.ID), zap.Error(err))
	}
	s.log.Info("mailbox created by an administrator", zap.Stringer("mailbox", m.ID))
	mb, err := s.Mailbox(ctx, m.ID)
	if err != nil {
		return Mailbox{}, err
	}
	return mb, s.atRisk(notReplicated, "create %s", m.ID)
}

// UpdateMailbox changes a mailbox's fields for an administrator and returns
// it as stored. The mailbox is the API's from then on: Provision no longer
// applies the YAML to it. Errors wrap ErrMailboxNotFound, mailbox.ErrInvalidID
// or ErrInvalidMailboxField (nothing written), or ErrNotReplicated.
func (s *Store) UpdateMailbox(ctx context.Context, id MailboxID, u MailboxUpdate) (Mailbox, error) {
	if err := id.Validate(); err != nil {
		return Mailbox{}, err
	}
	if err := validateFields(u.Name, u.Email, u.Language); err != nil {
		return Mailbox{}, fmt.Errorf("state: update %s: %w", id, err)
	}
	if err := validateNotify(u.Pager, u.Attach, u.Timezone); err != nil {
		return Mailbox{}, fmt.Errorf("state: update %s: %w", id, err)
	}
	if err := u.Options.Validate(); err != nil {
		return Mailbox{}, fmt.Errorf("state: update %s: %w", id, err)
	}
	var set []any
	var del []any
	for _, f := range []struct {
		field string
		value *string
	}{{fieldName, u.Name}, {fieldEmail, u.Email}, {fieldLanguage, u.Language},
		{fieldPager, u.Pager}, {fieldAttach, u.Attach}, {fieldTimezone, u.Timezone}} {
		if f.value != nil {
			set = append(set, f.field, *f.value)
		}
	}
	if u.DeleteAfterEmail != nil {
		set = append(set, fieldDeleteMail, boolFlag(*u.DeleteAfterEmail))
	}
	for _, f := range optionFields {
		if v := f.get(&u.Options); v != "" {
			set = append(set, f.name, v)
		}
	}
	if u.Hidden != nil {
		if *u.Hidden {
			set = append(set, fieldHidden, "1")
		} else {
			del = append(del, fieldHidden)
		}
	}
	for _, key := range u.Reset {
		f, ok := optionByKey(key)
		if !ok {
			return Mailbox{}, fmt.Errorf("state: update %s: %w: no option %q", id, ErrInvalidMailboxField, clip(key))
		}
		if f.get(&u.Options) != "" {
			return Mailbox{}, fmt.Errorf("state: update %s: %w: option %s both set and reset", id, ErrInvalidMailboxField, key)
		}
		del = append(del, f.name)
	}
	args := append(append([]any{len(set) / 2}, set...), del...)
	cmd, notReplicated := s.runReplicated(ctx, mailboxAdminUpdateScript, []string{boxKey(id)}, args...)
	n, err := cmd.Int64()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: update %s: %w", id, err)
	}
	if n == 0 {
		return Mailbox{}, fmt.Errorf("state: update %s: %w", id, ErrMailboxNotFound)
	}
	s.log.Info("mailbox changed by an administrator", zap.Stringer("mailbox", id))
	mb, err := s.Mailbox(ctx, id)
	if err != nil {
		return Mailbox{}, err
	}
	return mb, s.atRisk(notReplicated, "update %s", id)
}

// deleteAttempts bounds DeleteMailbox's retries when messages arrive
// between its read of the folders and its script.
const deleteAttempts = 5

// DeleteMailbox deletes a mailbox for an administrator: its record, PIN
// and lockout state, messages and greetings, in one script. It returns the
// recordings that pointed at audio (messages, the trash's too, their
// introductions, greetings),
// for the caller to delete now that nothing points at them (what it does
// not delete, the janitor does), and the message-waiting state after it:
// 0/0 at a new version, for the phones' lamps. A tombstone keeps Provision
// from creating the mailbox again from the YAML; CreateMailbox clears it.
//
// A message being left while the mailbox is deleted may still land in its
// folders afterwards (a deposit does not look for the mailbox record); it
// is then in no listed mailbox, and fsck reports nothing about it. Errors
// wrap ErrMailboxNotFound or mailbox.ErrInvalidID (nothing written), or
// ErrNotReplicated (deleted on the master: do not delete the audio).
func (s *Store) DeleteMailbox(ctx context.Context, id MailboxID) (audio []string, mwi MWI, err error) {
	if err := id.Validate(); err != nil {
		return nil, MWI{}, err
	}
	for range deleteAttempts {
		var folders [len(AllFolders) + 1]*redis.StringSliceCmd // and the trash
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, f := range AllFolders {
				folders[i] = p.ZRange(ctx, folderKey(id, f), 0, -1)
			}
			folders[len(AllFolders)] = p.ZRange(ctx, trashKey(id), 0, -1)
			return nil
		}); err != nil {
			return nil, MWI{}, fmt.Errorf("state: delete %s: %w", id, err)
		}
		keys := []string{boxKey(id), authFailKey(id), authLockKey(id), authStrikesKey(id),
			greetingsKey(id), versionKey(id), tombstoneKey(id)}
		keys = append(keys, folderKeys(id)...)
		keys = append(keys, outboxKey(id), outboxTriesKey(id), outboxDeadKey(id), authDayKey(id), trashKey(id))
		args := []any{s.now().UnixMilli()}
		for _, f := range folders {
			for _, msgID := range f.Val() {
				// An id that is no message id cannot name a key safely;
				// the script then sees it unlisted and refuses. fsck
				// reports such ids.
				if ValidateMessageID(msgID) != nil {
					return nil, MWI{}, fmt.Errorf("state: delete %s: %w: folder holds %q (run voicemail fsck)", id, ErrCorruptMessage, clip(msgID))
				}
				keys = append(keys, messageKey(id, msgID))
				args = append(args, msgID)
			}
		}
		cmd, notReplicated := s.runReplicated(ctx, mailboxDeleteScript, keys, args...)
		res, err := cmd.Slice()
		if err != nil {
			return nil, MWI{}, fmt.Errorf("state: delete %s: %w", id, err)
		}
		status, _ := replyInt(res, 0)
		switch status {
		case 0:
			return nil, MWI{}, fmt.Errorf("state: delete %s: %w", id, ErrMailboxNotFound)
		case -1:
			continue // a message arrived meanwhile
		case 1:
		default:
			return nil, MWI{}, fmt.Errorf("state: delete %s: unexpected reply %v", id, res)
		}
		mwi, _ = replyMWI(res, 1)
		for i := 4; i < len(res); i++ {
			if rec, ok := res[i].(string); ok && validRecordingName(rec) {
				audio = append(audio, rec)
			}
		}
		if err := s.unindexMailbox(ctx, id); err != nil {
			// ListMailboxes skips it; the index keeps a dead id.
			s.log.Warn("mailbox deleted but still indexed", zap.Stringer("mailbox", id), zap.Error(err))
		}
		s.log.Warn("mailbox deleted by an administrator", zap.String("security_event", "mailbox_deleted"),
			zap.Stringer("mailbox", id), zap.Int("recordings", len(audio)), zap.Int64("version", mwi.Version))
		return audio, mwi, s.atRisk(notReplicated, "delete %s", id)
	}
	return nil, MWI{}, fmt.Errorf("state: delete %s: messages kept arriving (%d tries)", id, deleteAttempts)
}

// SetAdminPIN sets a mailbox's PIN for an administrator (a reset): pin is 1
// to 20 digits (the caller applies its PIN policy first). With mustChange,
// the owner is walked through choosing a PIN at the next login, as on the
// default PIN. Provision never overwrites it. The mailbox's lockout and
// failure counts are cleared, so that the owner can log in at once. Errors
// wrap ErrInvalidPIN, ErrMailboxNotFound, or ErrNotReplicated (the PIN was
// changed on the master).
func (s *Store) SetAdminPIN(ctx context.Context, id MailboxID, pin string, mustChange bool) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if err := validatePIN(pin); err != nil {
		return fmt.Errorf("state: reset PIN of %s: %w", id, err)
	}
	hash, err := s.hashPIN(ctx, pin)
	if err != nil {
		return fmt.Errorf("state: reset PIN of %s: %w", id, err)
	}
	flag := boolFlag(mustChange || pin == s.cfg.DefaultPIN)
	cmd, notReplicated := s.runReplicated(ctx, pinAdminSetScript,
		[]string{boxKey(id), authFailKey(id), authLockKey(id), authStrikesKey(id), authDayKey(id)}, hash, flag)
	n, err := cmd.Int64()
	if err != nil {
		return fmt.Errorf("state: reset PIN of %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("state: reset PIN of %s: %w", id, ErrMailboxNotFound)
	}
	s.log.Warn("PIN reset by an administrator", zap.String("security_event", "pin_reset"),
		zap.Stringer("mailbox", id), zap.Bool("must_change", flag == "1"))
	return s.atRisk(notReplicated, "reset PIN of %s", id)
}
