package load

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// ErrInvalidOptions is wrapped by every error about Options.
var ErrInvalidOptions = errors.New("load: invalid options")

// The flows a load run can drive.
const (
	// FlowListen: *97 as the mailbox, PIN, 1, the message audio starts, 9
	// 2 (save to Work; or # to leave, see Options.ListenEnd), #, goodbye.
	FlowListen = "listen"
	// FlowDeposit: a message left after the greeting: #, Options.Talk of
	// speech, # to end the recording, "message saved".
	FlowDeposit = "deposit"
	// FlowMixed alternates the two, slot by slot.
	FlowMixed = "mixed"
)

// The callers a load run can use.
const (
	// CallerLocal places Local channels from an ARI app of the tool's own
	// and follows the prompts by their ARI events.
	CallerLocal = "local"
	// CallerSIP places SIP calls with sipp (Debian's sip-tester), one
	// process per step and target, with RFC 4733 keys at fixed offsets.
	CallerSIP = "sipp"
)

// The voicemail applications a SIP run can call.
const (
	// TargetOurs is this app (Stasis app voicemail-load).
	TargetOurs = "ours"
	// TargetAVM is Asterisk's app_voicemail ([avm-load]).
	TargetAVM = "avm"
	// TargetBoth runs every step against both, ours first.
	TargetBoth = "both"
)

// How SIP calls arrive (Options.Arrivals).
const (
	ArrivalsSync    = "sync"
	ArrivalsPoisson = "poisson"
)

// How the app stores PINs (Options.PINScheme).
const (
	PINPepper = "pepper"
	PINBcrypt = "bcrypt"
)

