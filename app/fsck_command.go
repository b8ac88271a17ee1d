package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
)

// commandFlag marks (as a pflag annotation) the flags that belong to a
// command rather than to a setting, so that loadConfig leaves them out of
// the configuration.
const commandFlag = "command"

// fsckFlags registers the flags of voicemail fsck on fs and returns where
// they land.
func fsckFlags(fs *pflag.FlagSet) *fsckOptions {
	o := &fsckOptions{}
	fs.BoolVar(&o.Repair, "repair", false, "fsck: repair what is safe to repair")
	fs.BoolVar(&o.JSON, "json", false, "fsck, mailbox, message, mail list, import, export: print JSON")
	fs.BoolVar(&o.Force, "force", false, "fsck --repair: delete orphans past grace even when the janitor holds back")
	for _, name := range []string{"repair", "force"} {
		_ = fs.SetAnnotation(name, commandFlag, []string{"fsck"})
	}
	// --json is shared with the mailbox and message commands (admin_cli.go)
	// and mail list (mail_command.go).
	_ = fs.SetAnnotation("json", commandFlag, []string{"fsck", "mailbox", "message", "mail", "import", "export"})
	return o
}

// fsckCommand checks (and with opts.Repair repairs) the audio and the
// records pointing at it, talking to Redis and to every Asterisk of cfg
// directly, and writes the report to out.
func fsckCommand(ctx context.Context, cfg Config, log *zap.Logger, opts fsckOptions, out io.Writer) error {
	if opts.Force && !opts.Repair {
		return fmt.Errorf("%w: --force only goes with --repair", ErrInvalidConfig)
	}
	redisTLS, err := cfg.redisTLS()
	if err != nil {
		return err
	}
	rdb := newRedis(cfg.Redis, redisTLS)
	defer func() { _ = rdb.Close() }()
	store, err := newStore(cfg, rdb, log)
	if err != nil {
		return fmt.Errorf("app: state: %w", err)
	}
	nodes, err := newNodes(cfg, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, fsckTimeout)
	defer cancel()
	rep, err := newFsck(cfg, store, nodes, log.Named("fsck")).run(ctx, opts)
	if rep == nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(rep); werr != nil {
			return werr
		}
	} else {
		writeFsckReport(out, rep)
	}
	return err
}

// fsckListMax bounds the orphans listed one per line in the text report.
const fsckListMax = 50

// writeFsckReport writes rep for people.
func writeFsckReport(w io.Writer, rep *FsckReport) {
	fmt.Fprintf(w, "checked %d stored recordings (%d of ours), %d mailboxes, %d messages, %d greetings, %d live sessions\n",
		rep.Stored, rep.Ours, rep.Mailboxes, rep.Messages, rep.Greetings, rep.Sessions)
	past := 0
	for _, o := range rep.Orphans {
		if o.PastGrace {
			past++
		}
	}
	fmt.Fprintf(w, "orphan audio: %d (%d past the %s grace)\n", len(rep.Orphans), past, rep.Grace)
	for i, o := range rep.Orphans {
		if i == fsckListMax {
			fmt.Fprintf(w, "  ... and %d more (--json lists them all)\n", len(rep.Orphans)-fsckListMax)
			break
		}
		seen := "not seen by the janitor yet"
		if o.FirstSeen != nil {
			seen = "an orphan for " + rep.Now.Sub(*o.FirstSeen).Round(time.Second).String()
		}
		mark := ""
		if o.Removed {
			mark = "  [deleted]"
		}
		fmt.Fprintf(w, "  %s: %s%s\n", o.Recording, seen, mark)
	}
	if rep.Held {
		fmt.Fprintln(w, "  held: too many orphans past grace to delete without --force; check the Redis and the recordings first")
	}
	fmt.Fprintf(w, "problems: %d\n", len(rep.Problems))
	for _, p := range rep.Problems {
		what := p.Mailbox
		switch {
		case p.Message != "":
			what += " message " + p.Message
		case p.Greeting != "":
			what += " greeting " + p.Greeting
		}
		line := fmt.Sprintf("  %s %s: %s", p.Kind, what, p.Detail)
		if p.Recording != "" {
			line += " (" + p.Recording + ")"
		}
		if p.Repair != "" {
			line += "  [" + p.Repair + "]"
		}
		fmt.Fprintln(w, line)
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	left := rep.Found - rep.Repaired
	switch {
	case rep.Found == 0:
		fmt.Fprintln(w, "clean")
	case rep.Repair:
		fmt.Fprintf(w, "%d found, %d repaired, %d left\n", rep.Found, rep.Repaired, left)
	default:
		fmt.Fprintf(w, "%d found; run with --repair to fix what is safe\n", rep.Found)
	}
}
