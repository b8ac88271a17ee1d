package call

import (
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// Config is what calls take from the voicemail settings.
type Config struct {
	// Defaults are the system's options (voicemail.*: maxmsg, minsecs,
	// maxsecs, maxsilence, operator, envelope…), which each mailbox's own
	// (state.Options) override. It is their one owner: a limit is never
	// kept twice.
	Defaults state.Settings
}

// settings returns the options in effect for a mailbox.
func (c Config) settings(o state.Options) state.Settings { return o.Resolve(c.Defaults) }

// Deps is what the calls on one Asterisk share: the menu engine, that
// Asterisk's ARI, the store, the audio, and where to count. Metrics and
// Lease may be nil: nothing is counted, and the lease is taken as held.
type Deps struct {
	// Engine is the menu engine every call steps.
	Engine *menus.Engine
	// Player, Recorder, Channel, Mover and Checker are the ARI of the
	// Asterisk the calls are on.
	Player   Player
	Recorder Recorder
	Channel  ChannelControl
	Mover    Mover
	Checker  ChannelChecker
	// Auth, Sessions, Messages, Reader, Owner, Lookup and Directory are
	// the store.
	Auth     Authenticator
	Sessions SessionStore
	Messages MessageStore
	Reader   MessageReader
	Owner    OwnerStore
	Lookup   DepositLookup
	// Directory reads the dial-by-name directory; nil: the directory
	// answers sorry.
	Directory DirectoryReader
	// Audio is the recorded audio, shared by every Asterisk.
	Audio AudioStore
	// MWI is told of every change of a mailbox's counts.
	MWI MWINotifier
	// Config is what calls take from the voicemail settings.
	Config Config
	// Instance is this instance's id, which a call records as its owner.
	Instance string
	// App is the Stasis application this instance registers, saved with
	// each session.
	App string
	// Metrics counts what calls do.
	Metrics Metrics
	// Lease says whether this instance's lease is good (fence.go).
	Lease LeaseHolder
	// Waits are how long calls wait on Redis before they give up or
	// report it; zero fields take their defaults (waits.go).
	Waits Waits
}

// bind returns the dependencies a call reads.
func (d *Deps) bind() *callDeps {
	return &callDeps{
		engine:   d.Engine,
		player:   d.Player,
		recorder: d.Recorder,
		channel:  d.Channel,
		mover:    d.Mover,
		checker:  d.Checker,
		auth:     d.Auth,
		sessions: d.Sessions,
		messages: d.Messages,
		reader:   d.Reader,
		owner:    d.Owner,
		lookup:   d.Lookup,
		dir:      d.Directory,
		audio:    d.Audio,
		mwi:      d.MWI,
		cfg:      d.Config,
		instance: d.Instance,
		app:      d.App,
		metrics:  metrics{d.Metrics},
		lease:    d.Lease,
		waits:    d.Waits,
	}
}

// boxOptions are the options of a mailbox logged in to, for the menus:
// its own, else the system's, and its time zone. A login whose read of
// the options failed (mb.Summary nil) gets the system's.
func (c Config) boxOptions(mb state.Mailbox) *menus.BoxOptions {
	set := c.settings(mb.Options)
	return &menus.BoxOptions{Envelope: set.Envelope, SayCID: set.SayCID, SayDuration: set.SayDuration,
		ForceName: set.ForceName, ForceGreet: set.ForceGreet, Timezone: mb.Notify.Timezone}
}
