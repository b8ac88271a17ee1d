package migrate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// ImportStore is what Import needs of the store: *state.Store.
type ImportStore interface {
	MailboxExists(ctx context.Context, id state.MailboxID) (bool, error)
	CreateMailbox(ctx context.Context, m state.NewMailbox) (state.Mailbox, error)
	Message(ctx context.Context, id state.MailboxID, msgID string) (state.Message, error)
	ImportMessage(ctx context.Context, m state.Message) (bool, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
	SetGreeting(ctx context.Context, id state.MailboxID, kind state.GreetingKind, recording string) (string, error)
	NotifyMWIChanged(ctx context.Context, id state.MailboxID) error
}

var _ ImportStore = (*state.Store)(nil)

// Importer brings app_voicemail's mailboxes, messages and greetings into
// this app.
type Importer struct {
	// Store is where mailboxes and messages go.
	Store ImportStore
	// Recordings is Asterisk's recording directory
	// (/var/spool/asterisk/recording), where the audio goes as ARI stored
	// recordings (see package recordings).
	Recordings string
	// Audio converts what is not already the WAV this app plays.
	Audio Audio
	// DryRun reads and reports everything and writes nothing.
	DryRun bool
	// Log receives a line per mailbox; nil for none.
	Log *zap.Logger
}

// boxPlan is a mailbox of voicemail.conf as it will be created.
type boxPlan struct {
	ID       mailbox.ID
	Name     string
	Email    string
	Language string
	// Options, Notify and Hidden are the mailbox's voicemail.conf options
	// the store keeps (options.go).
	Options state.Options
	Notify  state.NotifySettings
	Hidden  bool
	PIN     string
}

// maxPINLen is the longest PIN the store takes.
const maxPINLen = 20

// Import creates the mailboxes of conf that do not exist yet, then imports
// the messages and greetings of the spool at spool ("" for none) into the
// mailboxes of conf (or already in the store). It is idempotent: message
// ids are derived from the spool (StableID), greeting versions from their
// audio, and what is already there is reported unchanged. Errors are
// returned only for what stops the whole import (the spool cannot be
// read, Redis fails); everything else is a report line.
func (im *Importer) Import(ctx context.Context, conf *Conf, spool string) (*Report, error) {
	log := im.Log
	if log == nil {
		log = zap.NewNop()
	}
	r := newReport("import", im.DryRun)
	for _, n := range conf.Notes {
		r.add("", "voicemail.conf", Skipped, "%s", n)
	}
	for _, n := range generalNotes(conf) {
		r.add("", "[general]", NotApplied, "%s", n)
	}
	known := map[mailbox.ID]bool{}
	seen := map[string]string{}
	for _, b := range conf.Boxes {
		key := b.Number + "@" + b.Context
		if first, dup := seen[key]; dup {
			r.add(key, "mailbox", Skipped, "defined again at %s: the first line (%s) is used", b.Where, first)
			continue
		}
		seen[key] = b.Where
		ok, err := im.mailbox(ctx, r, b)
		if err != nil {
			return r, err
		}
		if ok {
			known[mailbox.ID{Number: b.Number, Context: b.Context}] = true
		}
	}
	if spool == "" {
		return r, nil
	}
	boxes, notes, err := ScanSpool(spool)
	if err != nil {
		return r, err
	}
	for _, n := range notes {
		r.add("", "spool", Skipped, "%s", n)
	}
	for _, sb := range boxes {
		id := mailbox.ID{Number: sb.Number, Context: sb.Context}
		key := sb.Number + "@" + sb.Context
		if id.Validate() != nil {
			r.add(key, "mailbox", Skipped, "spool directory %s/%s is not a valid mailbox id", sb.Context, sb.Number)
			continue
		}
		if !known[id] {
			exists, err := im.Store.MailboxExists(ctx, id)
			if err != nil {
				return r, fmt.Errorf("migrate: import: %w", err)
			}
			if !exists {
				r.add(key, "mailbox", Skipped, "in the spool but not in voicemail.conf nor in this app: %d messages and %d greetings not imported",
					len(sb.Messages), len(sb.Greetings))
				continue
			}
		}
		for _, n := range sb.Notes {
			r.add(key, "spool", Skipped, "%s", n)
		}
		changed := false
		for _, m := range sb.Messages {
			done, err := im.message(ctx, r, id, sb, m)
			if err != nil {
				return r, err
			}
			changed = changed || done
		}
		for _, g := range spoolGreetings {
			if formats, ok := sb.Greetings[g]; ok {
				if err := im.greeting(ctx, r, id, sb, g, formats); err != nil {
					return r, err
				}
			}
		}
		if changed && !im.DryRun {
			// The lamps follow on every running instance.
			if err := im.Store.NotifyMWIChanged(ctx, id); err != nil {
				log.Warn("notify the message-waiting change", zap.Stringer("mailbox", id), zap.Error(err))
			}
		}
		log.Info("mailbox imported", zap.Stringer("mailbox", id), zap.Int("messages", len(sb.Messages)))
	}
	return r, nil
}

// mailbox creates the mailbox of b unless it exists, and reports its
// options. It returns whether the mailbox exists (or would, on a dry run).
func (im *Importer) mailbox(ctx context.Context, r *Report, b Box) (bool, error) {
	key := b.Number + "@" + b.Context
	p := boxPlan{ID: mailbox.ID{Number: b.Number, Context: b.Context}, Name: b.Name, Email: b.Email}
	if err := p.ID.Validate(); err != nil {
		r.add(key, "mailbox", Skipped, "%s: %v", b.Where, err)
		return false, nil
	}
	for _, o := range b.Options {
		rule, known := boxOptions[o.Key]
		switch {
		case !known:
			r.add(key, "option "+o.Key, NotApplied, "unknown option %s=%s", o.Key, clip(o.Value))
		case rule.apply == nil:
			r.add(key, "option "+o.Key, NotApplied, "unsupported option %s (=%s)", o.Key, clip(o.Value))
		default:
			if err := rule.apply(&p, o.Value); err != nil {
				r.add(key, "option "+o.Key, Skipped, "%v", err)
			}
		}
	}
	p.Notify.Pager = b.Pager
	if b.Locked {
		r.add(key, "option password", NotApplied, "unsupported: the owner may change the PIN (the password began with \"-\")")
	}
	exists, err := im.Store.MailboxExists(ctx, p.ID)
	if err != nil {
		return false, fmt.Errorf("migrate: import %s: %w", key, err)
	}
	if exists {
		r.add(key, "mailbox", Unchanged, "exists: name, email and PIN left as they are")
		return true, nil
	}
	mustChange, detail := false, "PIN from voicemail.conf, hashed"
	p.PIN = b.Password
	if !digits(p.PIN, maxPINLen) {
		p.PIN, mustChange = randomPIN(), true
		detail = fmt.Sprintf("the password is not 1 to %d digits: one-time PIN %s, to change at the first login", maxPINLen, p.PIN)
	}
	if im.DryRun {
		if mustChange {
			detail = fmt.Sprintf("the password is not 1 to %d digits: a one-time PIN would be generated", maxPINLen)
		}
		r.add(key, "mailbox", Done, "would be created (%s)", detail)
		return true, nil
	}
	_, err = im.Store.CreateMailbox(ctx, state.NewMailbox{ID: p.ID, Name: p.Name, Email: p.Email,
		Language: p.Language, Options: p.Options, Notify: p.Notify, Hidden: p.Hidden, PIN: p.PIN, MustChangePIN: mustChange})
	switch {
	case errors.Is(err, state.ErrInvalidMailboxField):
		r.add(key, "mailbox", Skipped, "%s: %v", b.Where, err)
		return false, nil
	case errors.Is(err, state.ErrMailboxExists):
		r.add(key, "mailbox", Unchanged, "exists: name, email and PIN left as they are")
		return true, nil
	case err != nil:
		return false, fmt.Errorf("migrate: import %s: %w", key, err)
	}
	r.add(key, "mailbox", Done, "created (%s)", detail)
	return true, nil
}

// StableID returns the id a message of the spool is imported under: "m",
// its origtime in milliseconds as 13 digits, "-" and 8 hex digits of a
// hash of its context, mailbox, folder, origtime and file name. The same
// spool always gives the same ids, which sort in time order as the ids of
// messages left here do (mailbox.NewMessageID).
func StableID(id mailbox.ID, folder, file string, origtime int64) mailbox.MessageID {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%d/%s", id.Context, id.Number, folder, origtime, file)))
	return mailbox.MessageID(fmt.Sprintf("m%013d-%s", max(origtime*1000, 0), hex.EncodeToString(sum[:4])))
}

// message imports one message; it returns whether it was imported now.
func (im *Importer) message(ctx context.Context, r *Report, id mailbox.ID, sb SpoolBox, m SpoolMessage) (bool, error) {
	key, item := id.String(), m.Dir+"/"+m.File
	folder := spoolFolders[m.Dir]
	format := pickFormat(m.Formats)
	if format == "" {
		r.add(key, item, Skipped, "no audio in a format this app reads (found %v)", m.Formats)
		return false, nil
	}
	origtime := m.Info.OrigTime
	if origtime <= 0 {
		origtime = m.ModTime
		if origtime <= 0 {
			r.add(key, item, Skipped, "no origtime and no file time")
			return false, nil
		}
	}
	msgID := StableID(id, m.Dir, m.File, origtime)
	if _, err := im.Store.Message(ctx, id, string(msgID)); err == nil {
		r.add(key, item, Unchanged, "already imported as %s", msgID)
		return false, nil
	} else if !errors.Is(err, state.ErrMessageNotFound) {
		return false, fmt.Errorf("migrate: import %s %s: %w", key, item, err)
	}
	name, err := recordings.MessageName(id, string(msgID))
	if err != nil {
		r.add(key, item, Skipped, "%v", err)
		return false, nil
	}
	wav, err := im.Audio.ToWAV(ctx, filepath.Join(sb.Path, m.Dir, m.File+"."+format), format)
	if err != nil {
		r.add(key, item, Skipped, "audio: %v", err)
		return false, nil
	}
	duration := time.Duration(m.Info.Duration) * time.Second
	if duration <= 0 {
		if d, err := recordings.WAVDuration(wav); err == nil {
			duration = d
		}
	}
	urgent := m.Dir == "Urgent" || m.Info.Flag == "Urgent"
	detail := fmt.Sprintf("into %s as %s (from %s)", folder, msgID, format)
	if !m.HasInfo {
		detail += "; no msgNNNN.txt: no caller ID, received time from the file"
	}
	action := Done
	if urgent && folder == mailbox.FolderNew {
		// An unheard urgent message (flag=Urgent in INBOX) is in the
		// Urgent folder here, as app_voicemail keeps it.
		folder = mailbox.FolderUrgent
		detail = fmt.Sprintf("into %s as %s (from %s, flagged urgent)", folder, msgID, format)
	}
	if im.DryRun {
		r.add(key, item, action, "%s", detail)
		return true, nil
	}
	if err := writeAudio(im.Recordings, name, wav); err != nil {
		return false, err
	}
	msg := state.Message{ID: string(msgID), Mailbox: id, Folder: folder, Recording: name,
		CallerNum: m.Info.CallerNum, CallerName: m.Info.CallerName, Received: time.Unix(origtime, 0),
		Duration: duration, Urgent: urgent}
	if orig, err := mailbox.ParseID(m.Info.OrigMailbox + "@" + id.Context); err == nil && m.Info.OrigMailbox != "" && orig != id {
		msg.Origin = orig.String()
	}
	done, err := im.Store.ImportMessage(ctx, msg)
	if err != nil && !errors.Is(err, state.ErrNotReplicated) {
		if errors.Is(err, state.ErrInvalidMessage) {
			r.add(key, item, Skipped, "%v", err)
			return false, nil
		}
		return false, fmt.Errorf("migrate: import %s %s: %w", key, item, err)
	}
	if !done {
		r.add(key, item, Unchanged, "already imported as %s", msgID)
		return false, nil
	}
	r.add(key, item, action, "%s", detail)
	return true, nil
}

// greeting imports one greeting (or the recorded name), unless the
// mailbox has one of its own already.
func (im *Importer) greeting(ctx context.Context, r *Report, id mailbox.ID, sb SpoolBox, g mailbox.Greeting, formats []string) error {
	key, item := id.String(), "greeting "+string(g)
	format := pickFormat(formats)
	if format == "" {
		r.add(key, item, Skipped, "no audio in a format this app reads (found %v)", formats)
		return nil
	}
	wav, err := im.Audio.ToWAV(ctx, filepath.Join(sb.Path, string(g)+"."+format), format)
	if err != nil {
		r.add(key, item, Skipped, "audio: %v", err)
		return nil
	}
	sum := sha256.Sum256(wav)
	name, err := recordings.GreetingName(id, g, "i"+hex.EncodeToString(sum[:8]))
	if err != nil {
		r.add(key, item, Skipped, "%v", err)
		return nil
	}
	current, err := im.Store.Greetings(ctx, id)
	if err != nil {
		return fmt.Errorf("migrate: import %s %s: %w", key, item, err)
	}
	switch cur := current[g]; {
	case cur == name:
		r.add(key, item, Unchanged, "already imported as %s", name)
		return nil
	case cur != "":
		r.add(key, item, Skipped, "the mailbox has its own %s greeting (%s): kept", g, cur)
		return nil
	}
	if im.DryRun {
		r.add(key, item, Done, "from %s", format)
		return nil
	}
	if err := writeAudio(im.Recordings, name, wav); err != nil {
		return err
	}
	if _, err := im.Store.SetGreeting(ctx, id, g, name); err != nil && !errors.Is(err, state.ErrNotReplicated) {
		return fmt.Errorf("migrate: import %s %s: %w", key, item, err)
	}
	r.add(key, item, Done, "from %s, as %s", format, name)
	return nil
}

// digits reports whether s is 1 to max ASCII digits.
func digits(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// randomPIN returns 6 random digits.
func randomPIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails (Go 1.24+).
	}
	return fmt.Sprintf("%06d", n.Int64())
}
