package state

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// MailboxConfig is a mailbox as the administrator configures it.
type MailboxConfig struct {
	// ID names the mailbox.
	ID MailboxID
	// Name is the owner's full name.
	Name string
	// PIN is the initial PIN, 1 to 20 digits; "" means Config.DefaultPIN.
	// Once the owner changes the PIN by phone, Provision no longer applies
	// this field to the mailbox.
	PIN string
	// Email is where notifications go; "" for none.
	Email string
	// Language is the prompt language, such as "en"; "" for the system's.
	Language string
	// Options are the mailbox's own options (review, operator, envelope,
	// limits…); each nil one follows the system's setting.
	Options Options
	// Notify holds the settings of the notifications beyond Email.
	Notify NotifySettings
	// Hidden leaves the mailbox out of the dial-by-name directory
	// (app_voicemail's hidefromdir).
	Hidden bool
}

// NotifySettings are a mailbox's settings for its notifications by email,
// as app_voicemail's per-mailbox options (pager, attach, delete, tz).
type NotifySettings struct {
	// Pager receives a short notification (app_voicemail's pager
	// address); "" for none.
	Pager string
	// Attach is the attachment format of the email: "wav", "mp3" or
	// "none"; "" for the sender's default.
	Attach string
	// DeleteAfterEmail removes a message once its email was accepted by
	// the relay (app_voicemail's delete=yes).
	DeleteAfterEmail bool
	// Timezone is the mailbox's IANA time zone (app_voicemail's tz), such
	// as Europe/Paris: of the dates in the email and of the date said
	// before each message; "" for the system's (voicemail.timezone).
	Timezone string
}

// Mailbox is a provisioned mailbox as stored. It never carries the PIN or
// its hash.
type Mailbox struct {
	// ID names the mailbox.
	ID MailboxID
	// Name is the owner's full name.
	Name string
	// Email is where notifications go; "" for none.
	Email string
	// Language is the prompt language; "" for the system's.
	Language string
	// Notify holds the settings of the notifications beyond Email.
	Notify NotifySettings
	// PINIsDefault reports that the owner must choose a PIN at the next
	// login (the first-login walk-through): the PIN is Config.DefaultPIN
	// (as it was when the PIN was last set or provisioned), or an
	// administrator set a one-time PIN (SetAdminPIN).
	PINIsDefault bool
	// PINChangedByOwner reports that the owner set the PIN by phone, so
	// Provision leaves it alone.
	PINChangedByOwner bool
	// PINSource says who set the PIN last: "config" (provisioning),
	// "owner" (by phone) or "admin" (the admin API or CLI). Provision
	// replaces only a PIN it set. Filled by Mailbox and ListMailboxes.
	PINSource string
	// Options are the mailbox's own options; nil ones follow the
	// system's settings. Filled by Mailbox, ListMailboxes and
	// Authenticate (when Summary is not nil).
	Options
	// ManagedByAPI reports that the admin API or CLI created or changed
	// the mailbox: Provision no longer applies the YAML to it. Filled by
	// Mailbox and ListMailboxes.
	ManagedByAPI bool
	// Created is when the mailbox was created, to the millisecond; zero
	// if unknown. Filled by Mailbox and ListMailboxes.
	Created time.Time
	// Hidden leaves the mailbox out of the dial-by-name directory
	// (app_voicemail's hidefromdir).
	Hidden bool
	// Summary is what a login announces. Authenticate reads it in the
	// round trip that resets the failure count; it is nil when that read
	// failed (then ask Counts and Greetings), and from other calls.
	Summary *LoginSummary
}

// LoginSummary is what a caller hears about right after logging in.
type LoginSummary struct {
	// Counts are the folders' message counts, as Counts returns them.
	Counts Counts
	// Greetings are the active greetings, as Greetings returns them.
	Greetings map[GreetingKind]string
	// Options are the mailbox's own options, and Timezone its time zone
	// (Notify.Timezone), read in the same round trip.
	Options  Options
	Timezone string
	// Listed holds the message ids, oldest first, of the folders a login
	// opens first (New, Old and Urgent), read with the counts: a call
	// opening one of them right after its login lists its messages with
	// MessagesListed, one round trip instead of two. A folder missing
	// from it was not read whole (longer than 200 messages, or changed
	// while the login read it).
	Listed map[Folder][]string
}

