package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("app: invalid config")

// Config is every setting of the voicemail command. It is read from a YAML
// file, then VOICEMAIL_* environment variables (VOICEMAIL_ARI_URL sets
// ari.url: the first underscore after the prefix separates the section),
// then command-line flags (--ari.url). deploy/voicemail.example.yaml documents
// each field; the defaults are those of [DefaultConfig].
type Config struct {
	ARI       ARIConfig       `koanf:"ari"`
	Redis     RedisConfig     `koanf:"redis"`
	Instance  InstanceConfig  `koanf:"instance"`
	Log       LogConfig       `koanf:"log"`
	Voicemail VoicemailConfig `koanf:"voicemail"`
	Ops       OpsConfig       `koanf:"ops"`
	// Mailboxes are provisioned into Redis at start-up.
	Mailboxes []MailboxConfig `koanf:"mailboxes"`
}

// ARIConfig says how to reach Asterisk.
type ARIConfig struct {
	// URL is ARI's base URL. Default http://127.0.0.1:8088/ari.
	URL string `koanf:"url"`
	// URLs, when set, replaces URL with several Asterisk servers: the
	// instance connects to each, takes calls from all of them, and
	// publishes message-waiting counts on every one. They must share the
	// recordings directory and have distinct asterisk.conf system names
	// (README, "Several Asterisk servers"). Default none.
	URLs []string `koanf:"urls"`
	// Username and Password are the ari.conf user. Default voicemail/voicemail.
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	// PasswordFile, when set, is a file holding the password (a mounted
	// secret); its trailing newline is dropped. Use it or Password, not
	// both. Default "".
	PasswordFile string `koanf:"password_file"`
	// TLSCAFile is a PEM file of the CAs that sign Asterisk's certificate,
	// for an https URL (events then use wss); "" means the system's CAs.
	TLSCAFile string `koanf:"tls_ca_file"`
	// TLSInsecureSkipVerify turns certificate checks off: for tests only.
	TLSInsecureSkipVerify bool `koanf:"tls_insecure_skip_verify"`
	// App is the Stasis application name the dialplan uses. Default voicemail.
	App string `koanf:"app"`
	// Broadcast runs this instance as one of several: it registers the app
	// name APP-INSTANCEID and claims the calls that the dialplan offers with
	// StasisBroadcast (deploy/asterisk/extensions_voicemail.conf, with
	// VOICEMAIL_CLUSTER=yes); the first instance to claim a call gets it.
	// Default false: one instance, registered as APP.
	Broadcast bool `koanf:"broadcast"`
	// RequestTimeout bounds each REST call. Default 5s.
	RequestTimeout time.Duration `koanf:"request_timeout"`
}

// RedisConfig says how to reach Redis.
type RedisConfig struct {
	// Addrs are host:port of one server, of Sentinels (with MasterName), or
	// of Cluster nodes. Default [127.0.0.1:6379].
	Addrs []string `koanf:"addrs"`
	// MasterName selects Sentinel mode. Default "".
	MasterName string `koanf:"master_name"`
	// Username and Password authenticate (ACL or requirepass). Default "".
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	// PasswordFile, when set, is a file holding the password; its trailing
	// newline is dropped. Use it or Password, not both. Default "".
	PasswordFile string `koanf:"password_file"`
	// DB is the database number (single server and Sentinel). Default 0.
	DB int `koanf:"db"`
	// TLS connects with TLS (rediss). Default false.
	TLS bool `koanf:"tls"`
	// TLSCAFile is a PEM file of the CAs that sign the servers'
	// certificates; "" means the system's CAs.
	TLSCAFile string `koanf:"tls_ca_file"`
	// TLSServerName overrides the name checked in the certificate.
	TLSServerName string `koanf:"tls_server_name"`
	// TLSInsecureSkipVerify turns certificate checks off: for tests only.
	TLSInsecureSkipVerify bool `koanf:"tls_insecure_skip_verify"`
}

