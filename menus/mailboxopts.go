package menus

import (
	"sync"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// BoxOptions are the logged-in mailbox's voicemail.conf options that
// change what the menus say and ask, as the app resolved them (the
// mailbox's own, else the system's).
type BoxOptions struct {
	// Envelope says the date before each message; SayCID adds the
	// caller's number, SayDuration the length of messages of two minutes
	// or more (app_voicemail's envelope, saycid, sayduration).
	Envelope    bool `json:"envelope,omitempty"`
	SayCID      bool `json:"saycid,omitempty"`
	SayDuration bool `json:"sayduration,omitempty"`
	// ForceName asks an owner with no recorded name for one at login;
	// ForceGreet asks for the unavailable and busy greetings that do not
	// exist (forcename, forcegreetings).
	ForceName  bool `json:"forcename,omitempty"`
	ForceGreet bool `json:"forcegreet,omitempty"`
	// Timezone is the mailbox's IANA time zone, in which the envelope says
	// dates; "" for Config.Location.
	Timezone string `json:"tz,omitempty"`
}

// legacyOptions are what a call without options (State.Options nil: a
// session saved before they existed, or a login result without them) does:
// the full envelope, and the name asked for in the first-login
// walk-through only (as every walk-through does).
var legacyOptions = BoxOptions{Envelope: true, SayCID: true, SayDuration: true}

// options returns the call's options.
func (s *State) options() BoxOptions {
	if s.Options == nil {
		return legacyOptions
	}
	return *s.Options
}

// zones caches the time zones the envelopes use: loading one reads the
// zone database, and a mailbox's zone is one of few.
var zones sync.Map // string → *time.Location

// location is the zone in which the call's envelopes say dates: the
// mailbox's, else the engine's.
func (st *stepper) location() *time.Location {
	tz := st.s.options().Timezone
	if tz == "" {
		return st.e.cfg.Location
	}
	if loc, ok := zones.Load(tz); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		// The store validates zones; one the host does not know falls
		// back on the system's.
		return st.e.cfg.Location
	}
	zones.Store(tz, loc)
	return loc
}

// nextSetupStep runs the next step of the walk-through at login
// (app_voicemail's vm_newuser_setup, and forcename/forcegreetings): the
// name, when it does not exist (always in the first-login walk-through,
// as the guide makes it mandatory; at any other login with forcename),
// then with forcegreet the unavailable and busy greetings that do not
// exist, then a new password in the first-login walk-through, else the
// mailbox. said plays first.
func (st *stepper) nextSetupStep(said ...string) {
	o, g := st.s.options(), st.s.Greetings
	nameAsked := o.ForceName || st.s.Setup
	switch {
	case nameAsked && !g[mailbox.GreetingName]:
		st.recordGreeting(mailbox.GreetingName, said...)
	case o.ForceGreet && !g[mailbox.GreetingUnavail]:
		st.recordGreeting(mailbox.GreetingUnavail, said...)
	case o.ForceGreet && !g[mailbox.GreetingBusy]:
		st.recordGreeting(mailbox.GreetingBusy, said...)
	case st.s.Setup:
		st.enter(MenuNewPassword, append(said, "vm-newpassword"))
	default:
		// As after the password (passwordChanged): the folder's intro,
		// after what was said.
		st.s.Forced = false
		st.s.Menu = MenuLoginPassword
		st.s.Prefix = said
		st.loadFolder(startFolderIndex(st.s.Counts))
	}
}

// needsForcedStep reports whether a login must record something before
// the mailbox opens (forcename, forcegreetings).
func (s *State) needsForcedStep() bool {
	o, g := s.options(), s.Greetings
	return o.ForceName && !g[mailbox.GreetingName] ||
		o.ForceGreet && (!g[mailbox.GreetingUnavail] || !g[mailbox.GreetingBusy])
}

// walkingThrough reports a walk-through at login: the first login's, or
// a forced recording's.
func (s *State) walkingThrough() bool { return s.Setup || s.Forced }
