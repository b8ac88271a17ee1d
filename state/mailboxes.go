package state

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
	// PINIsDefault reports that the PIN is Config.DefaultPIN (as it was
	// when the PIN was last set or provisioned), so the first-login
	// walk-through should make the owner choose another.
	PINIsDefault bool
	// PINChangedByOwner reports that the owner set the PIN by phone, so
	// Provision leaves it alone.
	PINChangedByOwner bool
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
}

// ProvisionReport counts what Provision did.
type ProvisionReport struct {
	// Created counts mailboxes that did not exist and were created.
	Created int
	// Updated counts existing mailboxes of which a field or the PIN changed.
	Updated int
	// Unchanged counts existing mailboxes that already matched.
	Unchanged int
}

// provisionOutcome is what happened to one mailbox.
type provisionOutcome int

const (
	outcomeUnchanged provisionOutcome = iota
	outcomeUpdated
	outcomeCreated
)

// provisionAttempts bounds the retries when another instance creates (or
// someone deletes) a mailbox, or its PIN changes, between our read and our
// write. Each retry follows a change by someone else, so a handful of
// instances provisioning at once settle within two or three.
const provisionAttempts = 5

// Provision makes Redis match the configured mailboxes. It creates missing
// mailboxes, with a bcrypt hash of their PIN, and updates the name, email
// and language of existing ones. A PIN the owner changed by phone is never
// overwritten; a PIN still set by configuration is replaced when the
// configured one differs, unless the owner changes it at the same moment
// (the owner wins). Mailboxes missing from boxes are left alone.
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
		if _, dup := seen[b.ID]; dup {
			return report, fmt.Errorf("state: provision %s: %w: listed twice", b.ID, ErrInvalidMailbox)
		}
		seen[b.ID] = struct{}{}
	}

	start := time.Now()
	hasher := newPINHasher(s.cfg.DefaultPIN, s.cfg.PINHashCost)
	workers := min(runtime.NumCPU(), len(boxes))
	jobs := make(chan MailboxConfig)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				out, err := s.provisionOne(ctx, hasher, b)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Errorf("state: provision %s: %w", b.ID, err))
				case out == outcomeCreated:
					report.Created++
				case out == outcomeUpdated:
					report.Updated++
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

	s.log.Info("provisioned mailboxes",
		zap.Int("mailboxes", len(boxes)),
		zap.Int("created", report.Created),
		zap.Int("updated", report.Updated),
		zap.Int("unchanged", report.Unchanged),
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
	key := boxKey(b.ID)
	var newHash []byte // hashed at most once, however many attempts

	tryCreate := true
	changed := false // by an earlier attempt
	for range provisionAttempts {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		vals, err := s.rdb.HMGet(ctx, key, fieldPINHash, fieldPINSource, fieldPINVer).Result()
		if err != nil {
			return 0, err
		}
		stored, hasHash := vals[0].(string)
		if !hasHash && tryCreate {
			if newHash == nil {
				if newHash, err = hasher.hash(pin); err != nil {
					return 0, err
				}
			}
			created, err := mailboxCreateScript.Run(ctx, s.rdb, []string{key},
				b.Name, b.Email, b.Language, newHash, isDefault, time.Now().UnixMilli()).Int64()
			if err != nil {
				return 0, err
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
		if source != pinSourceOwner {
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
		res, err := mailboxUpdateScript.Run(ctx, s.rdb, []string{key},
			b.Name, b.Email, b.Language, hashArg, defaultArg, version).Int64Slice()
		if err != nil {
			return 0, err
		}
		if len(res) != 2 {
			return 0, fmt.Errorf("mailbox_update returned %v", res)
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
	return Mailbox{
		ID:                id,
		Name:              fields[fieldName],
		Email:             fields[fieldEmail],
		Language:          fields[fieldLanguage],
		PINIsDefault:      fields[fieldPINDefault] == "1",
		PINChangedByOwner: fields[fieldPINSource] == pinSourceOwner,
	}, nil
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
