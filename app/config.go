package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
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
	Janitor   JanitorConfig   `koanf:"janitor"`
	Admin     AdminConfig     `koanf:"admin"`
	Web       WebConfig       `koanf:"web"`
	Mail      MailConfig      `koanf:"mail"`
	// Mailboxes are provisioned into Redis at start-up: a seed, which the
	// admin API and CLI may change (admin_config.go).
	Mailboxes []MailboxConfig `koanf:"mailboxes"`

	// waits shortens the calls' bounded waits on Redis in tests; it is no
	// setting (zero: the defaults).
	waits call.Waits
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
	// RequestTimeout bounds each REST call; more than 0. Default 5s.
	RequestTimeout time.Duration `koanf:"request_timeout"`
	// Connections bounds the connections to each Asterisk that REST calls
	// other than moves share, 1 to 1000. Asterisk closes connections
	// beyond its http.conf sessionlimit (100 by default): keep the sum of
	// connections + move_connections + 1 over the instances below it.
	// Default 32.
	Connections int `koanf:"connections"`
	// MoveConnections bounds the connections to each Asterisk kept for
	// moving channels between instances (takeover, handover), apart from
	// the others so that many moves at once cannot hold prompts up, 1 to
	// 1000. Default 16.
	MoveConnections int `koanf:"move_connections"`
}