// InstanceConfig names this instance.
type InstanceConfig struct {
	// ID identifies this instance among several. Default (and when set
	// empty): host name and pid.
	ID string `koanf:"id"`
	// Lease is how long this instance's calls stay its own without a sign
	// of life: it renews the lease every Lease/4, and when the lease runs
	// out another instance takes the calls over. Shorter means a faster
	// takeover, longer tolerates longer pauses. Default 2s.
	Lease time.Duration `koanf:"lease"`
}

// LogConfig shapes the logs.
type LogConfig struct {
	// Level is debug, info, warn or error. Default info.
	Level string `koanf:"level"`
	// Format is json or console. Default json.
	Format string `koanf:"format"`
}

// OpsConfig is the operations HTTP server: /healthz, /readyz and /metrics
// (ops.go).
type OpsConfig struct {
	// Listen is the server's host:port; "" turns it off. Default
	// 127.0.0.1:9090.
	Listen string `koanf:"listen"`
}

// VoicemailConfig holds the caller-facing behaviour.
type VoicemailConfig struct {
	// DefaultPIN is the password of a mailbox provisioned without one.
	// Default 1234.
	DefaultPIN string `koanf:"default_pin"`
	// MaxLogins is how many wrong passwords end a call. Default 3.
	MaxLogins int `koanf:"max_logins"`
	// MaxRepeats is how many unanswered prompts end a call. Default 3.
	MaxRepeats int `koanf:"max_repeats"`
	// MenuTimeout is how long a menu waits for a key. Default 6s.
	MenuTimeout time.Duration `koanf:"menu_timeout"`
	// LoginFirstDigit is how long login prompts wait for a first digit.
	// Default 10s.
	LoginFirstDigit time.Duration `koanf:"login_first_digit"`
	// LoginInterDigit is how long they wait between digits. Default 3s.
	LoginInterDigit time.Duration `koanf:"login_inter_digit"`
	// PINHashCost is the bcrypt cost of stored passwords. Default 6 (about
	// 6 ms a compare): no cost protects a PIN of a few digits from whoever
	// holds a copy of Redis, while a high one makes a burst of logins
	// queue (BENCHMARKS.md). A hash at another cost is redone at this one
	// at the owner's next login.
	PINHashCost int `koanf:"pin_hash_cost"`
	// LockoutFailures wrong passwords within LockoutWindow lock a mailbox
	// out for LockoutDuration. Default 10.
	LockoutFailures int `koanf:"lockout_failures"`
	// LockoutWindow is that window. Default 15m.
	LockoutWindow time.Duration `koanf:"lockout_window"`
	// LockoutDuration is how long the first lockout lasts; each one in a
	// row doubles, up to LockoutMax. Default 15m.
	LockoutDuration time.Duration `koanf:"lockout_duration"`
	// LockoutMax bounds a lockout, and is how long lockouts in a row are
	// remembered. Default 24h.
	LockoutMax time.Duration `koanf:"lockout_max"`
	// SessionTTL is how long a call's session lives in Redis after its last
	// change. Default 4h.
	SessionTTL time.Duration `koanf:"session_ttl"`
	// MinMessage is the shortest message kept; shorter ones are discarded
	// (app_voicemail minsecs). Default 2s.
	MinMessage time.Duration `koanf:"min_message"`
	// MaxMessage is the longest recording (maxsecs). Default 5m.
	MaxMessage time.Duration `koanf:"max_message"`
	// MaxSilence ends a recording after this much silence (maxsilence); 0
	// turns it off. Default 10s.
	MaxSilence time.Duration `koanf:"max_silence"`
	// MaxMessages is how many messages a folder holds (maxmsg). Default 100.
	MaxMessages int `koanf:"max_messages"`
	// Operator lets callers press 0 to reach the operator: the call goes
	// back to the dialplan with VOICEMAIL_STATUS=OPERATOR. Default false.
	Operator bool `koanf:"operator"`
	// Review offers callers 1 accept, 2 listen, 3 re-record after leaving a
	// message; a mailbox's own review setting overrides it. Default false.
	Review bool `koanf:"review"`
	// Timezone in which message times are spoken (an IANA name such as
	// Europe/Paris). Default "": the host's local time.
	Timezone string `koanf:"timezone"`
	// MinPassword is the shortest password an owner may choose. Default 4.
	MinPassword int `koanf:"min_password"`
	// MaxGreeting bounds a greeting or name recording. Default 1m.
	MaxGreeting time.Duration `koanf:"max_greeting"`
	// MWIContext is the dialplan context that turns counts into
	// message-waiting NOTIFYs with MinivmMWI, on Asterisk without ARI
	// mailboxes (deploy/asterisk/extensions_voicemail.conf). Default
	// voicemail-mwi.
	MWIContext string `koanf:"mwi_context"`
}

