package app

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"

	"github.com/clusterpbx/voicemail/state"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ARI.App != "voicemail" || cfg.Voicemail.DefaultPIN != "1234" || cfg.Voicemail.MenuTimeout != 6*time.Second {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
	// The caller guide's defaults where app_voicemail's differ: the review
	// menu after a message, the recorded name asked for.
	if !cfg.Voicemail.Review || !cfg.Voicemail.ForceName {
		t.Errorf("review %v, forcename %v by default; want both on (the caller guide)", cfg.Voicemail.Review, cfg.Voicemail.ForceName)
	}
}

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vm.yaml")
	yml := `
ari:
  url: http://file:8088/ari
  app: from-file
voicemail:
  menu_timeout: 8s
mailboxes:
  - mailbox: "2001@sales"
    name: Carol
    language: fr
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VOICEMAIL_ARI_APP", "from-env")
	t.Setenv("VOICEMAIL_REDIS_ADDRS", "10.0.0.1:6379,10.0.0.2:6379")
	t.Setenv("VOICEMAIL_VOICEMAIL_DEFAULT_PIN", "4321")
	env := envOf(map[string]string{
		"VOICEMAIL_ARI_APP":               "from-env",
		"VOICEMAIL_REDIS_ADDRS":           "10.0.0.1:6379,10.0.0.2:6379",
		"VOICEMAIL_VOICEMAIL_DEFAULT_PIN": "4321",
	})
	cfg, err := LoadConfig([]string{"--config", path, "--ari.app", "from-flag", "--voicemail.max_logins", "5"}, env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"url from file", cfg.ARI.URL, "http://file:8088/ari"},
		{"flag beats env and file", cfg.ARI.App, "from-flag"},
		{"env list", strings.Join(cfg.Redis.Addrs, ","), "10.0.0.1:6379,10.0.0.2:6379"},
		{"env underscore key", cfg.Voicemail.DefaultPIN, "4321"},
		{"file duration", cfg.Voicemail.MenuTimeout, 8 * time.Second},
		{"flag int", cfg.Voicemail.MaxLogins, 5},
		{"mailboxes", len(cfg.Mailboxes), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if cfg.Mailboxes[0].Mailbox != "2001@sales" || cfg.Mailboxes[0].Language != "fr" {
		t.Errorf("mailbox: %+v", cfg.Mailboxes[0])
	}
}

func TestLoadConfigRejects(t *testing.T) {
	for _, args := range [][]string{
		{"--log.level", "loud"},
		{"--ari.app", "bad app"},
		{"--voicemail.menu_timeout", "soon"},
		{"--config", "/nonexistent/vm.yaml"},
		{"--no-such-flag"},
		{"stray-argument"},
		{"--ari.password_file", "/nonexistent/secret"},
		{"--redis.tls_ca_file", "ca.pem"},
		{"--ari.tls_ca_file", "ca.pem"},
		{"--voicemail.lockout_duration", "1h", "--voicemail.lockout_max", "1m"},
		{"--ari.connections", "0"},
		{"--ari.move_connections", "1001"},
	} {
		if _, err := LoadConfig(args, envOf(nil)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("LoadConfig(%q) = %v, want ErrInvalidConfig", args, err)
		}
	}
}

// TestExampleConfigDocumentsEverySetting keeps deploy/voicemail.example.yaml
// in step with Config: every setting appears there, and nothing else.
func TestExampleConfigDocumentsEverySetting(t *testing.T) {
	ex := koanf.New(".")
	if err := ex.Load(file.Provider("../deploy/voicemail.example.yaml"), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	def := koanf.New(".")
	if err := def.Load(structs.Provider(DefaultConfig(), "koanf"), nil); err != nil {
		t.Fatal(err)
	}
	for _, k := range def.Keys() {
		if !ex.Exists(k) {
			t.Errorf("setting %s is missing from the example config", k)
		}
	}
	for _, k := range ex.Keys() {
		if k != "mailboxes" && !def.Exists(k) {
			t.Errorf("example config has %s, which is no setting", k)
		}
	}
	// And it loads.
	if _, err := LoadConfig([]string{"--config", "../deploy/voicemail.example.yaml"}, envOf(nil)); err != nil {
		t.Fatal(err)
	}
}

// TestExampleConfigShowsTheDefaults checks that every value in
// deploy/voicemail.example.yaml is the default, so that the defaults it
// documents are those the packages that own them apply (a default that
// moves in state, menus or ari shows here).
func TestExampleConfigShowsTheDefaults(t *testing.T) {
	ex, err := LoadConfig([]string{"--config", "../deploy/voicemail.example.yaml"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	ex.Instance.ID, def.Instance.ID = "", "" // host name and pid
	ex.Mailboxes = nil                       // examples, not defaults
	if len(ex.ARI.URLs) == 0 {
		ex.ARI.URLs = nil // the example writes [] for none
	}
	for _, s := range []struct {
		section       string
		example, want any
	}{
		{"ari", ex.ARI, def.ARI}, {"redis", ex.Redis, def.Redis}, {"instance", ex.Instance, def.Instance},
		{"log", ex.Log, def.Log}, {"voicemail", ex.Voicemail, def.Voicemail}, {"ops", ex.Ops, def.Ops},
		{"janitor", ex.Janitor, def.Janitor}, {"mail", ex.Mail, def.Mail},
	} {
		if !reflect.DeepEqual(s.example, s.want) {
			t.Errorf("%s in the example:\n %+v\nthe defaults:\n %+v", s.section, s.example, s.want)
		}
	}
}

// TestLoadConfigMailboxOptions: a mailbox's options in the YAML, durations
// included, become its state.Options; unset ones follow voicemail.*; bad
// ones are refused.
func TestLoadConfigMailboxOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vm.yaml")
	yml := `voicemail:
  saycid: true
  prune_unlisted: true
mailboxes:
  - mailbox: "1001"
    saycid: false
    envelope: false
    operator: true
    forcegreet: true
    max_messages: 20
    min_message: 3s
    max_message: 2m
    max_silence: 0s
  - mailbox: "1002"
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"--config", path}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Voicemail.SayCID || !cfg.Voicemail.PruneUnlisted || !cfg.Voicemail.Envelope || !cfg.Voicemail.ForceName {
		t.Errorf("voicemail options: %+v", cfg.Voicemail)
	}
	got := cfg.Mailboxes[0].options().String()
	if want := "operator=true envelope=false saycid=false forcegreet=true max_messages=20 min_secs=3 max_secs=120 max_silence=0"; got != want {
		t.Errorf("1001's options %q, want %q", got, want)
	}
	if got := cfg.Mailboxes[1].options(); got != (state.Options{}) {
		t.Errorf("1002's options %+v, want none", got)
	}
	set := cfg.Mailboxes[0].options().Resolve(cfg.Voicemail.settings())
	if set.SayCID || set.Envelope || !set.SayDuration || set.MaxMessages != 20 || set.MinMessage != 3*time.Second {
		t.Errorf("1001's settings %+v", set)
	}

	for _, bad := range []string{"max_messages: 0", "min_message: 1500ms", "max_message: 2s", "timezone: Mars/Olympus"} {
		y := "mailboxes:\n  - mailbox: \"1001\"\n    " + bad + "\n"
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig([]string{"--config", path}, func(string) string { return "" }); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", bad, err)
		}
	}
}