// RedisConfig says how to reach Redis: one server, a master watched by
// Sentinels (MasterName set), or a Cluster (several Addrs).
type RedisConfig struct {
	// Addrs are host:port of one server, of the Sentinels (with
	// MasterName), or of Cluster nodes. Default [127.0.0.1:6379].
	Addrs []string `koanf:"addrs"`
	// MasterName selects Sentinel mode: the name under which the Sentinels
	// at Addrs monitor the master (sentinel.conf "sentinel monitor NAME").
	// The client asks them for the master, and follows a failover.
	// Default "".
	MasterName string `koanf:"master_name"`
	// SentinelPassword authenticates to the Sentinels themselves (their
	// requirepass), when they have one; Password is the data nodes'.
	// Default "".
	SentinelPassword string `koanf:"sentinel_password"`
	// SentinelPasswordFile, when set, is a file holding it. Default "".
	SentinelPasswordFile string `koanf:"sentinel_password_file"`
	// MinReplicas is how many replicas must confirm a write whose loss
	// matters (a deposit or forwarded copy, a move or folder close, a
	// greeting or PIN change, a lockout, a call's takeover) before it
	// counts as done: the app sends WAIT after each. 0 turns waiting off,
	// for a Redis without replicas. Default 0.
	MinReplicas int `koanf:"min_replicas"`
	// ReplicaWait bounds each such wait, 1ms to 10s. Default 500ms.
	ReplicaWait time.Duration `koanf:"replica_wait"`
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

// VoicemailConfig holds the caller-facing behaviour. The defaults and ranges
// of the settings that the store or the menus use are those packages'
// (state.Config, menus.Config); DefaultConfig and Validate take them from
// there.
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
	// PINPepperFile, when set, is a file holding a secret key (at least 16
	// bytes; a trailing newline is dropped) applied to every PIN before it
	// is hashed (a salted HMAC-SHA256 under the key, in place of bcrypt:
	// docs/security.md), so that a copy of Redis alone cannot be searched
	// for PINs. Hashes made without it are redone with
	// it at each owner's next login. Keep the file: without it, no PIN
	// hashed with it can be checked. Default "" (no pepper).
	PINPepperFile string `koanf:"pin_pepper_file"`
	// pinPepper is the content of PINPepperFile (readSecrets); never
	// printed.
	pinPepper string
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
	// LockoutDailyFailures wrong passwords within LockoutDailyWindow,
	// however spread, lock a mailbox out until that window ends; the
	// owner's login does not clear them. At least LockoutFailures.
	// Default 30.
	LockoutDailyFailures int `koanf:"lockout_daily_failures"`
	// LockoutCallerFailures wrong passwords from one calling number, on
	// any mailboxes, within LockoutDailyWindow refuse that number's logins
	// until the window ends. Default 30.
	LockoutCallerFailures int `koanf:"lockout_caller_failures"`
	// LockoutDailyWindow is the window of LockoutDailyFailures and
	// LockoutCallerFailures, from its first failure. Default 24h.
	LockoutDailyWindow time.Duration `koanf:"lockout_daily_window"`
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
	// Review offers callers 1 accept, 2 listen, 3 re-record, 4 urgent after
	// leaving a message; a mailbox's own review setting overrides it.
	// Default true: the caller guide lists that menu after every recording
	// (app_voicemail's default is off).
	Review bool `koanf:"review"`
	// Envelope says the date (and the caller's number with SayCID, the
	// length with SayDuration) before each message (app_voicemail's
	// envelope). Default true.
	Envelope bool `koanf:"envelope"`
	// SayCID says the caller's number in the envelope (saycid). Default
	// false, as app_voicemail.
	SayCID bool `koanf:"saycid"`
	// SayDuration says the length of messages of two minutes or more in
	// the envelope (sayduration, saydurationm=2). Default true, as
	// app_voicemail.
	SayDuration bool `koanf:"sayduration"`
	// ForceName asks an owner who has no recorded name for one at every
	// login until it exists (forcename). Default true: the caller guide
	// says the name is mandatory (app_voicemail's default is off).
	ForceName bool `koanf:"forcename"`
	// ForceGreet asks an owner who has no unavailable greeting for one at
	// login (forcegreetings). Default false, as app_voicemail.
	ForceGreet bool `koanf:"forcegreet"`
	// PruneUnlisted deletes, at start-up, the mailboxes that provisioning
	// created from this file and that it no longer lists, with their
	// messages and greetings (each one logged). Mailboxes the admin API or
	// CLI created or changed are never pruned. Default false: a mailbox
	// removed from the file stays.
	PruneUnlisted bool `koanf:"prune_unlisted"`
	// Timezone in which message times are spoken (an IANA name such as
	// Europe/Paris). Default "": the host's local time.
	Timezone string `koanf:"timezone"`
	// MinPassword is the shortest password an owner may choose. Default 4.
	MinPassword int `koanf:"min_password"`
	// MaxGreeting bounds a greeting or name recording, 5s to 10m in whole
	// seconds. Default 1m.
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
	// Email receives an email for each new message (mail.enabled).
	Email string `koanf:"email"`
	// Pager receives a short email for each new message. Default "".
	Pager string `koanf:"pager"`
	// Attach is the email's attachment: wav, mp3 or none. Default
	// mail.attach.
	Attach string `koanf:"attach"`
	// DeleteAfterEmail deletes a message once its email was accepted by
	// the relay (app_voicemail's delete=yes). Default false.
	DeleteAfterEmail bool `koanf:"delete_after_email"`
	// Timezone of the dates in the email (IANA name). Default
	// voicemail.timezone.
	Timezone string `koanf:"timezone"`
	// Language of the prompts (en, fr, …). Default en.
	Language string `koanf:"language"`
	// Review overrides voicemail.review for this mailbox when set; so do
	// the other options below for the voicemail.* setting of the same
	// name. Default: unset, the voicemail.* setting.
	Review      *bool `koanf:"review"`
	Operator    *bool `koanf:"operator"`
	Envelope    *bool `koanf:"envelope"`
	SayCID      *bool `koanf:"saycid"`
	SayDuration *bool `koanf:"sayduration"`
	ForceName   *bool `koanf:"forcename"`
	ForceGreet  *bool `koanf:"forcegreet"`
	MaxMessages *int  `koanf:"max_messages"`
	// MinMessage, MaxMessage and MaxSilence are durations in whole seconds.
	MinMessage *time.Duration `koanf:"min_message"`
	MaxMessage *time.Duration `koanf:"max_message"`
	MaxSilence *time.Duration `koanf:"max_silence"`
	// Hidden leaves the mailbox out of the dial-by-name directory
	// (app_voicemail's hidefromdir). Default false.
	Hidden bool `koanf:"hidden"`
}