// MailboxConfig is one mailbox to provision.
type MailboxConfig struct {
	// Mailbox is NUMBER or NUMBER@CONTEXT.
	Mailbox string `koanf:"mailbox"`
	// Name is the owner's name.
	Name string `koanf:"name"`
	// PIN is the initial password; empty means voicemail.default_pin. A
	// password the owner changed by phone is never overwritten.
	PIN string `koanf:"pin"`
	// Email receives notifications.
	Email string `koanf:"email"`
	// Language of the prompts (en, fr, …). Default en.
	Language string `koanf:"language"`
	// Review overrides voicemail.review for this mailbox when set.
	Review *bool `koanf:"review"`
}

// DefaultConfig returns the defaults of every setting.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		ARI: ARIConfig{
			URL:            "http://127.0.0.1:8088/ari",
			Username:       "voicemail",
			Password:       "voicemail",
			App:            "voicemail",
			RequestTimeout: 5 * time.Second,
		},
		Redis:    RedisConfig{Addrs: []string{"127.0.0.1:6379"}},
		Instance: InstanceConfig{ID: fmt.Sprintf("%s-%d", host, os.Getpid()), Lease: 2 * time.Second},
		Log:      LogConfig{Level: "info", Format: "json"},
		Voicemail: VoicemailConfig{
			DefaultPIN:      "1234",
			MaxLogins:       3,
			MaxRepeats:      3,
			MenuTimeout:     6 * time.Second,
			LoginFirstDigit: 10 * time.Second,
			LoginInterDigit: 3 * time.Second,
			PINHashCost:     6,
			LockoutFailures: 10,
			LockoutWindow:   15 * time.Minute,
			LockoutDuration: 15 * time.Minute,
			LockoutMax:      24 * time.Hour,
			SessionTTL:      4 * time.Hour,
			MinMessage:      2 * time.Second,
			MaxMessage:      5 * time.Minute,
			MaxSilence:      10 * time.Second,
			MaxMessages:     100,
			MinPassword:     4,
			MaxGreeting:     time.Minute,
			MWIContext:      "voicemail-mwi",
		},
		Ops: OpsConfig{Listen: "127.0.0.1:9090"},
	}
}

// LoadConfig reads the configuration: defaults, then the YAML file named by
// --config (or VOICEMAIL_CONFIG), then the environment, then the other flags
// in args.
//
// args holds flags only; a word that is not a flag is an error (see
// [Main] for the commands).
func LoadConfig(args []string, environ func(string) string) (Config, error) {
	cfg, rest, err := loadConfig(args, environ)
	if err == nil && len(rest) > 0 {
		return Config{}, fmt.Errorf("%w: unexpected argument %q", ErrInvalidConfig, rest[0])
	}
	return cfg, err
}

// listKeys are the settings that are lists; in the environment and in
// flags they are comma-separated.
var listKeys = map[string]bool{"redis.addrs": true, "ari.urls": true}

