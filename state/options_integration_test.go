package state

import (
	"reflect"
	"testing"
)

// oneOption returns Options with only the option named key set, to a
// value no other option has in the test ("1" for booleans, a number that
// names the option for the others).
func oneOption(t *testing.T, key string, i int) Options {
	t.Helper()
	o, err := Options{}.Set(key, "true")
	if err != nil {
		// A numeric option: a value in every option's range, unique to it.
		if o, err = (Options{}).Set(key, itoaTest(10+i)); err != nil {
			t.Fatalf("set %s: %v", key, err)
		}
	}
	return o
}

func itoaTest(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// TestOptionsEachInItsOwnField sets one option at a time, through each
// path that writes them (provisioning's create and update, the admin
// create and update), and checks that it lands alone in its field, with
// the fields the scripts take beside it (name, email, language, review,
// notification settings) untouched: two arguments that overwrite each
// other, or an ARGV position off by one, fail here.
func TestOptionsEachInItsOwnField(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	notify := NotifySettings{Pager: "p@example.test", Attach: "mp3", DeleteAfterEmail: true, Timezone: "Europe/Paris"}
	check := func(t *testing.T, how string, id MailboxID, want Options) {
		t.Helper()
		mb, err := s.Mailbox(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if !reflect.DeepEqual(mb.Options, want) {
			t.Errorf("%s: options %+v, want %+v", how, mb.Options, want)
		}
		if mb.Name != "Ann" || mb.Email != "ann@example.test" || mb.Language != "fr" || mb.Notify != notify {
			t.Errorf("%s: name %q email %q language %q notify %+v: a neighbour was overwritten", how, mb.Name, mb.Email, mb.Language, mb.Notify)
		}
		raw, err := rdb.HGetAll(ctx, boxKey(id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range optionFields {
			if got, want := raw[f.name], f.get(&want); got != want {
				t.Errorf("%s: field %s = %q, want %q", how, f.name, got, want)
			}
		}
	}
	for i, key := range OptionKeys() {
		t.Run(key, func(t *testing.T) {
			opt := oneOption(t, key, i)
			cfg := MailboxConfig{Name: "Ann", Email: "ann@example.test", Language: "fr", Notify: notify, Options: opt}

			// Provisioning: created with the option, then updated to
			// another option, then to none.
			cfg.ID = mustID(t, "41"+itoaTest(i))
			if _, err := s.Provision(ctx, []MailboxConfig{cfg}); err != nil {
				t.Fatal(err)
			}
			check(t, "provision create", cfg.ID, opt)
			other := oneOption(t, OptionKeys()[(i+1)%len(OptionKeys())], i+1)
			cfg.Options = other
			if _, err := s.Provision(ctx, []MailboxConfig{cfg}); err != nil {
				t.Fatal(err)
			}
			check(t, "provision update", cfg.ID, other)
			cfg.Options = Options{}
			if _, err := s.Provision(ctx, []MailboxConfig{cfg}); err != nil {
				t.Fatal(err)
			}
			check(t, "provision update to none", cfg.ID, Options{})

			// The admin API: created with the option, another one set,
			// the first reset.
			id := mustID(t, "42"+itoaTest(i))
			if _, err := s.CreateMailbox(ctx, NewMailbox{ID: id, Name: "Ann", Email: "ann@example.test", Language: "fr",
				Options: opt, Notify: notify, PIN: "48151"}); err != nil {
				t.Fatal(err)
			}
			check(t, "admin create", id, opt)
			both := opt
			for _, f := range optionFields {
				if v := f.get(&other); v != "" {
					f.set(&both, v)
				}
			}
			if _, err := s.UpdateMailbox(ctx, id, MailboxUpdate{Options: other}); err != nil {
				t.Fatal(err)
			}
			check(t, "admin update", id, both)
			if key != OptionKeys()[(i+1)%len(OptionKeys())] {
				if _, err := s.UpdateMailbox(ctx, id, MailboxUpdate{Reset: []string{key}}); err != nil {
					t.Fatal(err)
				}
				check(t, "admin reset", id, other)
			}
		})
	}
}

// TestOptionsProvisionUnchanged checks that provisioning the same options
// again reports the mailbox unchanged, and a changed option updated.
func TestOptionsProvisionUnchanged(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	off := false
	cfg := MailboxConfig{ID: mustID(t, "4301"), Name: "Bo", Options: Options{Envelope: &off}}
	if _, err := s.Provision(ctx, []MailboxConfig{cfg}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Provision(ctx, []MailboxConfig{cfg})
	if err != nil || rep.Unchanged != 1 {
		t.Fatalf("second Provision = %+v, %v; want unchanged", rep, err)
	}
	cfg.Options.SayCID = new(true)
	rep, err = s.Provision(ctx, []MailboxConfig{cfg})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("third Provision = %+v, %v; want updated", rep, err)
	}
}