// options are the mailbox's own options as the store keeps them.
func (m MailboxConfig) options() state.Options {
	secs := func(d *time.Duration) *int {
		if d == nil {
			return nil
		}
		return new(int(*d / time.Second))
	}
	return state.Options{Review: m.Review, Operator: m.Operator, Envelope: m.Envelope, SayCID: m.SayCID,
		SayDuration: m.SayDuration, ForceName: m.ForceName, ForceGreet: m.ForceGreet, MaxMessages: m.MaxMessages,
		MinSecs: secs(m.MinMessage), MaxSecs: secs(m.MaxMessage), MaxSilence: secs(m.MaxSilence)}
}

// settings are the system's options, which a mailbox's own override.
func (c VoicemailConfig) settings() state.Settings {
	return state.Settings{Review: c.Review, Operator: c.Operator, Envelope: c.Envelope, SayCID: c.SayCID,
		SayDuration: c.SayDuration, ForceName: c.ForceName, ForceGreet: c.ForceGreet, MaxMessages: c.MaxMessages,
		MinMessage: c.MinMessage, MaxMessage: c.MaxMessage, MaxSilence: c.MaxSilence}
}

// DefaultConfig returns the defaults of every setting. A setting that
// another package uses takes that package's default (state, menus, ari):
// each default is written once.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		ARI: ARIConfig{
			URL:             "http://127.0.0.1:8088/ari",
			Username:        "voicemail",
			Password:        shippedARIPassword,
			App:             "voicemail",
			RequestTimeout:  ari.DefaultTimeout,
			Connections:     ari.DefaultConnections,
			MoveConnections: ari.DefaultMoveConnections,
		},
		Redis:    RedisConfig{Addrs: []string{"127.0.0.1:6379"}, ReplicaWait: state.DefaultReplicaWait},
		Instance: InstanceConfig{ID: fmt.Sprintf("%s-%d", host, os.Getpid()), Lease: 2 * time.Second},
		Log:      LogConfig{Level: "info", Format: "json"},
		Voicemail: VoicemailConfig{
			DefaultPIN:            state.DefaultDefaultPIN,
			MaxLogins:             menus.DefaultMaxLogins,
			MaxRepeats:            menus.DefaultMaxRepeats,
			MenuTimeout:           menus.DefaultMenuTimeout,
			LoginFirstDigit:       menus.DefaultLoginFirstDigit,
			LoginInterDigit:       menus.DefaultLoginInterDigit,
			PINHashCost:           state.DefaultPINHashCost,
			LockoutFailures:       state.DefaultMaxFailures,
			LockoutWindow:         state.DefaultFailureWindow,
			LockoutDuration:       state.DefaultLockout,
			LockoutMax:            state.DefaultLockoutMax,
			LockoutDailyFailures:  state.DefaultDailyMax,
			LockoutCallerFailures: state.DefaultCallerMax,
			LockoutDailyWindow:    state.DefaultDailyWindow,
			SessionTTL:            state.DefaultSessionTTL,
			MinMessage:            2 * time.Second,
			MaxMessage:            5 * time.Minute,
			MaxSilence:            10 * time.Second,
			MaxMessages:           state.DefaultMaxMessages,
			Review:                true,
			Envelope:              true,
			SayDuration:           true,
			ForceName:             true,
			MinPassword:           menus.DefaultMinPasswordLength,
			MaxGreeting:           menus.DefaultMaxGreetingSeconds * time.Second,
			MWIContext:            "voicemail-mwi",
		},
		Ops:     OpsConfig{Listen: "127.0.0.1:9090"},
		Janitor: defaultJanitorConfig(),
		Admin:   AdminConfig{AuditMax: state.DefaultAuditMax, Sox: "sox"},
		Web:     defaultWebConfig(),
		Mail:    defaultMailConfig(),
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
// Each of commands registers the flags of a command on the flag set; they
// are parsed with the others but are no settings (see commandFlag).
func loadConfig(args []string, environ func(string) string, commands ...func(*pflag.FlagSet)) (Config, []string, error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(DefaultConfig(), "koanf"), nil); err != nil {
		return Config{}, nil, fmt.Errorf("%w: defaults: %v", ErrInvalidConfig, err)
	}
	fs := pflag.NewFlagSet("voicemail", pflag.ContinueOnError)
	configPath := fs.String("config", environ("VOICEMAIL_CONFIG"), "YAML configuration file")
	for _, key := range k.Keys() {
		if key == "mailboxes" || key == "admin.tokens" {
			continue
		}
		fs.String(key, "", "overrides "+key)
	}
	for _, register := range commands {
		register(fs)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("%w: flags: %v", ErrInvalidConfig, err)
	}
	if err := noSecretFlags(fs); err != nil {
		return Config{}, nil, err
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
		if f.Name == "config" || !f.Changed || f.Annotations[commandFlag] != nil {
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

// secretFlags are the settings refused on the command line, with where to
// give them instead: every user of the machine sees a process's arguments
// (ps, /proc/PID/cmdline) and shells keep them in their history.
var secretFlags = map[string]string{
	"ari.password":            "VOICEMAIL_ARI_PASSWORD or ari.password_file",
	"redis.password":          "VOICEMAIL_REDIS_PASSWORD or redis.password_file",
	"redis.sentinel_password": "VOICEMAIL_REDIS_SENTINEL_PASSWORD or redis.sentinel_password_file",
	"mail.smtp_password":      "VOICEMAIL_MAIL_SMTP_PASSWORD or mail.smtp_password_file",
}

// noSecretFlags refuses a password given as a flag, without quoting it.
func noSecretFlags(fs *pflag.FlagSet) error {
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if instead, ok := secretFlags[f.Name]; ok && err == nil {
			err = fmt.Errorf("%w: --%s: passwords are not taken from the command line, where other users see them; use %s",
				ErrInvalidConfig, f.Name, instead)
		}
	})
	return err
}