// splitList splits a comma-separated list; "" is the empty list.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// loadConfig is LoadConfig, returning the arguments that are not flags.
func loadConfig(args []string, environ func(string) string) (Config, []string, error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(DefaultConfig(), "koanf"), nil); err != nil {
		return Config{}, nil, fmt.Errorf("%w: defaults: %v", ErrInvalidConfig, err)
	}
	fs := pflag.NewFlagSet("voicemail", pflag.ContinueOnError)
	configPath := fs.String("config", environ("VOICEMAIL_CONFIG"), "YAML configuration file")
	for _, key := range k.Keys() {
		if key == "mailboxes" {
			continue
		}
		fs.String(key, "", "overrides "+key)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("%w: flags: %v", ErrInvalidConfig, err)
	}
	if *configPath != "" {
		if err := k.Load(file.Provider(*configPath), yaml.Parser()); err != nil {
			return Config{}, nil, fmt.Errorf("%w: file %s: %v", ErrInvalidConfig, *configPath, err)
		}
	}
	envProvider := env.Provider(".", env.Opt{
		Prefix: "VOICEMAIL_",
		TransformFunc: func(k, v string) (string, any) {
			key := strings.ToLower(strings.TrimPrefix(k, "VOICEMAIL_"))
			if key == "config" {
				return "", nil
			}
			key = strings.Replace(key, "_", ".", 1)
			if listKeys[key] {
				return key, splitList(v)
			}
			return key, v
		},
		EnvironFunc: func() []string {
			var out []string
			for _, kv := range os.Environ() {
				name, _, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(name, "VOICEMAIL_") {
					out = append(out, name+"="+environ(name))
				}
			}
			return out
		},
	})
	if err := k.Load(envProvider, nil); err != nil {
		return Config{}, nil, fmt.Errorf("%w: environment: %v", ErrInvalidConfig, err)
	}
	if err := k.Load(posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
		if f.Name == "config" || !f.Changed {
			return "", nil
		}
		if listKeys[f.Name] {
			return f.Name, splitList(f.Value.String())
		}
		return f.Name, f.Value.String()
	}), nil); err != nil {
		return Config{}, nil, fmt.Errorf("%w: flags: %v", ErrInvalidConfig, err)
	}
	var cfg Config
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf", FlatPaths: false}); err != nil {
		return Config{}, nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if cfg.Instance.ID == "" {
		// An empty id in a file or the environment means "the default".
		cfg.Instance.ID = DefaultConfig().Instance.ID
	}
	if err := cfg.readSecrets(); err != nil {
		return Config{}, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, nil, err
	}
	return cfg, fs.Args(), nil
}

// readSecrets fills the passwords given as files.
func (c *Config) readSecrets() error {
	for _, s := range []struct {
		name, file string
		password   *string
		def        string // the default, which a file may replace
	}{
		{"ari", c.ARI.PasswordFile, &c.ARI.Password, DefaultConfig().ARI.Password},
		{"redis", c.Redis.PasswordFile, &c.Redis.Password, ""},
	} {
		if s.file == "" {
			continue
		}
		if *s.password != s.def {
			return fmt.Errorf("%w: %s.password and %s.password_file are both set: use one", ErrInvalidConfig, s.name, s.name)
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			return fmt.Errorf("%w: %s.password_file: %v", ErrInvalidConfig, s.name, err)
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" || strings.ContainsAny(pw, "\r\n") {
			return fmt.Errorf("%w: %s.password_file %s: want one line holding the password", ErrInvalidConfig, s.name, s.file)
		}
		*s.password = pw
	}
	return nil
}

// redacted is the text that stands for a secret in a config dump.
const redacted = "[redacted]"

// Redacted returns a copy of c with every secret (passwords and PINs)
// replaced, for logs and --print-config.
func (c Config) Redacted() Config {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return redacted
	}
	c.ARI.Password = hide(c.ARI.Password)
	c.Redis.Password = hide(c.Redis.Password)
	c.Voicemail.DefaultPIN = hide(c.Voicemail.DefaultPIN)
	boxes := make([]MailboxConfig, len(c.Mailboxes))
	for i, m := range c.Mailboxes {
		m.PIN = hide(m.PIN)
		boxes[i] = m
	}
	c.Mailboxes = boxes
	return c
}