// loginFolders are the folders a login may open first (the menus' start
// folder: Urgent, New, or Old when New is empty).
var loginFolders = [...]Folder{FolderNew, FolderOld, FolderUrgent}

// loginListMax bounds the ids a login reads of each of loginFolders: a
// folder read for nothing (Old, when New has messages) costs at most
// this many; a longer one is read when opened, as before.
const loginListMax = 200

// ProvisionReport counts what Provision did.
type ProvisionReport struct {
	// Created counts mailboxes that did not exist and were created.
	Created int
	// Updated counts existing mailboxes of which a field or the PIN changed.
	Updated int
	// Unchanged counts existing mailboxes that already matched.
	Unchanged int
	// Skipped counts mailboxes left alone: created or changed through the
	// admin API or CLI (which keeps them from then on), or deleted by an
	// administrator (the YAML does not bring them back).
	Skipped int
}

// provisionOutcome is what happened to one mailbox.
type provisionOutcome int

const (
	outcomeUnchanged provisionOutcome = iota
	outcomeUpdated
	outcomeCreated
	outcomeSkipped
	outcomeDeleted // skipped: an administrator deleted it
)

// provisionAttempts bounds the retries when another instance creates (or
// someone deletes) a mailbox, or its PIN changes, between our read and our
// write. Each retry follows a change by someone else, so a handful of
// instances provisioning at once settle within two or three.
const provisionAttempts = 5