// readSecrets fills the passwords given as files.
func (c *Config) readSecrets() error {
	for _, s := range []struct {
		name, file string // the settings: name.password and name.password_file, or name and name_file
		password   *string
		def        string // the default, which a file may replace
	}{
		{"ari.password", c.ARI.PasswordFile, &c.ARI.Password, DefaultConfig().ARI.Password},
		{"redis.password", c.Redis.PasswordFile, &c.Redis.Password, ""},
		{"redis.sentinel_password", c.Redis.SentinelPasswordFile, &c.Redis.SentinelPassword, ""},
		{"mail.smtp_password", c.Mail.SMTPPasswordFile, &c.Mail.SMTPPassword, ""},
	} {
		if s.file == "" {
			continue
		}
		if *s.password != s.def {
			return fmt.Errorf("%w: %s and %s_file are both set: use one", ErrInvalidConfig, s.name, s.name)
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			return fmt.Errorf("%w: %s_file: %v", ErrInvalidConfig, s.name, err)
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" || strings.ContainsAny(pw, "\r\n") {
			return fmt.Errorf("%w: %s_file %s: want one line holding the password", ErrInvalidConfig, s.name, s.file)
		}
		*s.password = pw
	}
	if f := c.Voicemail.PINPepperFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("%w: voicemail.pin_pepper_file: %v", ErrInvalidConfig, err)
		}
		c.Voicemail.pinPepper = strings.TrimRight(string(b), "\r\n")
		if c.Voicemail.pinPepper == "" {
			return fmt.Errorf("%w: voicemail.pin_pepper_file %s is empty", ErrInvalidConfig, f)
		}
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
	// Validate refuses credentials in ARI URLs; a Config built another way
	// may still hold them.
	c.ARI.URL = redactURL(c.ARI.URL)
	urls := make([]string, len(c.ARI.URLs))
	for i, u := range c.ARI.URLs {
		urls[i] = redactURL(u)
	}
	if c.ARI.URLs != nil {
		c.ARI.URLs = urls
	}
	c.Redis.Password = hide(c.Redis.Password)
	c.Redis.SentinelPassword = hide(c.Redis.SentinelPassword)
	c.Mail.SMTPPassword = hide(c.Mail.SMTPPassword)
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

