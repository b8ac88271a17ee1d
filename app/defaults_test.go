package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// TestDefaultsAreTheirPackages checks that every default of a setting that
// another package uses is that package's: the bcrypt cost drifted once (10
// in state, 6 here).
func TestDefaultsAreTheirPackages(t *testing.T) {
	d := DefaultConfig()
	st := (state.Config{}).WithDefaults()
	mn := (menus.Config{}).WithDefaults()
	for _, c := range []struct {
		key       string
		got, want any
	}{
		{"voicemail.default_pin", d.Voicemail.DefaultPIN, st.DefaultPIN},
		{"voicemail.pin_hash_cost", d.Voicemail.PINHashCost, st.PINHashCost},
		{"voicemail.lockout_failures", d.Voicemail.LockoutFailures, st.MaxFailures},
		{"voicemail.lockout_window", d.Voicemail.LockoutWindow, st.FailureWindow},
		{"voicemail.lockout_duration", d.Voicemail.LockoutDuration, st.LockoutDuration},
		{"voicemail.lockout_max", d.Voicemail.LockoutMax, st.LockoutMax},
		{"voicemail.session_ttl", d.Voicemail.SessionTTL, st.SessionTTL},
		{"voicemail.max_messages", d.Voicemail.MaxMessages, st.MaxMessages},
		{"redis.min_replicas", d.Redis.MinReplicas, st.MinReplicas},
		{"redis.replica_wait", d.Redis.ReplicaWait, st.ReplicaWait},
		{"admin.audit_max", d.Admin.AuditMax, st.AuditMax},
		{"voicemail.max_logins", d.Voicemail.MaxLogins, mn.MaxLogins},
		{"voicemail.max_repeats", d.Voicemail.MaxRepeats, mn.MaxRepeats},
		{"voicemail.menu_timeout", d.Voicemail.MenuTimeout, mn.MenuTimeout},
		{"voicemail.login_first_digit", d.Voicemail.LoginFirstDigit, mn.LoginFirstDigit},
		{"voicemail.login_inter_digit", d.Voicemail.LoginInterDigit, mn.LoginInterDigit},
		{"voicemail.min_password", d.Voicemail.MinPassword, mn.MinPasswordLength},
		{"voicemail.max_greeting", d.Voicemail.MaxGreeting, time.Duration(mn.MaxGreetingSeconds) * time.Second},
		{"voicemail.default_pin (menus)", d.Voicemail.DefaultPIN, mn.DefaultPIN},
		{"ari.request_timeout", d.ARI.RequestTimeout, ari.DefaultTimeout},
		{"ari.connections", d.ARI.Connections, ari.DefaultConnections},
		{"ari.move_connections", d.ARI.MoveConnections, ari.DefaultMoveConnections},
	} {
		if c.got != c.want {
			t.Errorf("%s defaults to %v here and %v in its package", c.key, c.got, c.want)
		}
	}
	if d.Voicemail.PINHashCost != 6 {
		t.Errorf("voicemail.pin_hash_cost defaults to %d, want 6 (README, Security)", d.Voicemail.PINHashCost)
	}
}

// TestTimezoneDefaultIsTheHosts checks that voicemail.timezone "" gives the
// menus the host's zone, as documented; menus alone defaulted to UTC once.
func TestTimezoneDefaultIsTheHosts(t *testing.T) {
	d := DefaultConfig()
	loc, err := loadLocation(d.Voicemail.Timezone)
	if err != nil || loc != time.Local {
		t.Fatalf("voicemail.timezone %q: %v, %v; want time.Local", d.Voicemail.Timezone, loc, err)
	}
	if got := (menus.Config{}).WithDefaults().Location; got != time.Local {
		t.Errorf("menus default to %v, want the host's zone", got)
	}
}

// TestValidateComposesThePackages checks that Validate refuses what the
// store and the menus would refuse at New, naming the setting: app's
// Validate once let through what only New refused.
func TestValidateComposesThePackages(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--voicemail.pin_hash_cost", "3"}, "voicemail.pin_hash_cost"},
		{[]string{"--voicemail.pin_hash_cost", "32"}, "voicemail.pin_hash_cost"},
		{[]string{"--voicemail.default_pin", "12ab"}, "voicemail.default_pin"},
		{[]string{"--voicemail.session_ttl", "0s"}, "voicemail.session_ttl"},
		{[]string{"--voicemail.lockout_failures", "0"}, "voicemail.lockout_failures"},
		{[]string{"--voicemail.lockout_window", "500ms"}, "voicemail.lockout_window"},
		{[]string{"--voicemail.lockout_duration", "500ms"}, "voicemail.lockout_duration"},
		{[]string{"--voicemail.lockout_duration", "1h", "--voicemail.lockout_max", "1m"}, "voicemail.lockout_max"},
		{[]string{"--voicemail.max_messages", "10000"}, "voicemail.max_messages"},
		{[]string{"--voicemail.max_logins", "11"}, "voicemail.max_logins"},
		{[]string{"--voicemail.max_repeats", "0"}, "voicemail.max_repeats"},
		{[]string{"--voicemail.menu_timeout", "2m"}, "voicemail.menu_timeout"},
		{[]string{"--voicemail.login_first_digit", "500ms"}, "voicemail.login_first_digit"},
		{[]string{"--voicemail.login_inter_digit", "1m"}, "voicemail.login_inter_digit"},
		{[]string{"--voicemail.min_password", "21"}, "voicemail.min_password"},
		{[]string{"--voicemail.max_greeting", "4s"}, "voicemail.max_greeting"},
		{[]string{"--voicemail.max_greeting", "11m"}, "voicemail.max_greeting"},
		{[]string{"--voicemail.max_greeting", "30500ms"}, "voicemail.max_greeting"},
		{[]string{"--voicemail.timezone", "Nowhere/Atlantis"}, "voicemail.timezone"},
		{[]string{"--redis.replica_wait", "11s"}, "redis.replica_wait"},
		{[]string{"--ari.username", ""}, "ari.username"},
		{[]string{"--ari.request_timeout", "-1s"}, "ari.request_timeout"},
		{[]string{"--ari.request_timeout", "0s"}, "ari.request_timeout"},
		{[]string{"--ari.connections", "0"}, "ari.connections"},
		{[]string{"--ari.move_connections", "1001"}, "ari.move_connections"},
		{[]string{"--ari.url", "http://u:p@h:8088/ari"}, "ari.url"},
		{[]string{"--ari.urls", "http://a:8088/ari,http://b:8088/ari?x=1"}, "ari.urls"},
	} {
		_, err := LoadConfig(tt.args, envOf(nil))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadConfig(%q) = %v, want ErrInvalidConfig naming %s", tt.args, err, tt.want)
		}
	}
	// What Validate accepts, New accepts: the defaults and the example.
	cfg := DefaultConfig()
	cfg.Voicemail.PINHashCost = 4
	if a, err := New(cfg, nil); err != nil {
		t.Errorf("New(defaults) = %v", err)
	} else {
		_ = a.rdb.Close()
	}
}