// Options configure a load run. Zero fields take the defaults named on each;
// [Run] validates them.
type Options struct {
	// ARIURL, ARIUser and ARIPass reach the testenv Asterisk. The host must
	// be a loopback address: load is never sent anywhere else.
	ARIURL, ARIUser, ARIPass string
	// App is the Stasis application the voicemail instance under test
	// registers. Default "voicemail-load"; "voicemail" is refused (the
	// integration tests own it).
	App string
	// DialplanContext holds *97, depNUMBER and talk, routed to App. Default
	// "vm-load" (testenv/asterisk/extensions.conf).
	DialplanContext string
	// MailboxContext is the voicemail context of the mailboxes the run
	// provisions. It must match the dialplan. Default "vmload".
	MailboxContext string

	// Redis is host:port of the Redis the app uses; "" starts a private
	// redis-server (the default, so that INFO commandstats counts the
	// app's commands only). A given Redis must be on loopback; its DB
	// RedisDB is flushed at the start and at the end.
	Redis string
	// RedisDB is the database number on Redis. Default 7 when Redis is set.
	RedisDB int

	// AppBinary is a built voicemail command; "" builds ./cmd/voicemail of
	// the module in ModuleDir into the run's temporary directory.
	AppBinary string
	// ModuleDir is the module root to build from. Default ".".
	ModuleDir string
	// AppProfile, when set, runs bench/cmd/vmappprof (the app with
	// profiling) instead of cmd/voicemail, and writes the app's CPU profile
	// over the steps to AppProfile+".cpu", its execution trace to
	// AppProfile+".trace" and its allocations to AppProfile+".mem".
	// AppBinary must be empty.
	AppProfile string
	// AppLogLevel is the app's log.level. Default info (as deployed).
	AppLogLevel string
	// PINHashCost is the app's voicemail.pin_hash_cost. Default 6 (the
	// app's default); each login costs one bcrypt compare at this cost.
	PINHashCost int

	// Caller is CallerLocal or CallerSIP. Default CallerLocal.
	Caller string
	// Target is TargetOurs, TargetAVM or TargetBoth; anything but
	// TargetOurs needs CallerSIP. Default TargetOurs.
	Target string
	// SIPTarget is host:port of Asterisk's SIP transport (testenv's
	// VOICEMAIL_TEST_SIP), on loopback. Required with CallerSIP.
	SIPTarget string
	// SIPRate bounds how many SIP calls a second a step starts: the
	// step's ramp is stretched to conc/SIPRate when that is longer.
	// Default 50.
	SIPRate int
	// Spool is the host directory mounted as Asterisk's
	// /var/spool/asterisk/voicemail (testenv's
	// VOICEMAIL_TEST_VOICEMAIL_SPOOL), where app_voicemail's messages are
	// seeded and checked. Required with TargetAVM or TargetBoth.
	Spool string
	// Timeline prints, for one call of each SIP step, when Asterisk sent
	// prompts and when the keys came: to place a schedule's keys.
	Timeline bool
	// Follow has the SIP callers' ARI app follow this app's calls, for
	// Asterisk's own timestamps of each key and the prompt after it (the
	// report's DTMF-to-prompt section, the table's keys → prompt). Off by
	// default: a second app subscribed to the calls makes Asterisk encode
	// and send each of their events twice, a cost app_voicemail's calls do
	// not carry; the app's own clock (its /metrics) is read either way.
	Follow bool
	// Schedule replaces the built-in key schedule of the SIP callers, to
	// find where an app's prompts end: comma-separated SECONDS:KEYS
	// groups from the answer ("3:2580#,40:1"). ScheduleLength is then the
	// stream's length (default 120s).
	Schedule       string
	ScheduleLength time.Duration

	// Arrivals is how the SIP calls of a step arrive: ArrivalsSync (the
	// default) starts them at sipp's rate, as fast as SIPRate allows, so
	// that every call presses each key within the same few seconds (the
	// worst case); ArrivalsPoisson spaces them as independent callers
	// arrive, at random (exponential gaps), about as many as the step's
	// concurrency over one call's length, so that their keys come at
	// random times. Seed drives the draws (default: the clock, printed).
	Arrivals string
	Seed     int64

	// ARIConnections is the app's ari.connections (its pool of REST
	// connections to Asterisk); 0 leaves the app's default (32).
	ARIConnections int

	// PINScheme is how the app stores PINs: PINPepper (the default, as
	// the README recommends: a salted HMAC under a pepper file kept
	// outside Redis) or PINBcrypt (bcrypt at PINHashCost, for deployments
	// without a pepper).
	PINScheme string

	// Flow is FlowListen, FlowDeposit or FlowMixed. Default FlowListen.
	Flow string
	// Steps are the concurrency levels, run in order; the run stops after
	// the first level with a failed call unless KeepGoing. Default 1, 10,
	// 20, … up to MaxConcurrency.
	Steps []int
	// MaxConcurrency bounds Steps. Default 50.
	MaxConcurrency int
	// KeepGoing runs every step even after failures.
	KeepGoing bool
	// Rounds is how many calls each concurrent slot places one after
	// another in a step (SIP callers: rounds of the whole step, each
	// round's mailboxes prepared afresh). Default 1.
	Rounds int
	// Ramp spreads the first calls of a step's slots evenly over this
	// span. Default 2s.
	Ramp time.Duration

	// Think is how long the caller waits after a prompt starts before
	// pressing keys. Default 300ms.
	Think time.Duration
	// Listen is how long the message audio plays before 9 (or #). Default
	// 1s.
	Listen time.Duration
	// ListenEnd is "save" (9, 2: save to Work, then #) or "exit" (# at
	// the message menu). Default "save".
	ListenEnd string
	// Talk is how long a deposit's caller speaks. Default 10s.
	Talk time.Duration
	// CallTimeout bounds each call. Default 90s.
	CallTimeout time.Duration
	// Settle is how long to wait after a step's last call before the
	// after-measurements, so that late work (message-waiting settling
	// publications, session deletes) is counted. Default 3s.
	Settle time.Duration

	// KeepTemp keeps the temporary directory (app config and log).
	KeepTemp bool
	// Out receives the tables. Required.
	Out io.Writer
	// Log receives progress. Default zap.NewNop().
	Log *zap.Logger
}