// redactURL returns raw with whatever stands between "://" and the last "@"
// of its authority (user and password) replaced by [redacted]: so that an
// error or a dump never quotes a password, even from a URL that does not
// parse.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	return scheme + "://" + redacted + rest[at:]
}

// checkARIURLs refuses an empty, malformed or repeated ARI URL: two
// connections to one Asterisk would take every call twice. It refuses
// credentials in a URL too (they would show in dumps, errors and logs:
// ari.username and ari.password are the place), and never quotes them.
func checkARIURLs(urls []string) error {
	if len(urls) > 16 {
		return fmt.Errorf("%w: ari.urls lists %d servers; at most 16", ErrInvalidConfig, len(urls))
	}
	seen := map[string]bool{}
	for _, raw := range urls {
		shown := redactURL(raw)
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: ARI URL %q: want http(s)://host:port/ari", ErrInvalidConfig, shown)
		}
		if u.User != nil || shown != raw {
			return fmt.Errorf("%w: ari.url or ari.urls: ARI URL %q holds credentials: set ari.username, and the password in VOICEMAIL_ARI_PASSWORD or ari.password_file", ErrInvalidConfig, shown)
		}
		key := u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/")
		if seen[key] {
			return fmt.Errorf("%w: ARI URL %q is listed twice", ErrInvalidConfig, shown)
		}
		seen[key] = true
	}
	return nil
}

