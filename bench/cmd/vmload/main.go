// Command vmload drives concurrent voicemail calls through the testenv
// Asterisk (testenv/up) and prints what they cost: success rate,
// DTMF-to-prompt latency, the app's CPU and memory per live call, Redis
// commands per call, and the highest concurrency without a failed call.
//
//	eval "$(testenv/where)"
//	go run ./bench/cmd/vmload -flow listen -steps 1,10,20
//
// It only ever talks to loopback addresses. See BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/bench/load"
	"github.com/clusterpbx/voicemail/testenv"
)

func main() {
	os.Exit(run())
}

func run() int {
	var o load.Options
	fs := flag.NewFlagSet("vmload", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/cmd/vmload [flags]\n\n"+
			"Runs the voicemail app (Stasis app voicemail-load) against the testenv Asterisk\n"+
			"and drives calls into the [vm-load] dialplan context, one concurrency step at a\n"+
			"time; stops after the first step with a failed call. Needs testenv/up and the\n"+
			"environment that testenv/where prints (eval \"$(testenv/where)\").\n\nFlags:\n")
		fs.PrintDefaults()
	}
	steps := fs.String("steps", "", "concurrency levels, comma-separated (default 1,10,20,… up to -max)")
	fs.IntVar(&o.MaxConcurrency, "max", 50, "highest concurrency of the default steps, and bound of -steps")
	fs.StringVar(&o.Caller, "caller", load.CallerLocal, "local (Local channels driven through ARI) or sipp (SIP calls with RFC 4733 keys, one sipp per step; needs root)")
	fs.StringVar(&o.Target, "target", load.TargetOurs, "with -caller sipp: ours (this app), avm (Asterisk's app_voicemail) or both, side by side")
	fs.IntVar(&o.SIPRate, "sip-rate", 50, "with -caller sipp: most new calls per second (stretches -ramp)")
	fs.BoolVar(&o.Timeline, "timeline", false, "with -caller sipp: print one call's prompts and keys per step")
	fs.BoolVar(&o.Follow, "follow", false, "with -caller sipp: follow this app's calls through a second ARI app, for Asterisk's timestamps of key → prompt (makes Asterisk send the calls' events twice: off for side-by-side figures)")
	fs.StringVar(&o.Schedule, "schedule", "", "with -caller sipp: replace the key schedule, SECONDS:KEYS,… from the answer (with -timeline, to see where prompts end)")
	fs.DurationVar(&o.ScheduleLength, "schedule-length", 0, "with -schedule: how long the caller stays (default 120s)")
	fs.StringVar(&o.Flow, "flow", load.FlowListen, "listen (*97, PIN, 1, 9 2, #), deposit (leave a message) or mixed")
	fs.IntVar(&o.Rounds, "rounds", 1, "calls each concurrent slot places one after another per step")
	fs.DurationVar(&o.Ramp, "ramp", 0, "spread the slots' first calls over this span (default 2s)")
	fs.DurationVar(&o.Think, "think", 0, "wait after a prompt starts before pressing keys (default 300ms)")
	fs.DurationVar(&o.Listen, "listen", 0, "how long the message plays before 9 (default 1s)")
	fs.StringVar(&o.ListenEnd, "listen-end", "save", "save (9 2: to Work, then #) or exit (the message to its end, then #)")
	fs.DurationVar(&o.Talk, "talk", 0, "how long a deposit's caller speaks (default 10s)")
	fs.DurationVar(&o.CallTimeout, "call-timeout", 0, "bound of each call (default 90s)")
	fs.DurationVar(&o.Settle, "settle", 0, "wait after a step before the after-readings (default 3s)")
	fs.BoolVar(&o.KeepGoing, "keep-going", false, "run every step even after a step with failures")
	fs.StringVar(&o.Redis, "redis", "", "host:port of the Redis for the app (default: a private redis-server); its -redis-db is flushed")
	fs.IntVar(&o.RedisDB, "redis-db", 0, "Redis database with -redis (default 7)")
	fs.StringVar(&o.AppBinary, "app-bin", "", "a built voicemail command (default: go build ./cmd/voicemail)")
	fs.StringVar(&o.ModuleDir, "module", ".", "module root to build the app from")
	fs.StringVar(&o.AppProfile, "app-profile", "", "run the app with profiling (bench/cmd/vmappprof): CPU profile of the steps in PREFIX.cpu, execution trace in PREFIX.trace, allocations in PREFIX.mem")
	fs.StringVar(&o.AppLogLevel, "app-log-level", "info", "the app's log.level")
	fs.IntVar(&o.ARIConnections, "ari-connections", 0, "the app's ari.connections, its pool of REST connections to Asterisk (default: the app's, 32)")
	fs.StringVar(&o.PINScheme, "pin-scheme", load.PINPepper, "how the app stores PINs: pepper (salted HMAC under a pepper file, as the README recommends) or bcrypt (at -pin-cost)")
	fs.IntVar(&o.PINHashCost, "pin-cost", 6, "with -pin-scheme bcrypt: the app's voicemail.pin_hash_cost (6, the default)")
	fs.StringVar(&o.Arrivals, "arrivals", load.ArrivalsSync, "with -caller sipp: sync (every call of a step starts within seconds, so their keys come together: the worst case) or poisson (calls arrive at random over one call's length, as independent callers do)")
	fs.Int64Var(&o.Seed, "seed", 0, "seed of -arrivals poisson (default: the clock; printed)")
	summary := fs.String("summary", "", "append the run's figures to this file as JSON lines (bench/cmd/vmtable makes BENCHMARKS.md's side-by-side table from them)")
	fs.StringVar(&o.App, "app", "voicemail-load", "Stasis app name of the app under test (never voicemail)")
	fs.StringVar(&o.DialplanContext, "context", "vm-load", "dialplan context with *97, depNUMBER and talk")
	fs.BoolVar(&o.KeepTemp, "keep", false, "keep the temporary directory (app config and log)")
	verbose := fs.Bool("v", false, "log progress to stderr")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *steps != "" {
		for f := range strings.SplitSeq(*steps, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				fmt.Fprintf(os.Stderr, "vmload: -steps: %q is not a number\n", f)
				return 2
			}
			o.Steps = append(o.Steps, n)
		}
	}
	env, err := testenv.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmload:", err)
		return 2
	}
	o.ARIURL, o.ARIUser, o.ARIPass = env.ARIURL, env.ARIUser, env.ARIPass
	o.SIPTarget = env.SIP
	o.Spool = os.Getenv("VOICEMAIL_TEST_VOICEMAIL_SPOOL")
	o.Out = os.Stdout
	o.Log = zap.NewNop()
	if *verbose {
		cfg := zap.NewDevelopmentConfig()
		cfg.DisableStacktrace = true
		if l, err := cfg.Build(); err == nil {
			o.Log = l
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	rep, err := load.Run(ctx, o)
	if rep != nil {
		rep.Print(os.Stdout)
		if *summary != "" {
			if serr := appendSummary(*summary, rep); serr != nil {
				fmt.Fprintln(os.Stderr, "vmload:", serr)
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmload:", err)
		return 1
	}
	return 0
}

// appendSummary appends rep's steps to path as JSON lines.
func appendSummary(path string, rep *load.Report) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	if err := rep.WriteSummary(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
