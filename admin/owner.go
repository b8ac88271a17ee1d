package admin

import (
	"context"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// The operations of a mailbox's owner outside a call (the web pages): they
// go through the same store paths as an administrator's, so the lamps, the
// audit trail and the checks are the same. The Actor of an owner is the
// mailbox itself ("owner:NUMBER@CONTEXT", source "web").

// OwnerActor is the Actor of a mailbox's owner acting through source
// ("web") from remote.
func OwnerActor(id mailbox.ID, source, remote string) Actor {
	return Actor{Name: "owner:" + id.String(), Source: source, Remote: remote}
}

// Login checks an owner's PIN with the phone's lockout and limits
// (state.Store.Authenticate): every wrong PIN counts towards the same
// lockout as one entered by phone. client names where the attempt comes
// from (a web client's address), counted like a calling number across
// mailboxes (state.WithCaller); "" counts nothing. Errors wrap
// state.ErrWrongPIN, state.ErrLocked or state.ErrMailboxNotFound.
func (s *Service) Login(ctx context.Context, who Actor, id mailbox.ID, pin, client string) (state.Mailbox, error) {
	mb, err := s.store.Authenticate(state.WithCaller(ctx, client), id, pin)
	if err != nil {
		// Not audited: state logs every refusal as a security event, and a
		// flood of guesses must not flood the trail.
		return state.Mailbox{}, err
	}
	s.record(ctx, who, "owner.login", id.String(), nil, "")
	return mb, nil
}

// ChangeOwnPIN is an owner's change of PIN outside a call: the phone's
// rules (Config.PINPolicy), then state.Store.SetPIN, as mailbox options 5.
func (s *Service) ChangeOwnPIN(ctx context.Context, who Actor, id mailbox.ID, pin string) error {
	err := id.Validate()
	if err == nil {
		err = s.cfg.PINPolicy.Check(id, pin)
	}
	if err == nil {
		err = s.store.SetPIN(ctx, id, pin)
	}
	s.record(ctx, who, "owner.change_pin", id.String(), err, "")
	return err
}

// PINPolicy is the policy of the PINs people choose.
func (s *Service) PINPolicy() mailbox.PINPolicy { return s.cfg.PINPolicy }

// MWIState returns a mailbox's New and Old counts and the version of its
// folders, which grows with every change: what a page watching for new
// messages polls.
func (s *Service) MWIState(ctx context.Context, id mailbox.ID) (state.MWI, error) {
	return s.store.MWIState(ctx, id)
}

// ActiveGreeting says which greeting a caller who is not answered hears
// now, as the deposit plays them (app_voicemail: a temporary greeting
// overrides the others; otherwise the unavailable one, or the default
// with the recorded name, or the number).
func ActiveGreeting(recorded map[string]bool) string {
	switch {
	case recorded["temp"]:
		return "temp"
	case recorded["unavail"]:
		return "unavail"
	case recorded["name"]:
		return "default-name"
	}
	return "default-number"
}
