package app

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/ari"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPasswordFiles(t *testing.T) {
	ariFile := writeFile(t, "ari", "s3cret-ari\n")
	redisFile := writeFile(t, "redis", "s3cret-redis\r\n")
	t.Setenv("VOICEMAIL_REDIS_PASSWORD_FILE", redisFile)
	cfg, err := LoadConfig([]string{"--ari.password_file", ariFile}, envOf(map[string]string{
		"VOICEMAIL_REDIS_PASSWORD_FILE": redisFile,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ARI.Password != "s3cret-ari" || cfg.Redis.Password != "s3cret-redis" {
		t.Errorf("passwords %q, %q: want the files' single lines", cfg.ARI.Password, cfg.Redis.Password)
	}
}

func TestPasswordFileRejects(t *testing.T) {
	for name, tt := range map[string]struct {
		env  map[string]string
		file string
	}{
		"both set":   {map[string]string{"VOICEMAIL_REDIS_PASSWORD": "x"}, "y\n"},
		"empty file": {nil, "\n"},
		"two lines":  {nil, "a\nb\n"},
	} {
		t.Run(name, func(t *testing.T) {
			// The environment provider reads the names of os.Environ.
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeFile(t, "pw", tt.file)
			_, err := LoadConfig([]string{"--redis.password_file", path}, envOf(tt.env))
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v, want ErrInvalidConfig", err)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimSpace(tt.file)) && tt.file != "\n" {
				t.Errorf("the error quotes the secret: %v", err)
			}
		})
	}
}

// No secret reaches a config dump: passwords and PINs are redacted, and the
// rest is printed as is.
func TestPrintConfigRedactsSecrets(t *testing.T) {
	yml := writeFile(t, "vm.yaml", `
ari:
  password: ari-secret-1
redis:
  password: redis-secret-2
voicemail:
  default_pin: "918273"
mailboxes:
  - mailbox: "1001"
    pin: "564738"
    name: Alice
`)
	cfg, err := LoadConfig([]string{"--config", yml}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printConfig(cfg, &out); err != nil {
		t.Fatal(err)
	}
	dump := out.String()
	for _, secret := range []string{"ari-secret-1", "redis-secret-2", "918273", "564738"} {
		if strings.Contains(dump, secret) {
			t.Errorf("config dump shows %q:\n%s", secret, dump)
		}
	}
	for _, want := range []string{"[redacted]", "name: Alice", "url: http://127.0.0.1:8088/ari"} {
		if !strings.Contains(dump, want) {
			t.Errorf("config dump lacks %q:\n%s", want, dump)
		}
	}
	if cfg.ARI.Password != "ari-secret-1" || cfg.Mailboxes[0].PIN != "564738" {
		t.Error("Redacted changed the config it was called on")
	}
}

func TestMainCommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	t.Setenv("VOICEMAIL_ARI_PASSWORD", "pw-777")
	if code := Main(context.Background(), []string{"config"}, &stdout, &stderr); code != 0 {
		t.Fatalf("config: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "pw-777") || !strings.Contains(stdout.String(), "instance:") {
		t.Errorf("config printed:\n%s", stdout.String())
	}
	for _, args := range [][]string{{"frobnicate"}, {"unlock"}, {"unlock", "../1001"}} {
		stderr.Reset()
		if code := Main(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}

// An https ARI URL with tls_ca_file trusts that CA and no other.
func TestARITLSCAFile(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"system":{"version":"22.10.1"}}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caFile := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))

	load := func(extra ...string) (*ari.Client, error) {
		cfg, err := LoadConfig(append([]string{"--ari.url", srv.URL + "/ari"}, extra...), envOf(nil))
		if err != nil {
			return nil, err
		}
		tlsCfg, err := cfg.ariTLS()
		if err != nil {
			return nil, err
		}
		return ari.New(ari.Config{URL: cfg.ARI.URL, Username: "u"}, ari.WithTLSConfig(tlsCfg))
	}
	ctx := context.Background()
	c, err := load("--ari.tls_ca_file", caFile)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Info(ctx); err != nil || info.System.Version != "22.10.1" {
		t.Errorf("with the CA: %+v, %v", info, err)
	}
	c, err = load()
	if err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if _, err := c.Info(ctx); !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want an unknown-authority error", err)
	}
	if _, err := load("--ari.tls_ca_file", writeFile(t, "bad.pem", "not a certificate")); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a CA file without PEM: %v, want ErrInvalidConfig", err)
	}
}

