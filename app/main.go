package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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

flags: --config FILE, and --SECTION.KEY VALUE for every setting of
deploy/voicemail.example.yaml (VOICEMAIL_SECTION_KEY in the environment).
`

// Main runs the voicemail command with args (without the program name) and
// returns the process exit code. ctx ends on SIGTERM or SIGINT. The output
// of commands goes to stdout, errors to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, rest, err := loadConfig(args, os.Getenv)
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
	if len(rest) > 0 {
		var err error
		switch rest[0] {
		case "config":
			err = printConfig(cfg, stdout)
		case "lockout", "unlock":
			err = lockoutCommand(ctx, cfg, log, rest[1:], rest[0] == "unlock", stdout)
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
