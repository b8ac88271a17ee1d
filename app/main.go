package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
)

// Usage lists the commands of Main.
const Usage = `usage: voicemail [flags] [command]

commands:
  (none)              run the voicemail app
  config              print the effective configuration, secrets redacted
  lockout MAILBOX...  show the PIN lockout of mailboxes (NUMBER[@CONTEXT])
  unlock MAILBOX...   clear the PIN lockout of mailboxes (logged)
  fsck [--repair [--force]] [--json]
                      report orphan audio, pointers at missing audio, and
                      records and message-waiting versions that disagree;
                      --repair fixes what is safe (exit status 1: problems left)
  mail list [--json]  the email notifications waiting to be sent, and the
                      dead letters (given up on)
  mail retry MAILBOX/ID...|dead
                      queue a dead letter again (or try a waiting one now)
  mail drop MAILBOX/ID...|dead
                      delete notifications for good
  mailbox add MAILBOX [--name N] [--email E] [--language L] [--review true|false] [--hidden]
              [--pin-stdin | --pin-env VAR] [--must-change=false]
                      create a mailbox; without a PIN, a one-time PIN is
                      generated and printed once
  mailbox list [--context C] [--search S] [--after MAILBOX] [--limit N]
  mailbox show MAILBOX
  mailbox set MAILBOX [--name N] [--email E] [--language L] [--review true|false|default]
              [--hidden=true|false]
  mailbox delete MAILBOX --yes
                      delete a mailbox with its messages, greetings and audio
  mailbox reset-pin MAILBOX [--pin-stdin | --pin-env VAR] [--must-change=false]
                      set a PIN, or generate a one-time PIN; clears the lockout
  message list MAILBOX [--folder F]
  message move MAILBOX MESSAGE FOLDER
  message delete MAILBOX MESSAGE... --yes
  message export MAILBOX [MESSAGE...] [--folder F] [--out DIR]
                      write MESSAGE.wav and MESSAGE.json for each message
  token NAME          make an admin API token and print its configuration
  import --conf voicemail.conf [--spool DIR] [--recordings DIR] [--dry-run]
                      bring app_voicemail's mailboxes, messages and greetings
                      over; idempotent; prints what was imported, skipped, why
  export --spool DIR [--recordings DIR] [--formats wav|gsm] [--export-context C]
         [--dry-run]  write the messages and greetings as app_voicemail's
                      spool (the way back); merges, idempotent

The mailbox and message commands talk to Redis (and to Asterisk for audio)
directly, check what the admin API checks and record the same audit trail;
--json prints the API's JSON. PINs are never taken from the command line.
FOLDER is new, old, work, family or friends. See docs/admin.md.

flags: --config FILE, and --SECTION.KEY VALUE for every setting of
deploy/voicemail.example.yaml (VOICEMAIL_SECTION_KEY in the environment).
`

// Main runs the voicemail command with args (without the program name) and
// returns the process exit code. ctx ends on SIGTERM or SIGINT. The output
// of commands goes to stdout, errors to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var fsckOpts *fsckOptions
	var adminOpts *adminOptions
	var migrateOpts *migrateOptions
	var flags *pflag.FlagSet
	cfg, rest, err := loadConfig(args, os.Getenv, func(fs *pflag.FlagSet) {
		flags, fsckOpts, adminOpts, migrateOpts = fs, fsckFlags(fs), adminFlags(fs), migrateFlags(fs)
	})
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprint(stderr, Usage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	log, err := NewLogger(cfg.Log)
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	if msg := misplacedFlag(flags, rest); msg != "" {
		fmt.Fprintln(stderr, "voicemail:", msg)
		return 2
	}
	if len(rest) > 0 {
		var err error
		switch rest[0] {
		case "config":
			err = printConfig(cfg, stdout)
		case "lockout", "unlock":
			err = lockoutCommand(ctx, cfg, log, rest[1:], rest[0] == "unlock", stdout)
		case "fsck":
			if len(rest) > 1 {
				err = fmt.Errorf("%w: fsck takes no arguments, got %q", ErrInvalidConfig, rest[1])
				break
			}
			err = fsckCommand(ctx, cfg, log, *fsckOpts, stdout)
		case "mailbox", "message":
			err = adminCommand(ctx, cfg, log, rest, adminOpts, fsckOpts.JSON, os.Stdin, stdout, os.Getenv)
		case "token":
			err = tokenCommand(rest[1:], stdout)
		case "mail":
			err = mailCommand(ctx, cfg, log, rest[1:], fsckOpts.JSON, stdout)
		case "import", "export":
			err = migrateCommand(ctx, cfg, log, rest, migrateOpts, fsckOpts.JSON, stdout, os.Getenv)
		default:
			fmt.Fprintf(stderr, "voicemail: unknown command %q\n%s", rest[0], Usage)
			return 2
		}
		if err != nil {
			fmt.Fprintln(stderr, "voicemail:", err)
			if errors.Is(err, ErrInvalidConfig) {
				return 2
			}
			return 1
		}
		return 0
	}
	logStartupWarnings(log, cfg)
	a, err := New(cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("voicemail failed", zap.Error(err))
		return 1
	}
	return 0
}

// misplacedFlag returns why a command's flag given to another command (or
// to none) is refused, or "" when every flag given belongs.
func misplacedFlag(fs *pflag.FlagSet, rest []string) string {
	cmd := ""
	if len(rest) > 0 {
		cmd = rest[0]
	}
	msg := ""
	fs.Visit(func(f *pflag.Flag) {
		owners := f.Annotations[commandFlag]
		if msg == "" && len(owners) > 0 && !slices.Contains(owners, cmd) {
			msg = fmt.Sprintf("--%s is a flag of the %s command", f.Name, strings.Join(owners, " and "))
		}
	})
	return msg
}
