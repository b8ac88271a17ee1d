package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
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
