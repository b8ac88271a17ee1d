package state

import (
	"errors"
	"maps"
	"testing"
)

func TestGreetings(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	const (
		unavail1 = "voicemail/default/1001/greeting/unavail-g1"
		unavail2 = "voicemail/default/1001/greeting/unavail-g2"
		name1    = "voicemail/default/1001/greeting/greet-g3"
	)

	if g, err := s.Greetings(ctx, mb); err != nil || len(g) != 0 {
		t.Fatalf("Greetings(none) = %v, %v", g, err)
	}
	steps := []struct {
		name     string
		do       func() (string, error)
		wantPrev string
		want     map[GreetingKind]string
	}{
		{"set unavail", func() (string, error) { return s.SetGreeting(ctx, mb, GreetingUnavail, unavail1) },
			"", map[GreetingKind]string{GreetingUnavail: unavail1}},
		{"set name", func() (string, error) { return s.SetGreeting(ctx, mb, GreetingName, name1) },
			"", map[GreetingKind]string{GreetingUnavail: unavail1, GreetingName: name1}},
		{"replace unavail", func() (string, error) { return s.SetGreeting(ctx, mb, GreetingUnavail, unavail2) },
			unavail1, map[GreetingKind]string{GreetingUnavail: unavail2, GreetingName: name1}},
		{"set the same again", func() (string, error) { return s.SetGreeting(ctx, mb, GreetingUnavail, unavail2) },
			"", map[GreetingKind]string{GreetingUnavail: unavail2, GreetingName: name1}},
		{"clear unavail", func() (string, error) { return s.ClearGreeting(ctx, mb, GreetingUnavail) },
			unavail2, map[GreetingKind]string{GreetingName: name1}},
		{"clear temp (none)", func() (string, error) { return s.ClearGreeting(ctx, mb, GreetingTemp) },
			"", map[GreetingKind]string{GreetingName: name1}},
	}
	for _, st := range steps {
		prev, err := st.do()
		if err != nil || prev != st.wantPrev {
			t.Fatalf("%s: previous %q, %v; want %q", st.name, prev, err, st.wantPrev)
		}
		got, err := s.Greetings(ctx, mb)
		if err != nil || !maps.Equal(got, st.want) {
			t.Fatalf("%s: Greetings = %v, %v; want %v", st.name, got, err, st.want)
		}
	}
	if v := rdb.HGet(ctx, "vm:{1001@default}:greetings", "greet").Val(); v != name1 {
		t.Errorf("stored %q", v)
	}

	// Another mailbox's greetings are its own.
	if g, _ := s.Greetings(ctx, mustID(t, "1001@sales")); len(g) != 0 {
		t.Errorf("1001@sales has %v", g)
	}
}

func TestGreetingsInvalid(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	tests := []struct {
		name string
		kind GreetingKind
		rec  string
		want error
	}{
		{"unknown kind", "voicemail", "voicemail/default/1001/greeting/x-1", ErrInvalidGreeting},
		{"empty kind", "", "voicemail/default/1001/greeting/x-1", ErrInvalidGreeting},
		{"empty recording", GreetingBusy, "", ErrInvalidGreeting},
		{"dot-dot recording", GreetingBusy, "voicemail/../../etc/passwd", ErrInvalidGreeting},
		{"absolute recording", GreetingBusy, "/tmp/x", ErrInvalidGreeting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.SetGreeting(ctx, mb, tt.kind, tt.rec); !errors.Is(err, tt.want) {
				t.Fatalf("SetGreeting = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := s.ClearGreeting(ctx, mb, "other"); !errors.Is(err, ErrInvalidGreeting) {
		t.Errorf("ClearGreeting(unknown kind) = %v", err)
	}
	if _, err := s.SetGreeting(ctx, MailboxID{Number: "1001", Context: ""}, GreetingBusy, "x"); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("SetGreeting(bad mailbox) = %v", err)
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Errorf("%d keys written by invalid calls", n)
	}

	// Corrupt entries are neither played nor handed back for deletion.
	rdb.HSet(ctx, greetingsKey(mb), "busy", "../../etc/passwd", "bogus", "x", "temp", "voicemail/default/1001/greeting/temp-1")
	g, err := s.Greetings(ctx, mb)
	if err != nil || !maps.Equal(g, map[GreetingKind]string{GreetingTemp: "voicemail/default/1001/greeting/temp-1"}) {
		t.Errorf("Greetings over corrupt entries = %v, %v", g, err)
	}
	if prev, err := s.ClearGreeting(ctx, mb, GreetingBusy); err != nil || prev != "" {
		t.Errorf("ClearGreeting(corrupt) = %q, %v; want nothing to delete", prev, err)
	}
}
