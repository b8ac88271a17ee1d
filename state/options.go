package state

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options are a mailbox's own voicemail.conf options. A nil field follows
// the system's setting (the voicemail.* keys of the configuration, whose
// defaults are app_voicemail's); [Options.Resolve] applies them. Each field
// is one field of the mailbox's HASH, absent when nil (optionFields).
//
// The language, email, pager, attachment format, delete-after-email and
// time zone options are the Mailbox fields Language, Email and Notify.
type Options struct {
	// Review offers callers 1 accept, 2 listen, 3 re-record after leaving
	// a message (review).
	Review *bool `json:"review,omitempty"`
	// Operator lets callers press 0 for the operator, during the greeting,
	// while recording and in the review (operator).
	Operator *bool `json:"operator,omitempty"`
	// Envelope says the date (and what SayCID and SayDuration add) before
	// each message (envelope).
	Envelope *bool `json:"envelope,omitempty"`
	// SayCID says the caller's number in the envelope (saycid).
	SayCID *bool `json:"saycid,omitempty"`
	// SayDuration says the length of messages of two minutes or more in
	// the envelope (sayduration, saydurationm=2).
	SayDuration *bool `json:"sayduration,omitempty"`
	// ForceName makes an owner without a recorded name record one at login
	// (forcename).
	ForceName *bool `json:"forcename,omitempty"`
	// ForceGreet makes an owner without an unavailable greeting record one
	// at login (forcegreetings).
	ForceGreet *bool `json:"forcegreet,omitempty"`
	// MaxMessages is how many new messages the mailbox takes, 1 to
	// MaxMaxMessages (maxmsg).
	MaxMessages *int `json:"max_messages,omitempty"`
	// MinSecs is the shortest message kept, in seconds, 0 to 60 (minsecs).
	MinSecs *int `json:"min_secs,omitempty"`
	// MaxSecs is the longest message, in seconds, 5 to 3600 (maxsecs).
	MaxSecs *int `json:"max_secs,omitempty"`
	// MaxSilence ends a recording after this many seconds of silence, 0
	// (off) to 60 (maxsilence).
	MaxSilence *int `json:"max_silence,omitempty"`
}

// Settings are the options in effect for a mailbox: its own, else the
// system's ([Options.Resolve]).
type Settings struct {
	Review, Operator, Envelope, SayCID, SayDuration, ForceName, ForceGreet bool
	MaxMessages                                                            int
	// MinMessage, MaxMessage and MaxSilence bound a recording; MaxSilence
	// 0 turns silence detection off.
	MinMessage, MaxMessage, MaxSilence time.Duration
}

// Limits of the numeric options.
const (
	MaxMaxMessages = 9999
	maxMinSecs     = 60
	minMaxSecs     = 5
	maxMaxSecs     = 3600
	maxMaxSilence  = 60
)

// Resolve returns the settings in effect: each option set in o, else the
// one of def.
func (o Options) Resolve(def Settings) Settings {
	s := def
	for _, f := range []struct {
		opt *bool
		dst *bool
	}{{o.Review, &s.Review}, {o.Operator, &s.Operator}, {o.Envelope, &s.Envelope}, {o.SayCID, &s.SayCID},
		{o.SayDuration, &s.SayDuration}, {o.ForceName, &s.ForceName}, {o.ForceGreet, &s.ForceGreet}} {
		if f.opt != nil {
			*f.dst = *f.opt
		}
	}
	if o.MaxMessages != nil {
		s.MaxMessages = *o.MaxMessages
	}
	if o.MinSecs != nil {
		s.MinMessage = time.Duration(*o.MinSecs) * time.Second
	}
	if o.MaxSecs != nil {
		s.MaxMessage = time.Duration(*o.MaxSecs) * time.Second
	}
	if o.MaxSilence != nil {
		s.MaxSilence = time.Duration(*o.MaxSilence) * time.Second
	}
	return s
}

// Validate checks the numeric options' ranges (and that MinSecs is below
// MaxSecs when both are set); the error wraps ErrInvalidMailboxField and
// names the option.
func (o Options) Validate() error {
	check := func(name string, v *int, lo, hi int) error {
		if v != nil && (*v < lo || *v > hi) {
			return fmt.Errorf("%w: %s %d: want %d to %d", ErrInvalidMailboxField, name, *v, lo, hi)
		}
		return nil
	}
	for _, c := range []error{
		check("max_messages", o.MaxMessages, 1, MaxMaxMessages),
		check("min_secs", o.MinSecs, 0, maxMinSecs),
		check("max_secs", o.MaxSecs, minMaxSecs, maxMaxSecs),
		check("max_silence", o.MaxSilence, 0, maxMaxSilence),
	} {
		if c != nil {
			return c
		}
	}
	if o.MinSecs != nil && o.MaxSecs != nil && *o.MinSecs >= *o.MaxSecs {
		return fmt.Errorf("%w: min_secs %d: must be below max_secs %d", ErrInvalidMailboxField, *o.MinSecs, *o.MaxSecs)
	}
	return nil
}

