package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// NewMailbox is a mailbox to create (Service.CreateMailbox).
type NewMailbox struct {
	ID                    mailbox.ID
	Name, Email, Language string
	// Options are the mailbox's own options; nil ones follow the system's.
	Options state.Options
	// Notify holds the notification settings beyond Email.
	Notify state.NotifySettings
	// Hidden leaves the mailbox out of the dial-by-name directory.
	Hidden bool
	// PIN is the initial PIN; "" generates a one-time PIN.
	PIN string
	// MustChange, with a PIN, says whether the owner must choose another
	// at the first login; nil means true. A generated PIN must always be
	// changed.
	MustChange *bool
}

// PINReset is a new PIN for a mailbox (Service.ResetPIN).
type PINReset struct {
	// PIN is the PIN to set; "" generates a one-time PIN.
	PIN string
	// MustChange, with a PIN, says whether the owner must choose another
	// at the next login; nil means true.
	MustChange *bool
}

// PINResult says what a PIN reset or a creation set.
type PINResult struct {
	// Generated is the one-time PIN generated, "" when one was given: it
	// is shown once, to the administrator, and never stored in clear.
	Generated string
	// MustChange reports that the owner must choose a PIN at the next
	// login.
	MustChange bool
}

// MailboxDetail is one mailbox with its counts and lockout.
type MailboxDetail struct {
	Mailbox state.Mailbox
	Counts  state.Counts
	Lockout state.Lockout
}

// choosePIN applies the policy to a PIN given, or generates one.
func (s *Service) choosePIN(id mailbox.ID, pin string, mustChange *bool) (PINResult, string, error) {
	if pin == "" {
		if mustChange != nil && !*mustChange {
			return PINResult{}, "", fmt.Errorf("%w: a generated PIN must be changed at the next login", ErrInvalidRequest)
		}
		gen := s.cfg.PINPolicy.Generate(id)
		return PINResult{Generated: gen, MustChange: true}, gen, nil
	}
	if err := s.cfg.PINPolicy.Check(id, pin); err != nil {
		return PINResult{}, "", err
	}
	return PINResult{MustChange: mustChange == nil || *mustChange}, pin, nil
}

// pinDetail describes a PIN change for the audit trail, without the PIN.
func pinDetail(r PINResult) string {
	how := "PIN given"
	if r.Generated != "" {
		how = "one-time PIN generated"
	}
	if r.MustChange {
		how += ", must change at next login"
	}
	return how
}

// CreateMailbox creates a mailbox (see state.Store.CreateMailbox: the API
// keeps it from then on, and provisioning leaves it alone) and returns it
// with the PIN result.
func (s *Service) CreateMailbox(ctx context.Context, who Actor, m NewMailbox) (state.Mailbox, PINResult, error) {
	res, err := s.createMailbox(ctx, m)
	detail := ""
	if err == nil {
		detail = pinDetail(res.pin)
	}
	s.record(ctx, who, "mailbox.create", m.ID.String(), err, detail)
	return res.mb, res.pin, err
}

type created struct {
	mb  state.Mailbox
	pin PINResult
}

func (s *Service) createMailbox(ctx context.Context, m NewMailbox) (created, error) {
	if err := m.ID.Validate(); err != nil {
		return created{}, err
	}
	res, pin, err := s.choosePIN(m.ID, m.PIN, m.MustChange)
	if err != nil {
		return created{}, err
	}
	mb, err := s.store.CreateMailbox(ctx, state.NewMailbox{ID: m.ID, Name: m.Name, Email: m.Email,
		Language: m.Language, Options: m.Options, Notify: m.Notify, Hidden: m.Hidden, PIN: pin, MustChangePIN: res.MustChange})
	if err != nil && !errorsIsNotReplicated(err) {
		return created{}, err
	}
	return created{mb: mb, pin: res}, err
}

// UpdateMailbox changes a mailbox's fields (the API keeps it from then on).
func (s *Service) UpdateMailbox(ctx context.Context, who Actor, id mailbox.ID, u state.MailboxUpdate) (state.Mailbox, error) {
	var mb state.Mailbox
	err := id.Validate()
	if err == nil && !u.Changes() {
		err = fmt.Errorf("%w: nothing to change", ErrInvalidRequest)
	}
	if err == nil {
		mb, err = s.store.UpdateMailbox(ctx, id, u)
	}
	s.record(ctx, who, "mailbox.update", id.String(), err, updateDetail(u))
	return mb, err
}