// Validate checks every setting: those of the store and of the menus
// through their packages' validators, the others (ARI, Redis connection,
// instance, ops, log, recording bounds, janitor, mailboxes) here.
func (c Config) Validate() error {
	if err := checkARIURLs(c.ariURLs()); err != nil {
		return err
	}
	switch {
	case c.ARI.URL == "" && len(c.ARI.URLs) == 0:
		return fmt.Errorf("%w: ari.url is empty", ErrInvalidConfig)
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
	// The settings of each ARI client are the ari package's to check
	// (ari.Config.Validate); app checks the list of URLs above.
	for _, u := range c.ariURLs() {
		if err := c.ariConfig(u).Validate(); err != nil {
			keys := ariKeys
			if len(c.ARI.URLs) > 0 {
				keys = ariURLsKeys
			}
			return settingError(err, keys)
		}
	}
	if err := c.Redis.validate(); err != nil {
		return err
	}
	// The settings of the store and of the menus are theirs to check
	// (state.Config.Validate, menus.Config.Validate); their errors name
	// the setting here.
	if err := c.stateConfig().Validate(); err != nil {
		return settingError(err, stateKeys)
	}
	v := c.Voicemail
	loc, err := loadLocation(v.Timezone)
	if err != nil {
		return fmt.Errorf("%w: voicemail.timezone %q: %v", ErrInvalidConfig, v.Timezone, err)
	}
	if err := c.menusConfig(loc).Validate(); err != nil {
		return settingError(err, menusKeys)
	}
	switch {
	case v.MinMessage < 0 || v.MaxMessage < time.Second || v.MinMessage >= v.MaxMessage:
		return fmt.Errorf("%w: voicemail.min_message %s and max_message %s: need 0 <= min < max, max >= 1s", ErrInvalidConfig, v.MinMessage, v.MaxMessage)
	case v.MaxSilence < 0 || (v.MaxSilence > 0 && v.MaxSilence < time.Second):
		return fmt.Errorf("%w: voicemail.max_silence %s: use 0 (off) or at least 1s", ErrInvalidConfig, v.MaxSilence)
	case v.MaxGreeting%time.Second != 0:
		return fmt.Errorf("%w: voicemail.max_greeting %s: use whole seconds", ErrInvalidConfig, v.MaxGreeting)
	case !validAppName(v.MWIContext):
		return fmt.Errorf("%w: voicemail.mwi_context %q", ErrInvalidConfig, v.MWIContext)
	}
	if err := c.Admin.validate(); err != nil {
		return err
	}
	if err := c.Web.validate(); err != nil {
		return err
	}
	if err := c.Janitor.validate(v); err != nil {
		return err
	}
	if err := c.validateMail(); err != nil {
		return err
	}
	for _, m := range c.Mailboxes {
		if m.Language != "" && validLang(m.Language) == "" {
			return fmt.Errorf("%w: mailbox %s: language %q: use a code such as en or fr_CA", ErrInvalidConfig, m.Mailbox, m.Language)
		}
		for key, d := range map[string]*time.Duration{"min_message": m.MinMessage, "max_message": m.MaxMessage, "max_silence": m.MaxSilence} {
			if d != nil && *d%time.Second != 0 {
				return fmt.Errorf("%w: mailbox %s: %s %s: use whole seconds", ErrInvalidConfig, m.Mailbox, key, *d)
			}
		}
		if err := m.options().Validate(); err != nil {
			return fmt.Errorf("%w: mailbox %s: %v (min_secs, max_secs and max_silence are min_message, max_message and max_silence)",
				ErrInvalidConfig, m.Mailbox, err)
		}
		if m.Timezone != "" {
			if _, err := time.LoadLocation(m.Timezone); err != nil {
				return fmt.Errorf("%w: mailbox %s: timezone %q: use an IANA name such as Europe/Paris", ErrInvalidConfig, m.Mailbox, m.Timezone)
			}
		}
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

// validate checks the Redis settings that go-redis would only refuse, or
// misread, at the first connection.
func (r RedisConfig) validate() error {
	what := "server"
	switch {
	case r.MasterName != "":
		what = "Sentinel"
	case len(r.Addrs) > 1:
		what = "Cluster node"
	}
	seen := map[string]bool{}
	for _, a := range r.Addrs {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: redis.addrs: %s %q: want host:port", ErrInvalidConfig, what, a)
		}
		if seen[strings.ToLower(a)] {
			return fmt.Errorf("%w: redis.addrs lists %s %s twice", ErrInvalidConfig, what, a)
		}
		seen[strings.ToLower(a)] = true
	}
	switch {
	case r.MasterName != "" && !validSentinelName(r.MasterName):
		return fmt.Errorf("%w: redis.master_name %q: use 1 to 64 letters, digits, '.', '-' and '_' (the name in sentinel.conf)", ErrInvalidConfig, r.MasterName)
	case r.MasterName == "" && r.SentinelPassword != "":
		return fmt.Errorf("%w: redis.sentinel_password needs redis.master_name (Sentinel mode)", ErrInvalidConfig)
	}
	return nil
}

// validSentinelName reports whether s is a master name we accept: the
// characters of an instance id, which Sentinel takes as one word.
func validSentinelName(s string) bool {
	return validInstanceID(s)
}

// stateConfig is the state.Config that c describes: the store owns these
// settings' defaults and ranges.
func (c Config) stateConfig() state.Config {
	return state.Config{
		DefaultPIN:        c.Voicemail.DefaultPIN,
		PINHashCost:       c.Voicemail.PINHashCost,
		PINPepper:         c.Voicemail.pinPepper,
		MaxFailures:       c.Voicemail.LockoutFailures,
		FailureWindow:     c.Voicemail.LockoutWindow,
		LockoutDuration:   c.Voicemail.LockoutDuration,
		LockoutMax:        c.Voicemail.LockoutMax,
		DailyMaxFailures:  c.Voicemail.LockoutDailyFailures,
		CallerMaxFailures: c.Voicemail.LockoutCallerFailures,
		DailyWindow:       c.Voicemail.LockoutDailyWindow,
		SessionTTL:        c.Voicemail.SessionTTL,
		MaxMessages:       c.Voicemail.MaxMessages,
		MinReplicas:       c.Redis.MinReplicas,
		ReplicaWait:       c.Redis.ReplicaWait,
		AuditMax:          c.Admin.AuditMax,
	}
}

// stateKeys names the setting of each state.Config field.
var stateKeys = map[string]string{
	"DefaultPIN":        "voicemail.default_pin",
	"PINHashCost":       "voicemail.pin_hash_cost",
	"PINPepper":         "voicemail.pin_pepper_file",
	"MaxFailures":       "voicemail.lockout_failures",
	"FailureWindow":     "voicemail.lockout_window",
	"LockoutDuration":   "voicemail.lockout_duration",
	"LockoutMax":        "voicemail.lockout_max",
	"DailyMaxFailures":  "voicemail.lockout_daily_failures",
	"CallerMaxFailures": "voicemail.lockout_caller_failures",
	"DailyWindow":       "voicemail.lockout_daily_window",
	"SessionTTL":        "voicemail.session_ttl",
	"MaxMessages":       "voicemail.max_messages",
	"MinReplicas":       "redis.min_replicas",
	"ReplicaWait":       "redis.replica_wait",
	"AuditMax":          "admin.audit_max",
}

// menusConfig is the menus.Config that c describes, speaking times in loc:
// the menus own these settings' defaults and ranges.
func (c Config) menusConfig(loc *time.Location) menus.Config {
	return menus.Config{
		MaxLogins:          c.Voicemail.MaxLogins,
		MaxRepeats:         c.Voicemail.MaxRepeats,
		MenuTimeout:        c.Voicemail.MenuTimeout,
		LoginFirstDigit:    c.Voicemail.LoginFirstDigit,
		LoginInterDigit:    c.Voicemail.LoginInterDigit,
		Location:           loc,
		DefaultPIN:         c.Voicemail.DefaultPIN,
		MinPasswordLength:  c.Voicemail.MinPassword,
		MaxGreetingSeconds: int(c.Voicemail.MaxGreeting / time.Second),
	}
}

// callConfig is the call.Config that c describes.
func (c Config) callConfig() call.Config {
	return call.Config{Defaults: c.Voicemail.settings()}
}

// menusKeys names the setting of each menus.Config field.
var menusKeys = map[string]string{
	"MaxLogins":          "voicemail.max_logins",
	"MaxRepeats":         "voicemail.max_repeats",
	"MenuTimeout":        "voicemail.menu_timeout",
	"LoginFirstDigit":    "voicemail.login_first_digit",
	"LoginInterDigit":    "voicemail.login_inter_digit",
	"Location":           "voicemail.timezone",
	"DefaultPIN":         "voicemail.default_pin",
	"MinPasswordLength":  "voicemail.min_password",
	"MaxGreetingSeconds": "voicemail.max_greeting",
}

// settingError turns the error of a package's Config.Validate into one
// that wraps ErrInvalidConfig and names the setting, by keys (the package's
// field to the setting).
func settingError(err error, keys map[string]string) error {
	field, reason := "", err.Error()
	var se *state.ConfigError
	var me *menus.ConfigError
	var ae *ari.ConfigError
	switch {
	case errors.As(err, &se):
		field, reason = se.Field, se.Reason
	case errors.As(err, &me):
		field, reason = me.Field, me.Reason
	case errors.As(err, &ae):
		field, reason = ae.Field, ae.Reason
	}
	if key, ok := keys[field]; ok {
		return fmt.Errorf("%w: %s %s", ErrInvalidConfig, key, reason)
	}
	return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
}

// ariConfig is the ari.Config of the client for the Asterisk at url: the
// ari package owns these settings' defaults and ranges.
func (c Config) ariConfig(url string) ari.Config {
	return ari.Config{
		URL:             url,
		Username:        c.ARI.Username,
		Password:        c.ARI.Password,
		Timeout:         c.ARI.RequestTimeout,
		Connections:     c.ARI.Connections,
		MoveConnections: c.ARI.MoveConnections,
	}
}

// ariKeys names the setting of each ari.Config field; ariURLsKeys when
// ari.urls lists the servers.
var (
	ariKeys = map[string]string{
		"URL":             "ari.url",
		"Username":        "ari.username",
		"Timeout":         "ari.request_timeout",
		"Connections":     "ari.connections",
		"MoveConnections": "ari.move_connections",
	}
	ariURLsKeys = map[string]string{
		"URL":             "ari.urls",
		"Username":        "ari.username",
		"Timeout":         "ari.request_timeout",
		"Connections":     "ari.connections",
		"MoveConnections": "ari.move_connections",
	}
)