// optionField is one option as a field of the mailbox's HASH: its name
// and how it is read from and written to Options. A new option is one
// more entry of optionFields (and of Options): the scripts take the
// options as field/value pairs, so no ARGV position moves.
type optionField struct {
	name    string                      // the HASH field
	boolean bool                        // a true/false option, stored "1"/"0"
	key     string                      // the option's name in the API, CLI and YAML (Options' JSON)
	get     func(*Options) string       // "" when unset
	set     func(*Options, string) bool // false when the stored value is unreadable
}

func boolOption(name, key string, p func(*Options) **bool) optionField {
	return optionField{
		name:    name,
		key:     key,
		boolean: true,
		get:     func(o *Options) string { return reviewFlag(*p(o)) },
		set: func(o *Options, v string) bool {
			switch v {
			case "":
				*p(o) = nil
			case "1":
				*p(o) = new(true)
			case "0":
				*p(o) = new(false)
			default:
				return false
			}
			return true
		},
	}
}

func intOption(name, key string, p func(*Options) **int) optionField {
	return optionField{
		name: name,
		key:  key,
		get: func(o *Options) string {
			if v := *p(o); v != nil {
				return strconv.Itoa(*v)
			}
			return ""
		},
		set: func(o *Options, v string) bool {
			if v == "" {
				*p(o) = nil
				return true
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return false
			}
			*p(o) = &n
			return true
		},
	}
}

// optionFields are the options stored as fields of the mailbox's HASH.
// Review is stored as fieldReview, as before the other options existed;
// provisioning passes it apart (ARGV 7 of mailbox_create and
// mailbox_update), so optionsArgs leaves it out.
var optionFields = []optionField{
	boolOption(fieldReview, "review", func(o *Options) **bool { return &o.Review }),
	boolOption(fieldOperator, "operator", func(o *Options) **bool { return &o.Operator }),
	boolOption(fieldEnvelope, "envelope", func(o *Options) **bool { return &o.Envelope }),
	boolOption(fieldSayCID, "saycid", func(o *Options) **bool { return &o.SayCID }),
	boolOption(fieldSayDuration, "sayduration", func(o *Options) **bool { return &o.SayDuration }),
	boolOption(fieldForceName, "forcename", func(o *Options) **bool { return &o.ForceName }),
	boolOption(fieldForceGreet, "forcegreet", func(o *Options) **bool { return &o.ForceGreet }),
	intOption(fieldMaxMessages, "max_messages", func(o *Options) **int { return &o.MaxMessages }),
	intOption(fieldMinSecs, "min_secs", func(o *Options) **int { return &o.MinSecs }),
	intOption(fieldMaxSecs, "max_secs", func(o *Options) **int { return &o.MaxSecs }),
	intOption(fieldMaxSilence, "max_silence", func(o *Options) **int { return &o.MaxSilence }),
}

// decodeOptions reads the options from the mailbox's HASH fields; a value
// that does not parse is taken as unset (the system's setting).
func decodeOptions(fields map[string]string) Options {
	var o Options
	for _, f := range optionFields {
		if v, ok := fields[f.name]; ok && v != "" {
			f.set(&o, v)
		}
	}
	return o
}

// optionsArgs is the options as the scripts take them: the number of
// pairs, then field/value pairs, "" for an option to remove (the system's
// setting). Review is left out (see optionFields).
func optionsArgs(o Options) []any {
	args := []any{len(optionFields) - 1}
	for _, f := range optionFields {
		if f.name == fieldReview {
			continue
		}
		args = append(args, f.name, f.get(&o))
	}
	return args
}

// optionNames are the HASH fields of the options, for HMGET.
func optionNames() []string {
	out := make([]string, len(optionFields))
	for i, f := range optionFields {
		out[i] = f.name
	}
	return out
}

// OptionKeys are the options' names in the API, CLI and YAML, in order.
func OptionKeys() []string {
	out := make([]string, len(optionFields))
	for i, f := range optionFields {
		out[i] = f.key
	}
	return out
}

// optionByKey finds an option by its name in the API.
func optionByKey(key string) (optionField, bool) {
	for _, f := range optionFields {
		if f.key == key {
			return f, true
		}
	}
	return optionField{}, false
}

// Set returns o with the option named key (one of OptionKeys) set from
// its text: true/false (also yes/no, on/off, 1/0) or a whole number; ""
// or "default" unsets it (the system's setting). The error wraps
// ErrInvalidMailboxField.
func (o Options) Set(key, value string) (Options, error) {
	f, ok := optionByKey(key)
	if !ok {
		return o, fmt.Errorf("%w: no option %q", ErrInvalidMailboxField, clip(key))
	}
	switch value {
	case "", "default":
		f.set(&o, "")
		return o, nil
	case "true", "yes", "on":
		value = "1"
	case "false", "no", "off":
		value = "0"
	}
	if !f.set(&o, value) {
		return o, fmt.Errorf("%w: option %s: %q is not a valid value", ErrInvalidMailboxField, key, clip(value))
	}
	return o, o.Validate()
}

// String lists the options set, as KEY=VALUE separated by spaces, in the
// order of OptionKeys; "" when none is.
func (o Options) String() string {
	var parts []string
	for _, f := range optionFields {
		switch v := f.get(&o); {
		case v == "":
		case f.boolean && v == "1":
			parts = append(parts, f.key+"=true")
		case f.boolean:
			parts = append(parts, f.key+"=false")
		default:
			parts = append(parts, f.key+"="+v)
		}
	}
	return strings.Join(parts, " ")
}