// Provision makes Redis match the configured mailboxes. It creates missing
// mailboxes, with a bcrypt hash of their PIN, and updates the name, email,
// language and review of existing ones. A PIN the owner changed by phone or
// an administrator set is never overwritten; a PIN still set by
// configuration is replaced when the configured one differs, unless the
// owner changes it at the same moment (the owner wins). Mailboxes missing
// from boxes are left alone, and so are mailboxes that the admin API or CLI
// created or changed, or deleted (the configuration is a seed: see
// CreateMailbox). Every mailbox provisioned is added to the index that
// ListMailboxes reads.
//
// Several instances may provision the same mailboxes at once: creation is
// an existence check and write in one script, and PIN replacement a
// compare-and-set. The whole list is validated first (ids, PINs, duplicate
// ids) and nothing is written if any entry is invalid; the error then wraps
// ErrInvalidMailbox or ErrInvalidPIN. Otherwise every mailbox is attempted,
// the report counts those that succeeded and the error joins the failures.
//
// bcrypt is slow by design (about 80ms a hash or compare at cost 10 on a
// 2-CPU machine), so the mailboxes are handled by runtime.NumCPU() workers,
// and mailboxes with the default PIN share one hash (see pinHasher).
func (s *Store) Provision(ctx context.Context, boxes []MailboxConfig) (ProvisionReport, error) {
	var report ProvisionReport
	seen := make(map[MailboxID]struct{}, len(boxes))
	for i, b := range boxes {
		if err := b.ID.Validate(); err != nil {
			return report, fmt.Errorf("state: provision entry %d: %w", i, err)
		}
		if b.PIN != "" {
			if err := validatePIN(b.PIN); err != nil {
				return report, fmt.Errorf("state: provision %s: %w", b.ID, err)
			}
		}
		if err := b.Options.Validate(); err != nil {
			return report, fmt.Errorf("state: provision %s: %w", b.ID, err)
		}
		if _, dup := seen[b.ID]; dup {
			return report, fmt.Errorf("state: provision %s: %w: listed twice", b.ID, ErrInvalidMailbox)
		}
		seen[b.ID] = struct{}{}
	}

	start := time.Now()
	hasher := newPINHasher(s.cfg.DefaultPIN, s.pins)
	workers := min(runtime.NumCPU(), len(boxes))
	jobs := make(chan MailboxConfig)
	var (
		mu      sync.Mutex
		errs    []error
		indexed []MailboxID // every mailbox that exists, for the index
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				out, err := s.provisionOne(ctx, hasher, b)
				mu.Lock()
				if err == nil && out != outcomeDeleted {
					indexed = append(indexed, b.ID)
				}
				switch {
				case err != nil:
					errs = append(errs, fmt.Errorf("state: provision %s: %w", b.ID, err))
				case out == outcomeCreated:
					report.Created++
				case out == outcomeUpdated:
					report.Updated++
				case out == outcomeSkipped, out == outcomeDeleted:
					report.Skipped++
				default:
					report.Unchanged++
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, b := range boxes {
		select {
		case jobs <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("state: provision: %w", err))
	}
	if err := s.indexMailboxes(ctx, indexed...); err != nil {
		errs = append(errs, fmt.Errorf("state: provision: %w", err))
	}

	s.log.Info("provisioned mailboxes",
		zap.Int("mailboxes", len(boxes)),
		zap.Int("created", report.Created),
		zap.Int("updated", report.Updated),
		zap.Int("unchanged", report.Unchanged),
		zap.Int("skipped", report.Skipped),
		zap.Int("failed", len(errs)),
		zap.Duration("took", time.Since(start)))
	return report, errors.Join(errs...)
}

// provisionOne applies one configured mailbox.
func (s *Store) provisionOne(ctx context.Context, hasher *pinHasher, b MailboxConfig) (provisionOutcome, error) {
	pin := b.PIN
	if pin == "" {
		pin = s.cfg.DefaultPIN
	}
	isDefault := boolFlag(pin == s.cfg.DefaultPIN)
	review := reviewFlag(b.Options.Review)
	opts := optionsArgs(b.Options)
	key := boxKey(b.ID)
	var newHash []byte // hashed at most once, however many attempts

	tryCreate := true
	changed := false // by an earlier attempt
	for range provisionAttempts {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		vals, err := s.rdb.HMGet(ctx, key, fieldPINHash, fieldPINSource, fieldPINVer, fieldManaged).Result()
		if err != nil {
			return 0, err
		}
		if managed, _ := vals[3].(string); managed == managedAPI {
			return s.skipped(b.ID, "managed through the admin API")
		}
		stored, hasHash := vals[0].(string)
		if !hasHash && tryCreate {
			if newHash == nil {
				if newHash, err = hasher.hash(pin); err != nil {
					return 0, err
				}
			}
			args := append([]any{b.Name, b.Email, b.Language, newHash, isDefault, s.now().UnixMilli(), review,
				b.Notify.Pager, b.Notify.Attach, boolFlag(b.Notify.DeleteAfterEmail), b.Notify.Timezone}, withHidden(opts, b.Hidden)...)
			created, err := mailboxCreateScript.Run(ctx, s.rdb, []string{key, tombstoneKey(b.ID)}, args...).Int64()
			if err != nil {
				return 0, err
			}
			if created == 2 {
				s.log.Info("configured mailbox left alone: deleted by an administrator", zap.Stringer("mailbox", b.ID))
				return outcomeDeleted, nil
			}
			if created == 1 {
				s.log.Debug("mailbox created", zap.Stringer("mailbox", b.ID))
				return outcomeCreated, nil
			}
			// Created by another instance meanwhile, or a record without a
			// hash: update it.
			tryCreate = false
			continue
		}

		source, _ := vals[1].(string)
		version, _ := vals[2].(string)
		var hashArg, defaultArg string
		if source == "" || source == pinSourceConfig {
			if !hasher.match(stored, pin) {
				if newHash == nil {
					if newHash, err = hasher.hash(pin); err != nil {
						return 0, err
					}
				}
				hashArg = string(newHash)
			}
			defaultArg = isDefault
		}
		args := append([]any{b.Name, b.Email, b.Language, hashArg, defaultArg, version, review,
			b.Notify.Pager, b.Notify.Attach, boolFlag(b.Notify.DeleteAfterEmail), b.Notify.Timezone}, withHidden(opts, b.Hidden)...)
		res, err := mailboxUpdateScript.Run(ctx, s.rdb, []string{key}, args...).Int64Slice()
		if err != nil {
			return 0, err
		}
		if len(res) != 2 {
			return 0, fmt.Errorf("mailbox_update returned %v", res)
		}
		if res[0] == -2 {
			return s.skipped(b.ID, "managed through the admin API")
		}
		if res[0] < 0 {
			tryCreate = true // deleted meanwhile: create it again
			continue
		}
		changed = changed || res[0] == 1
		if res[1] == 1 {
			// The PIN changed between our read and our write: by the owner
			// (who wins), or by another instance provisioning. Look again.
			s.log.Debug("mailbox PIN changed while provisioning; rechecking", zap.Stringer("mailbox", b.ID))
			continue
		}
		if hashArg != "" {
			s.log.Info("mailbox PIN replaced from configuration", zap.Stringer("mailbox", b.ID))
		}
		if changed {
			return outcomeUpdated, nil
		}
		return outcomeUnchanged, nil
	}
	return 0, fmt.Errorf("mailbox changed under us %d times", provisionAttempts)
}

// skipped logs a configured mailbox that Provision leaves alone.
func (s *Store) skipped(id MailboxID, why string) (provisionOutcome, error) {
	s.log.Info("configured mailbox left alone: "+why, zap.Stringer("mailbox", id))
	return outcomeSkipped, nil
}

// Mailbox returns a provisioned mailbox, or an error wrapping
// ErrMailboxNotFound.
func (s *Store) Mailbox(ctx context.Context, id MailboxID) (Mailbox, error) {
	if err := id.Validate(); err != nil {
		return Mailbox{}, err
	}
	fields, err := s.rdb.HGetAll(ctx, boxKey(id)).Result()
	if err != nil {
		return Mailbox{}, fmt.Errorf("state: mailbox %s: %w", id, err)
	}
	if len(fields) == 0 {
		return Mailbox{}, fmt.Errorf("state: mailbox %s: %w", id, ErrMailboxNotFound)
	}
	return decodeMailbox(id, fields), nil
}

// decodeMailbox builds a Mailbox from its stored HASH fields.
func decodeMailbox(id MailboxID, fields map[string]string) Mailbox {
	m := Mailbox{
		ID:       id,
		Name:     fields[fieldName],
		Email:    fields[fieldEmail],
		Language: fields[fieldLanguage],
		Notify: NotifySettings{
			Pager:            fields[fieldPager],
			Attach:           fields[fieldAttach],
			DeleteAfterEmail: fields[fieldDeleteMail] == "1",
			Timezone:         fields[fieldTimezone],
		},
		PINIsDefault:      fields[fieldPINDefault] == "1",
		PINChangedByOwner: fields[fieldPINSource] == pinSourceOwner,
		PINSource:         fields[fieldPINSource],
		ManagedByAPI:      fields[fieldManaged] == managedAPI,
		Hidden:            fields[fieldHidden] == "1",
	}
	if m.PINSource == "" {
		m.PINSource = pinSourceConfig
	}
	m.Options = decodeOptions(fields)
	if ms, err := strconv.ParseInt(fields[fieldCreated], 10, 64); err == nil && ms > 0 {
		m.Created = time.UnixMilli(ms)
	}
	return m
}

// reviewFlag is how an optional review setting is stored: "" for none.
func reviewFlag(r *bool) string {
	if r == nil {
		return ""
	}
	return boolFlag(*r)
}

// MailboxExists reports whether the mailbox has been provisioned.
func (s *Store) MailboxExists(ctx context.Context, id MailboxID) (bool, error) {
	if err := id.Validate(); err != nil {
		return false, err
	}
	n, err := s.rdb.Exists(ctx, boxKey(id)).Result()
	if err != nil {
		return false, fmt.Errorf("state: mailbox %s exists: %w", id, err)
	}
	return n == 1, nil
}

// boolFlag is how a boolean field is stored.
func boolFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// hiddenFlag is the stored form of the directory's hidden flag: "1", or ""
// for a listed mailbox (not written, or removed).
func hiddenFlag(hidden bool) string {
	if hidden {
		return "1"
	}
	return ""
}

// withHidden adds the directory's hidden flag to the option pairs of
// optionsArgs (a count, then field/value pairs) as one more pair.
func withHidden(opts []any, hidden bool) []any {
	out := append([]any{opts[0].(int) + 1}, opts[1:]...)
	return append(out, fieldHidden, hiddenFlag(hidden))
}
