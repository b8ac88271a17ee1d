package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

func TestOrphansOf(t *testing.T) {
	const (
		msg      = "voicemail/default/1001/msg/m1"
		greeting = "voicemail/default/1001/greeting/unavail-v1"
		intro    = "voicemail/default/1001/msg/m1-i"
		other    = "voicemail/sales/2002/msg/m2"
	)
	tests := []struct {
		name        string
		stored      []string
		refs        []string
		prefix      string
		wantOurs    int
		wantOrphans []string
	}{
		{"referenced audio is no orphan", []string{msg, greeting, intro}, []string{msg, greeting, intro}, sweepPrefix, 3, nil},
		{"unreferenced audio of ours is", []string{msg, greeting, intro}, []string{msg}, sweepPrefix, 3, []string{greeting, intro}},
		{"names we did not make are never orphans", []string{
			"other/app/recording", "voicemail/default/1001/other/x", "voicemail/default/1001/msg/a/b",
			"voicemail/../1001/msg/m1", "voicemail/default/1001/greeting/bogus-v1", "vm/default/1001/msg-1",
		}, nil, sweepPrefix, 0, nil},
		{"a prefix limits the sweep", []string{msg, other}, nil, "voicemail/sales/", 1, []string{other}},
		{"nothing stored", nil, []string{msg}, sweepPrefix, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := listed{}
			for _, n := range tt.stored {
				stored[n] = []int{0}
			}
			refs := map[string]bool{}
			for _, r := range tt.refs {
				refs[r] = true
			}
			ours, orphans := orphansOf(stored, refs, tt.prefix)
			if ours != tt.wantOurs || !slices.Equal(orphans, tt.wantOrphans) {
				t.Errorf("orphansOf = %d, %v; want %d, %v", ours, orphans, tt.wantOurs, tt.wantOrphans)
			}
		})
	}
}

func TestTooManyOrphansHoldTheSweep(t *testing.T) {
	tests := []struct {
		due, ours int
		want      bool
	}{
		{0, 0, false},
		{1, 1, false}, // one leftover of one recording: below holdMin
		{holdMin, holdMin, false},
		{holdMin + 1, holdMin + 1, true}, // every recording at once
		{holdMin + 1, 2*holdMin + 2, false},
		{holdMin + 1, 2*holdMin + 1, true},
		{500, 100000, false},
	}
	for _, tt := range tests {
		if got := tooMany(tt.due, tt.ours); got != tt.want {
			t.Errorf("tooMany(%d due of %d) = %v, want %v", tt.due, tt.ours, got, tt.want)
		}
	}
}

func TestRescueSplitsDue(t *testing.T) {
	victims, rescued := rescue([]string{"a", "b", "c"}, map[string]bool{"b": true, "z": true})
	if !slices.Equal(victims, []string{"a", "c"}) || !slices.Equal(rescued, []string{"b"}) {
		t.Errorf("rescue = %v, %v; want [a c] and [b]", victims, rescued)
	}
	if v, r := rescue(nil, nil); v != nil || r != nil {
		t.Errorf("rescue of nothing = %v, %v", v, r)
	}
}

func TestJanitorConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		ok      bool
		enabled bool
		grace   time.Duration
	}{
		{"defaults", nil, nil, true, true, time.Hour},
		{"turned off in the environment", nil, map[string]string{"VOICEMAIL_JANITOR_ENABLED": "false"}, true, false, time.Hour},
		{"grace at its floor", []string{"--janitor.grace", "15m"}, nil, true, true, 15 * time.Minute},
		{"grace below the longest message plus 10m", []string{"--janitor.grace", "14m"}, nil, false, false, 0},
		{"grace below the longest greeting plus 10m", []string{"--janitor.grace", "15m", "--voicemail.max_greeting", "6m"}, nil, false, false, 0},
		{"grace over 30 days", []string{"--janitor.grace", "721h"}, nil, false, false, 0},
		{"interval too short", []string{"--janitor.interval", "30s"}, nil, false, false, 0},
		{"interval too long", []string{"--janitor.interval", "25h"}, nil, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envOf(tt.env)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := LoadConfig(tt.args, env)
			if !tt.ok {
				if !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("LoadConfig(%q) = %v, want ErrInvalidConfig", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Janitor.Enabled != tt.enabled || cfg.Janitor.Grace != tt.grace {
				t.Errorf("janitor = %+v, want enabled %v grace %v", cfg.Janitor, tt.enabled, tt.grace)
			}
		})
	}
}

// TestExampleConfigJanitorDefaults checks that the example config shows
// the janitor's defaults, as it says it does.
func TestExampleConfigJanitorDefaults(t *testing.T) {
	ex := koanf.New(".")
	if err := ex.Load(file.Provider("../deploy/voicemail.example.yaml"), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig().Janitor
	if ex.Bool("janitor.enabled") != def.Enabled || ex.Duration("janitor.interval") != def.Interval ||
		ex.Duration("janitor.grace") != def.Grace {
		t.Errorf("example janitor section %v differs from the defaults %+v", ex.Cut("janitor").All(), def)
	}
}