// ariTLS returns the TLS settings for ARI; nil means Go's defaults.
func (c Config) ariTLS() (*tls.Config, error) {
	return tlsConfig("ari", c.ARI.TLSCAFile, "", c.ARI.TLSInsecureSkipVerify)
}

// redisTLS returns the TLS settings for Redis; nil means no TLS.
func (c Config) redisTLS() (*tls.Config, error) {
	if !c.Redis.TLS {
		return nil, nil
	}
	t, err := tlsConfig("redis", c.Redis.TLSCAFile, c.Redis.TLSServerName, c.Redis.TLSInsecureSkipVerify)
	if t == nil && err == nil {
		t = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return t, err
}

func tlsConfig(section, caFile, serverName string, insecure bool) (*tls.Config, error) {
	if caFile == "" && serverName == "" && !insecure {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, documented as for tests only
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %s.tls_ca_file: %v", ErrInvalidConfig, section, err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s.tls_ca_file %s: no PEM certificate in it", ErrInvalidConfig, section, caFile)
		}
	}
	return t, nil
}

// ariURLs are the ARI base URLs of the Asterisk servers this instance
// serves: ari.urls if set, else ari.url.
func (c Config) ariURLs() []string {
	if len(c.ARI.URLs) > 0 {
		return c.ARI.URLs
	}
	return []string{c.ARI.URL}
}

func allHTTPS(urls []string) bool {
	for _, u := range urls {
		if !strings.HasPrefix(u, "https:") {
			return false
		}
	}
	return true
}

// checkARIURLs refuses an empty, malformed or repeated ARI URL: two
// connections to one Asterisk would take every call twice.
func checkARIURLs(urls []string) error {
	if len(urls) > 16 {
		return fmt.Errorf("%w: ari.urls lists %d servers; at most 16", ErrInvalidConfig, len(urls))
	}
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: ARI URL %q: want http(s)://host:port/ari", ErrInvalidConfig, raw)
		}
		key := u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/")
		if seen[key] {
			return fmt.Errorf("%w: ARI URL %q is listed twice", ErrInvalidConfig, raw)
		}
		seen[key] = true
	}
	return nil
}