func (o *Options) setDefaults() {
	if o.App == "" {
		o.App = "voicemail-load"
	}
	if o.DialplanContext == "" {
		o.DialplanContext = "vm-load"
	}
	if o.MailboxContext == "" {
		o.MailboxContext = "vmload"
	}
	if o.Redis != "" && o.RedisDB == 0 {
		o.RedisDB = 7
	}
	if o.ModuleDir == "" {
		o.ModuleDir = "."
	}
	if o.AppLogLevel == "" {
		o.AppLogLevel = "info"
	}
	if o.PINHashCost == 0 {
		o.PINHashCost = 6
	}
	if o.Caller == "" {
		o.Caller = CallerLocal
	}
	if o.Target == "" {
		o.Target = TargetOurs
	}
	if o.ScheduleLength == 0 {
		o.ScheduleLength = 120 * time.Second
	}
	if o.SIPRate == 0 {
		o.SIPRate = 50
	}
	if o.Flow == "" {
		o.Flow = FlowListen
	}
	if o.Arrivals == "" {
		o.Arrivals = ArrivalsSync
	}
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano()
	}
	if o.PINScheme == "" {
		o.PINScheme = PINPepper
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = 50
	}
	if len(o.Steps) == 0 {
		o.Steps = []int{1}
		for c := 10; c <= o.MaxConcurrency; c += 10 {
			o.Steps = append(o.Steps, c)
		}
	}
	if o.Rounds == 0 {
		o.Rounds = 1
	}
	if o.Ramp == 0 {
		o.Ramp = 2 * time.Second
	}
	if o.Think == 0 {
		o.Think = 300 * time.Millisecond
	}
	if o.Listen == 0 {
		o.Listen = time.Second
	}
	if o.ListenEnd == "" {
		o.ListenEnd = "save"
	}
	if o.Talk == 0 {
		o.Talk = 10 * time.Second
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = 90 * time.Second
	}
	if o.Settle == 0 {
		o.Settle = 3 * time.Second
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
}

