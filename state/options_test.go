package state

import (
	"errors"
	"testing"
	"time"
)

func TestOptionsResolve(t *testing.T) {
	def := Settings{Envelope: true, SayDuration: true, ForceName: true, MaxMessages: 100,
		MinMessage: 2 * time.Second, MaxMessage: 5 * time.Minute, MaxSilence: 10 * time.Second}
	if got := (Options{}).Resolve(def); got != def {
		t.Errorf("no options: %+v, want the defaults %+v", got, def)
	}
	o := Options{Envelope: new(false), SayCID: new(true), Operator: new(true), MaxMessages: new(5), MinSecs: new(0),
		MaxSecs: new(30), MaxSilence: new(0)}
	got := o.Resolve(def)
	want := Settings{Envelope: false, SayCID: true, Operator: true, SayDuration: true, ForceName: true, MaxMessages: 5,
		MinMessage: 0, MaxMessage: 30 * time.Second, MaxSilence: 0}
	if got != want {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}
}

func TestOptionsSet(t *testing.T) {
	for _, c := range []struct {
		key, value string
		ok         bool
	}{
		{"saycid", "yes", true}, {"envelope", "off", true}, {"review", "default", true},
		{"max_messages", "50", true}, {"max_messages", "0", false}, {"max_messages", "x", false},
		{"min_secs", "61", false}, {"max_secs", "4", false}, {"max_silence", "0", true},
		{"hidden", "yes", false}, {"saycid", "maybe", false},
	} {
		_, err := Options{}.Set(c.key, c.value)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidMailboxField)) {
			t.Errorf("Set(%s, %s) = %v; want ok %v", c.key, c.value, err, c.ok)
		}
	}
	o, _ := Options{}.Set("forcegreet", "true")
	if o, _ = o.Set("forcegreet", ""); o.ForceGreet != nil {
		t.Error(`Set(forcegreet, "") kept the option`)
	}
	if err := (Options{MinSecs: new(10), MaxSecs: new(10)}).Validate(); err == nil {
		t.Error("min_secs equal to max_secs accepted")
	}
}

// TestOptionFieldsDistinct guards the table the scripts' field/value pairs
// come from: every option has its own HASH field and name, none of them a
// field of the mailbox record's other data.
func TestOptionFieldsDistinct(t *testing.T) {
	taken := map[string]bool{fieldName: true, fieldEmail: true, fieldLanguage: true, fieldPager: true, fieldAttach: true,
		fieldDeleteMail: true, fieldTimezone: true, fieldPINHash: true, fieldPINSource: true, fieldPINDefault: true,
		fieldPINVer: true, fieldCreated: true, fieldManaged: true}
	keys := map[string]bool{}
	for _, f := range optionFields {
		if taken[f.name] || keys[f.key] {
			t.Errorf("option %s (field %s) is not alone", f.key, f.name)
		}
		taken[f.name], keys[f.key] = true, true
	}
	if n := optionsArgs(Options{})[0].(int); n != len(optionFields)-1 || len(optionsArgs(Options{})) != 1+2*n {
		t.Errorf("optionsArgs announces %d pairs for %d options", n, len(optionFields))
	}
}