func TestRedisTLSConfig(t *testing.T) {
	cfg, err := LoadConfig([]string{"--redis.tls", "true", "--redis.tls_server_name", "redis.internal"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := cfg.redisTLS()
	if err != nil || tlsCfg == nil || tlsCfg.ServerName != "redis.internal" || tlsCfg.InsecureSkipVerify {
		t.Errorf("redis TLS = %+v, %v", tlsCfg, err)
	}
	cfg, _ = LoadConfig(nil, envOf(nil))
	if tlsCfg, err := cfg.redisTLS(); tlsCfg != nil || err != nil {
		t.Errorf("default redis TLS = %+v, %v; want none", tlsCfg, err)
	}
}

// Passwords are refused on the command line, where every user sees them,
// and the error does not quote them.
func TestPasswordFlagsRefused(t *testing.T) {
	for _, flag := range []string{"--ari.password", "--redis.password", "--redis.sentinel_password"} {
		_, err := LoadConfig([]string{flag, "pw-on-cmdline"}, envOf(nil))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: %v, want ErrInvalidConfig naming the flag", flag, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw-on-cmdline") {
			t.Errorf("%s: the error quotes the password: %v", flag, err)
		}
	}
	// The environment and files still work.
	t.Setenv("VOICEMAIL_ARI_PASSWORD", "from-env")
	cfg, err := LoadConfig(nil, envOf(map[string]string{"VOICEMAIL_ARI_PASSWORD": "from-env"}))
	if err != nil || cfg.ARI.Password != "from-env" {
		t.Errorf("password from the environment: %q, %v", cfg.ARI.Password, err)
	}
}

// Credentials in an ARI URL are refused, in ari.url and ari.urls, from a
// flag, the file or the environment, without the error quoting them; a
// dump of a Config holding one redacts it.
func TestARIURLCredentialsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--ari.url", "http://voicemail:s3cret@127.0.0.1:8088/ari"},
		{"--ari.url", "http://:s3cret@127.0.0.1:8088/ari"},
		{"--ari.url", "http://s3cret@127.0.0.1:8088/ari"},
		{"--ari.urls", "http://127.0.0.1:8088/ari,https://u:s3cret@[::1]:8089/ari"},
		{"--ari.url", "http://u:s3cret@bad host/ari"},
	} {
		_, err := LoadConfig(args, envOf(nil))
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%q: %v, want ErrInvalidConfig", args, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the error quotes the password: %v", args, err)
		}
	}
	cfg := DefaultConfig()
	cfg.ARI.URL = "http://voicemail:s3cret@127.0.0.1:8088/ari"
	cfg.ARI.URLs = []string{"https://u:s3cret@a.example:8089/ari?x=1", "http://b.example/ari@x"}
	var out bytes.Buffer
	if err := printConfig(cfg, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "http://[redacted]@127.0.0.1:8088/ari") ||
		!strings.Contains(out.String(), "http://b.example/ari@x") {
		t.Errorf("config dump:\n%s", out.String())
	}
	if cfg.ARI.URLs[0] != "https://u:s3cret@a.example:8089/ari?x=1" {
		t.Error("Redacted changed the config it was called on")
	}
}

// voicemail.pin_pepper_file reaches the store, is never printed, and a
// short or missing one is refused.
func TestPINPepperFile(t *testing.T) {
	pepper := writeFile(t, "pepper", "pepper-0123456789-abcdef\n")
	cfg, err := LoadConfig([]string{"--voicemail.pin_pepper_file", pepper}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.stateConfig().PINPepper; got != "pepper-0123456789-abcdef" {
		t.Errorf("state pepper %q, want the file's line", got)
	}
	var out bytes.Buffer
	if err := printConfig(cfg, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pepper-0123456789") {
		t.Errorf("config dump shows the pepper:\n%s", out.String())
	}
	for _, path := range []string{writeFile(t, "short", "short\n"), writeFile(t, "empty", "\n"), "/nonexistent/pepper"} {
		if _, err := LoadConfig([]string{"--voicemail.pin_pepper_file", path}, envOf(nil)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", path, err)
		}
	}
}