func (o *Options) validate() error {
	u, err := url.Parse(o.ARIURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: ARI URL %q (run testenv/up and eval \"$(testenv/where)\")", ErrInvalidOptions, o.ARIURL)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("%w: ARI URL %q is not on loopback", ErrInvalidOptions, o.ARIURL)
	}
	if o.Redis != "" {
		host, _, err := net.SplitHostPort(o.Redis)
		if err != nil || !loopback(host) {
			return fmt.Errorf("%w: redis %q must be host:port on loopback", ErrInvalidOptions, o.Redis)
		}
	}
	switch {
	case o.App == "voicemail":
		return fmt.Errorf("%w: app %q belongs to the integration tests; use voicemail-load", ErrInvalidOptions, o.App)
	case o.Flow != FlowListen && o.Flow != FlowDeposit && o.Flow != FlowMixed:
		return fmt.Errorf("%w: flow %q: use listen, deposit or mixed", ErrInvalidOptions, o.Flow)
	case o.Caller != CallerLocal && o.Caller != CallerSIP:
		return fmt.Errorf("%w: caller %q: use local or sipp", ErrInvalidOptions, o.Caller)
	case o.Target != TargetOurs && o.Target != TargetAVM && o.Target != TargetBoth:
		return fmt.Errorf("%w: target %q: use ours, avm or both", ErrInvalidOptions, o.Target)
	case o.Target != TargetOurs && o.Caller != CallerSIP:
		return fmt.Errorf("%w: target %q needs -caller sipp (app_voicemail has no ARI events to follow)", ErrInvalidOptions, o.Target)
	case o.Caller == CallerSIP && o.Flow == FlowMixed:
		return fmt.Errorf("%w: flow mixed is not available with -caller sipp: run listen and deposit", ErrInvalidOptions)
	case o.Caller == CallerSIP && o.ListenEnd != "save":
		return fmt.Errorf("%w: -caller sipp runs listen-end save only", ErrInvalidOptions)
	case o.Target != TargetOurs && o.Spool == "":
		return fmt.Errorf("%w: target %q needs the voicemail spool (VOICEMAIL_TEST_VOICEMAIL_SPOOL)", ErrInvalidOptions, o.Target)
	case o.Arrivals != ArrivalsSync && o.Arrivals != ArrivalsPoisson:
		return fmt.Errorf("%w: arrivals %q: use sync or poisson", ErrInvalidOptions, o.Arrivals)
	case o.Arrivals == ArrivalsPoisson && o.Caller != CallerSIP:
		return fmt.Errorf("%w: arrivals poisson needs -caller sipp", ErrInvalidOptions)
	case o.PINScheme != PINPepper && o.PINScheme != PINBcrypt:
		return fmt.Errorf("%w: PIN scheme %q: use pepper or bcrypt", ErrInvalidOptions, o.PINScheme)
	case o.ARIConnections < 0 || o.ARIConnections > 1000:
		return fmt.Errorf("%w: ARI connections %d not in 0..1000", ErrInvalidOptions, o.ARIConnections)
	case o.SIPRate < 1:
		return fmt.Errorf("%w: SIP rate %d", ErrInvalidOptions, o.SIPRate)
	case o.ListenEnd != "save" && o.ListenEnd != "exit":
		return fmt.Errorf("%w: listen end %q: use save or exit", ErrInvalidOptions, o.ListenEnd)
	case o.MaxConcurrency < 1 || o.MaxConcurrency > slotLimit:
		return fmt.Errorf("%w: max concurrency %d not in 1..%d", ErrInvalidOptions, o.MaxConcurrency, slotLimit)
	case o.Rounds < 1 || o.Rounds > 50:
		return fmt.Errorf("%w: rounds %d not in 1..50", ErrInvalidOptions, o.Rounds)
	case o.RedisDB < 0 || o.RedisDB > 15:
		return fmt.Errorf("%w: redis db %d not in 0..15", ErrInvalidOptions, o.RedisDB)
	case o.AppProfile != "" && o.AppBinary != "":
		return fmt.Errorf("%w: app profile needs the app built here: drop the app binary", ErrInvalidOptions)
	case o.Out == nil:
		return fmt.Errorf("%w: Out is nil", ErrInvalidOptions)
	}
	if o.Caller == CallerSIP {
		host, _, err := net.SplitHostPort(o.SIPTarget)
		if err != nil || !loopback(host) {
			return fmt.Errorf("%w: SIP target %q must be host:port on loopback (VOICEMAIL_TEST_SIP)", ErrInvalidOptions, o.SIPTarget)
		}
	}
	for _, c := range o.Steps {
		if c < 1 || c > o.MaxConcurrency {
			return fmt.Errorf("%w: step %d not in 1..%d (max concurrency)", ErrInvalidOptions, c, o.MaxConcurrency)
		}
	}
	return nil
}

// loopback reports whether host is a loopback IP or "localhost".
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// targets are the applications each step calls, in order.
func (o *Options) targets() []string {
	if o.Target == TargetBoth {
		return []string{TargetOurs, TargetAVM}
	}
	return []string{o.Target}
}

// maxSlots is the most concurrent calls of any step: the number of
// mailboxes of each kind to provision.
func (o *Options) maxSlots() int {
	m := 0
	for _, c := range o.Steps {
		m = max(m, c)
	}
	return m
}

// ariPort is the TCP port of ARIURL (validated): 80 or 443 when the URL
// names none.
func (o *Options) ariPort() uint16 {
	u, err := url.Parse(o.ARIURL)
	if err != nil {
		return 0
	}
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		return uint16(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}