// updateDetail names the fields an update changes.
func updateDetail(u state.MailboxUpdate) string {
	var f []string
	for _, c := range []struct {
		name string
		set  bool
	}{{"name", u.Name != nil}, {"email", u.Email != nil}, {"language", u.Language != nil},
		{"pager", u.Pager != nil}, {"attach", u.Attach != nil}, {"timezone", u.Timezone != nil},
		{"delete_after_email", u.DeleteAfterEmail != nil}, {"hidden", u.Hidden != nil}} {
		if c.set {
			f = append(f, c.name)
		}
	}
	set := make(map[string]bool)
	for _, k := range u.Reset {
		set[k] = true
	}
	for _, k := range state.OptionKeys() {
		if o, _ := u.Options.Set(k, ""); o != u.Options || set[k] {
			f = append(f, k)
		}
	}
	return "fields: " + strings.Join(f, ", ")
}

// DeleteMailbox deletes a mailbox with its messages, greetings and audio,
// and turns its lamps off.
func (s *Service) DeleteMailbox(ctx context.Context, who Actor, id mailbox.ID) error {
	audio, _, err := s.store.DeleteMailbox(ctx, id)
	switch {
	case err == nil:
		s.deleteAudio(ctx, audio)
		s.lamps.Changed(ctx, id)
	case errorsIsNotReplicated(err):
		// Deleted on the master: the lamps follow, the audio stays until
		// the deletion is known to have survived (the janitor's work).
		s.lamps.Changed(ctx, id)
	}
	s.record(ctx, who, "mailbox.delete", id.String(), err, fmt.Sprintf("%d recordings", len(audio)))
	return err
}

// ResetPIN sets a mailbox's PIN, or generates a one-time one, and clears
// its lockout.
func (s *Service) ResetPIN(ctx context.Context, who Actor, id mailbox.ID, r PINReset) (PINResult, error) {
	err := id.Validate()
	var res PINResult
	var pin string
	if err == nil {
		res, pin, err = s.choosePIN(id, r.PIN, r.MustChange)
	}
	if err == nil {
		err = s.store.SetAdminPIN(ctx, id, pin, res.MustChange)
	}
	detail := ""
	if err == nil {
		detail = pinDetail(res)
	}
	s.record(ctx, who, "mailbox.reset_pin", id.String(), err, detail)
	if err != nil && !errorsIsNotReplicated(err) {
		return PINResult{}, err
	}
	return res, err
}

// Unlock clears a mailbox's lockout; it reports whether one was on.
func (s *Service) Unlock(ctx context.Context, who Actor, id mailbox.ID) (bool, error) {
	var was bool
	exists, err := s.store.MailboxExists(ctx, id)
	if err == nil && !exists {
		err = fmt.Errorf("admin: unlock %s: %w", id, state.ErrMailboxNotFound)
	}
	if err == nil {
		was, err = s.store.Unlock(ctx, id)
	}
	s.record(ctx, who, "mailbox.unlock", id.String(), err, fmt.Sprintf("was locked: %v", was))
	return was, err
}

// ListMailboxes returns a page of mailboxes with their counts.
func (s *Service) ListMailboxes(ctx context.Context, q state.MailboxQuery) (state.MailboxPage, error) {
	return s.store.ListMailboxes(ctx, q)
}

// Mailbox returns one mailbox with its counts and lockout.
func (s *Service) Mailbox(ctx context.Context, id mailbox.ID) (MailboxDetail, error) {
	mb, err := s.store.Mailbox(ctx, id)
	if err != nil {
		return MailboxDetail{}, err
	}
	counts, err := s.store.Counts(ctx, id)
	if err != nil {
		return MailboxDetail{}, err
	}
	lock, err := s.store.Lockout(ctx, id)
	if err != nil {
		return MailboxDetail{}, err
	}
	return MailboxDetail{Mailbox: mb, Counts: counts, Lockout: lock}, nil
}

// Lockout returns a mailbox's lockout state.
func (s *Service) Lockout(ctx context.Context, id mailbox.ID) (state.Lockout, error) {
	if err := s.mustExist(ctx, id); err != nil {
		return state.Lockout{}, err
	}
	return s.store.Lockout(ctx, id)
}

// Counts returns the number of messages in each folder of a mailbox.
func (s *Service) Counts(ctx context.Context, id mailbox.ID) (state.Counts, error) {
	if err := s.mustExist(ctx, id); err != nil {
		return state.Counts{}, err
	}
	return s.store.Counts(ctx, id)
}

// Audit returns a page of the audit trail, newest first.
func (s *Service) Audit(ctx context.Context, before string, limit int) ([]state.AuditEntry, string, error) {
	return s.store.AuditLog(ctx, before, limit)
}

// mustExist returns an error wrapping state.ErrMailboxNotFound for a
// mailbox that does not exist: an unknown mailbox has no messages, counts
// or lockout, but an administrator asking is told it is unknown.
func (s *Service) mustExist(ctx context.Context, id mailbox.ID) error {
	ok, err := s.store.MailboxExists(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("admin: %s: %w", id, state.ErrMailboxNotFound)
	}
	return nil
}