// Validate checks the settings that no other package checks.
func (c Config) Validate() error {
	if err := checkARIURLs(c.ariURLs()); err != nil {
		return err
	}
	switch {
	case c.ARI.URL == "" && len(c.ARI.URLs) == 0:
		return fmt.Errorf("%w: ari.url is empty", ErrInvalidConfig)
	case c.ARI.Username == "":
		return fmt.Errorf("%w: ari.username is empty", ErrInvalidConfig)
	case !validAppName(c.ARI.App):
		return fmt.Errorf("%w: ari.app %q: use letters, digits, '-' and '_'", ErrInvalidConfig, c.ARI.App)
	case c.ARI.Broadcast && !validAppName(c.appName()):
		return fmt.Errorf("%w: ari.app and instance.id make the app name %q: use letters, digits, '-' and '_' in instance.id", ErrInvalidConfig, c.appName())
	case !c.Redis.TLS && (c.Redis.TLSCAFile != "" || c.Redis.TLSServerName != "" || c.Redis.TLSInsecureSkipVerify):
		return fmt.Errorf("%w: redis.tls_* settings need redis.tls: true", ErrInvalidConfig)
	case c.ARI.TLSCAFile != "" && !allHTTPS(c.ariURLs()):
		return fmt.Errorf("%w: ari.tls_ca_file needs https ARI URLs", ErrInvalidConfig)
	case len(c.Redis.Addrs) == 0:
		return fmt.Errorf("%w: redis.addrs is empty", ErrInvalidConfig)
	case !validInstanceID(c.Instance.ID):
		return fmt.Errorf("%w: instance.id %q: use 1 to 64 letters, digits, '.', '-' and '_'", ErrInvalidConfig, c.Instance.ID)
	case c.Instance.Lease < 500*time.Millisecond || c.Instance.Lease > time.Minute:
		return fmt.Errorf("%w: instance.lease %s not in 500ms..1m", ErrInvalidConfig, c.Instance.Lease)
	case !validListen(c.Ops.Listen):
		return fmt.Errorf("%w: ops.listen %q: use host:port, or \"\" to turn it off", ErrInvalidConfig, c.Ops.Listen)
	}
	v := c.Voicemail
	switch {
	case v.MinMessage < 0 || v.MaxMessage < time.Second || v.MinMessage >= v.MaxMessage:
		return fmt.Errorf("%w: voicemail.min_message %s and max_message %s: need 0 <= min < max, max >= 1s", ErrInvalidConfig, v.MinMessage, v.MaxMessage)
	case v.MaxSilence < 0 || (v.MaxSilence > 0 && v.MaxSilence < time.Second):
		return fmt.Errorf("%w: voicemail.max_silence %s: use 0 (off) or at least 1s", ErrInvalidConfig, v.MaxSilence)
	case v.MinPassword < 1 || v.MinPassword > 20:
		return fmt.Errorf("%w: voicemail.min_password %d not in 1..20", ErrInvalidConfig, v.MinPassword)
	case v.MaxGreeting < 5*time.Second || v.MaxGreeting > 10*time.Minute:
		return fmt.Errorf("%w: voicemail.max_greeting %s not in 5s..10m", ErrInvalidConfig, v.MaxGreeting)
	case v.MaxMessages < 1 || v.MaxMessages > 9999:
		return fmt.Errorf("%w: voicemail.max_messages %d not in 1..9999", ErrInvalidConfig, v.MaxMessages)
	case v.LockoutFailures < 1 || v.LockoutWindow < time.Second:
		return fmt.Errorf("%w: voicemail.lockout_failures %d and lockout_window %s: need at least 1 and 1s", ErrInvalidConfig, v.LockoutFailures, v.LockoutWindow)
	case v.LockoutDuration < time.Second || v.LockoutMax < v.LockoutDuration:
		return fmt.Errorf("%w: voicemail.lockout_duration %s and lockout_max %s: need 1s <= duration <= max", ErrInvalidConfig, v.LockoutDuration, v.LockoutMax)
	case !validAppName(v.MWIContext):
		return fmt.Errorf("%w: voicemail.mwi_context %q", ErrInvalidConfig, v.MWIContext)
	}
	for _, m := range c.Mailboxes {
		if m.Language != "" && validLang(m.Language) == "" {
			return fmt.Errorf("%w: mailbox %s: language %q: use a code such as en or fr_CA", ErrInvalidConfig, m.Mailbox, m.Language)
		}
	}
	if _, err := loadLocation(v.Timezone); err != nil {
		return fmt.Errorf("%w: voicemail.timezone %q: %v", ErrInvalidConfig, v.Timezone, err)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: log.level %q: use debug, info, warn or error", ErrInvalidConfig, c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		return fmt.Errorf("%w: log.format %q: use json or console", ErrInvalidConfig, c.Log.Format)
	}
	return nil
}

func validInstanceID(s string) bool {
	return validAppName(strings.ReplaceAll(s, ".", "_"))
}

func validAppName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// loadLocation returns the time zone name, "" meaning the host's.
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.Local, nil
	}
	return time.LoadLocation(name)
}

// appName is the Stasis application this instance registers: ari.app, or
// ari.app-instance.id when it claims broadcast calls.
func (c Config) appName() string {
	if c.ARI.Broadcast {
		return c.ARI.App + "-" + c.Instance.ID
	}
	return c.ARI.App
}
