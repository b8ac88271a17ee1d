package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// adminOptions are the flags of the mailbox and message commands (and
// --json, shared with fsck: fsckOptions.JSON).
type adminOptions struct {
	fs                    *pflag.FlagSet
	Name, Email, Language string
	Review                string
	Hidden                bool
	Options               []string
	Pager, Attach, TZ     string
	DeleteAfterEmail      bool
	PINStdin              bool
	PINEnv                string
	MustChange            bool
	Context, Search       string
	After                 string
	Limit                 int
	Folder                string
	Out                   string
	Yes                   bool
}

// adminFlags registers the flags of the mailbox and message commands.
func adminFlags(fs *pflag.FlagSet) *adminOptions {
	o := &adminOptions{fs: fs}
	fs.StringVar(&o.Name, "name", "", "mailbox add|set: the owner's name")
	fs.StringVar(&o.Email, "email", "", "mailbox add|set: the owner's email")
	fs.StringVar(&o.Language, "language", "", "mailbox add|set: the prompts' language (en, fr_CA, …)")
	fs.StringVar(&o.Review, "review", "", "mailbox add|set: true, false, or default (voicemail.review)")
	fs.BoolVar(&o.Hidden, "hidden", false, "mailbox add|set: leave the mailbox out of the dial-by-name directory (--hidden=false lists it again)")
	fs.StringArrayVar(&o.Options, "option", nil, "mailbox add|set: OPTION=VALUE, repeatable: "+
		strings.Join(state.OptionKeys(), ", ")+"; VALUE true/false, a number, or default (the voicemail.* setting)")
	fs.StringVar(&o.Pager, "pager", "", "mailbox add|set: the pager's email address")
	fs.StringVar(&o.Attach, "attach", "", "mailbox add|set: the email's attachment: wav, mp3 or none")
	fs.StringVar(&o.TZ, "timezone", "", "mailbox add|set: the mailbox's time zone (IANA name)")
	fs.BoolVar(&o.DeleteAfterEmail, "delete-after-email", false, "mailbox add|set: delete a message once emailed")
	fs.BoolVar(&o.PINStdin, "pin-stdin", false, "mailbox add|reset-pin: read the PIN from the first line of standard input")
	fs.StringVar(&o.PINEnv, "pin-env", "", "mailbox add|reset-pin: read the PIN from this environment variable")
	fs.BoolVar(&o.MustChange, "must-change", true, "mailbox add|reset-pin: the owner must choose another PIN at the next login")
	fs.StringVar(&o.Context, "context", "", "mailbox list: only this voicemail context")
	fs.StringVar(&o.Search, "search", "", "mailbox list: only mailboxes whose id, name or email contains this")
	fs.StringVar(&o.After, "after", "", "mailbox list: the page after this mailbox (NUMBER@CONTEXT)")
	fs.IntVar(&o.Limit, "limit", 0, "mailbox list: mailboxes per page (default 100, at most 1000)")
	fs.StringVar(&o.Folder, "folder", "", "message list|export: only this folder (new, old, work, family, friends)")
	fs.StringVar(&o.Out, "out", ".", "message export: the directory to write MESSAGE.wav and MESSAGE.json into")
	fs.BoolVar(&o.Yes, "yes", false, "mailbox delete, message delete, message purge: yes, delete")
	for _, name := range []string{"name", "email", "language", "review", "hidden", "option", "pager", "attach", "timezone",
		"delete-after-email", "pin-stdin", "pin-env", "must-change",
		"context", "search", "after", "limit", "yes"} {
		_ = fs.SetAnnotation(name, commandFlag, []string{"mailbox"})
	}
	for _, name := range []string{"folder", "out"} {
		_ = fs.SetAnnotation(name, commandFlag, []string{"message"})
	}
	_ = fs.SetAnnotation("yes", commandFlag, []string{"mailbox", "message"})
	return o
}

// usageErr is a mistake in the command line: it is ErrInvalidConfig
// (exit status 2) without saying so.
type usageErr struct{ msg string }

func (e usageErr) Error() string        { return e.msg }
func (e usageErr) Is(target error) bool { return target == ErrInvalidConfig }

// usageError is an error in the command line (exit status 2).
func usageError(format string, args ...any) error {
	return usageErr{msg: fmt.Sprintf(format, args...)}
}

// cliActor names the user running the CLI, for the audit trail.
func cliActor(environ func(string) string) admin.Actor {
	name := environ("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return admin.Actor{Name: "cli:" + name, Source: "cli"}
}

// adminCommand runs voicemail mailbox … or voicemail message …, talking to
// Redis directly (and to Asterisk for audio), as the API does, with the
// same checks and audit trail.
func adminCommand(ctx context.Context, cfg Config, log *zap.Logger, args []string, o *adminOptions, jsonOut bool,
	stdin io.Reader, stdout io.Writer, environ func(string) string) error {
	if len(args) < 2 {
		return usageError("%s needs a subcommand: see voicemail --help", args[0])
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
	svc, err := admin.NewService(cfg.adminServiceConfig(), store, audioOf(nodes, log), noticeLamps{store: store, log: log},
		cfg.adminServiceOptions(log.Named("admin"))...)
	if err != nil {
		return err
	}
	cli := &admin.CLI{Svc: svc, Actor: cliActor(environ), Out: stdout, In: stdin, JSON: jsonOut}
	timeout := adminTimeout
	if args[1] == "greeting" {
		// Converting an upload takes up to audioconv.DefaultTimeout.
		timeout += audioconv.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if args[0] == "mailbox" {
		return mailboxCommand(ctx, cli, args[1], args[2:], o, stdin, environ)
	}
	return messageCommand(ctx, cli, args[1], args[2:], o)
}

// needArgs checks the count of positional arguments.
func needArgs(cmd string, args []string, min, max int, usage string) error {
	if len(args) < min || (max >= 0 && len(args) > max) {
		return usageError("usage: voicemail %s", strings.TrimSpace(cmd+" "+usage))
	}
	return nil
}

func mailboxCommand(ctx context.Context, cli *admin.CLI, sub string, args []string, o *adminOptions, stdin io.Reader, environ func(string) string) error {
	cmd := "mailbox " + sub
	parseID := func() (mailbox.ID, error) {
		id, err := mailbox.ParseID(args[0])
		if err != nil {
			return mailbox.ID{}, usageError("mailbox %q: %v", args[0], err)
		}
		return id, nil
	}
	switch sub {
	case "list":
		if err := needArgs(cmd, args, 0, 0, "[--context C] [--search S] [--after MAILBOX] [--limit N]"); err != nil {
			return err
		}
		return cli.MailboxList(ctx, state.MailboxQuery{Context: o.Context, Search: o.Search, After: o.After, Limit: o.Limit})
	case "greeting":
		return greetingCommand(ctx, cli, args)
	case "add", "show", "set", "delete", "reset-pin":
	default:
		return usageError("unknown command %q: mailbox add|list|show|set|delete|reset-pin|greeting", cmd)
	}
	if err := needArgs(cmd, args, 1, 1, "MAILBOX [flags]"); err != nil {
		return err
	}
	id, err := parseID()
	if err != nil {
		return err
	}
	switch sub {
	case "show":
		return cli.MailboxShow(ctx, id)
	case "delete":
		if !o.Yes {
			return usageError("mailbox delete removes %s with its messages and greetings: add --yes", id)
		}
		return cli.MailboxDelete(ctx, id)
	case "set":
		u, err := o.update()
		if err != nil {
			return err
		}
		return cli.MailboxSet(ctx, id, u)
	}
	pin, err := o.pin(stdin, environ)
	if err != nil {
		return err
	}
	var mustChange *bool
	if o.fs.Changed("must-change") {
		mustChange = &o.MustChange
	}
	if sub == "reset-pin" {
		return cli.ResetPIN(ctx, id, admin.PINReset{PIN: pin, MustChange: mustChange})
	}
	u, err := o.options()
	if err != nil {
		return err
	}
	if len(u.Reset) > 0 {
		return usageError("mailbox add: --option %s=default: a new mailbox follows every voicemail.* setting anyway", u.Reset[0])
	}
	return cli.MailboxAdd(ctx, admin.NewMailbox{ID: id, Name: o.Name, Email: o.Email, Language: o.Language,
		Options: u.Options, Hidden: o.Hidden, PIN: pin, MustChange: mustChange,
		Notify: state.NotifySettings{Pager: o.Pager, Attach: o.Attach, DeleteAfterEmail: o.DeleteAfterEmail, Timezone: o.TZ}})
}

// greetingCommand runs voicemail mailbox greeting upload|delete MAILBOX
// GREETING [FILE]: FILE is a WAV or MP3 file, "-" for standard input.
func greetingCommand(ctx context.Context, cli *admin.CLI, args []string) error {
	const usage = "upload MAILBOX unavail|busy|temp|name FILE, or delete MAILBOX GREETING"
	if len(args) == 0 || (args[0] != "upload" && args[0] != "delete") {
		return usageError("usage: voicemail mailbox greeting %s", usage)
	}
	want := 3
	if args[0] == "upload" {
		want = 4
	}
	if err := needArgs("mailbox greeting", args, want, want, usage); err != nil {
		return err
	}
	id, err := mailbox.ParseID(args[1])
	if err != nil {
		return usageError("mailbox %q: %v", args[1], err)
	}
	g, err := admin.ParseGreetingName(args[2])
	if err != nil {
		return usageError("%v", err)
	}
	if args[0] == "delete" {
		return cli.GreetingDelete(ctx, id, g)
	}
	var audio []byte
	if args[3] == "-" {
		audio, err = io.ReadAll(io.LimitReader(cli.In, audioconv.DefaultMaxBytes+1))
	} else {
		audio, err = readFileLimited(args[3], audioconv.DefaultMaxBytes+1)
	}
	if err != nil {
		return fmt.Errorf("app: read the greeting: %w", err)
	}
	return cli.GreetingUpload(ctx, id, g, audio)
}

// readFileLimited reads at most limit bytes of a file.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// pin reads the PIN from standard input or the environment, "" to have
// one generated. PINs are never taken from the command line, where other
// users of the machine (ps) and shell histories see them.
func (o *adminOptions) pin(stdin io.Reader, environ func(string) string) (string, error) {
	switch {
	case o.PINStdin && o.PINEnv != "":
		return "", usageError("--pin-stdin and --pin-env: choose one")
	case o.PINStdin:
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("app: read the PIN from standard input: %w", err)
		}
		pin := strings.TrimRight(line, "\r\n")
		if pin == "" {
			return "", usageError("--pin-stdin: standard input holds no PIN")
		}
		return pin, nil
	case o.PINEnv != "":
		pin := environ(o.PINEnv)
		if pin == "" {
			return "", usageError("--pin-env %s: the variable is empty or not set", o.PINEnv)
		}
		return pin, nil
	}
	return "", nil
}

// review reads --review: set reports whether it was given; nil means the
// system's setting.
func (o *adminOptions) review() (r *bool, set bool, err error) {
	if !o.fs.Changed("review") {
		return nil, false, nil
	}
	switch o.Review {
	case "true", "yes", "on":
		return new(true), true, nil
	case "false", "no", "off":
		return new(false), true, nil
	case "default", "":
		return nil, true, nil
	}
	return nil, false, usageError("--review %q: use true, false or default", o.Review)
}

// update is the change that mailbox set asks for.
func (o *adminOptions) update() (state.MailboxUpdate, error) {
	var u state.MailboxUpdate
	if o.fs.Changed("name") {
		u.Name = &o.Name
	}
	if o.fs.Changed("email") {
		u.Email = &o.Email
	}
	if o.fs.Changed("language") {
		u.Language = &o.Language
	}
	if o.fs.Changed("pager") {
		u.Pager = &o.Pager
	}
	if o.fs.Changed("attach") {
		u.Attach = &o.Attach
	}
	if o.fs.Changed("timezone") {
		u.Timezone = &o.TZ
	}
	if o.fs.Changed("delete-after-email") {
		u.DeleteAfterEmail = &o.DeleteAfterEmail
	}
	opts, err := o.options()
	if err != nil {
		return u, err
	}
	u.Options, u.Reset = opts.Options, opts.Reset
	if o.fs.Changed("hidden") {
		u.Hidden = &o.Hidden
	}
	if !u.Changes() {
		return u, usageError("mailbox set: give --name, --email, --language, --review, --hidden, --option, --pager, --attach, --timezone or --delete-after-email")
	}
	return u, nil
}

// options reads --review and every --option KEY=VALUE: the options set,
// and those put back on the system's setting (VALUE default).
func (o *adminOptions) options() (state.MailboxUpdate, error) {
	var u state.MailboxUpdate
	pairs := o.Options
	if r, set, err := o.review(); err != nil {
		return u, err
	} else if set {
		v := "default"
		if r != nil {
			v = fmt.Sprint(*r)
		}
		pairs = append([]string{"review=" + v}, pairs...)
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		key, value, ok := strings.Cut(p, "=")
		if !ok || key == "" {
			return u, usageError("--option %q: use OPTION=VALUE", p)
		}
		if seen[key] {
			return u, usageError("--option %s given twice", key)
		}
		seen[key] = true
		next, err := u.Options.Set(key, value)
		if err != nil {
			return u, usageError("--option %s: %v", p, err)
		}
		u.Options = next
		if value == "" || value == "default" {
			u.Reset = append(u.Reset, key)
		}
	}
	return u, nil
}

func messageCommand(ctx context.Context, cli *admin.CLI, sub string, args []string, o *adminOptions) error {
	cmd := "message " + sub
	var id mailbox.ID
	if len(args) > 0 {
		var err error
		if id, err = mailbox.ParseID(args[0]); err != nil {
			return usageError("mailbox %q: %v", args[0], err)
		}
	}
	var folder *mailbox.Folder
	if o.Folder != "" {
		f, err := admin.ParseFolderName(o.Folder)
		if err != nil {
			return usageError("--folder %q: use new, old, work, family or friends", o.Folder)
		}
		folder = &f
	}
	msgIDs := func(from []string) ([]mailbox.MessageID, error) {
		out := make([]mailbox.MessageID, len(from))
		for i, s := range from {
			m, err := mailbox.ParseMessageID(s)
			if err != nil {
				return nil, usageError("message %q: %v", s, err)
			}
			out[i] = m
		}
		return out, nil
	}
	switch sub {
	case "list":
		if err := needArgs(cmd, args, 1, 1, "MAILBOX [--folder F]"); err != nil {
			return err
		}
		return cli.MessageList(ctx, id, folder)
	case "move":
		if err := needArgs(cmd, args, 3, 3, "MAILBOX MESSAGE FOLDER"); err != nil {
			return err
		}
		msgs, err := msgIDs(args[1:2])
		if err != nil {
			return err
		}
		to, err := admin.ParseFolderName(args[2])
		if err != nil {
			return usageError("folder %q: use new, old, work, family or friends", args[2])
		}
		return cli.MessageMove(ctx, id, msgs[0], to)
	case "delete", "restore", "purge":
		usage := "MAILBOX MESSAGE..."
		if sub != "restore" {
			usage += " --yes"
		}
		if err := needArgs(cmd, args, 2, -1, usage); err != nil {
			return err
		}
		msgs, err := msgIDs(args[1:])
		if err != nil {
			return err
		}
		switch {
		case sub == "restore":
			return cli.MessageRestore(ctx, id, msgs)
		case !o.Yes && sub == "delete":
			return usageError("message delete moves %d messages of %s to its trash (message restore brings them back): add --yes", len(msgs), id)
		case !o.Yes:
			return usageError("message purge deletes %d messages of %s's trash and their audio for good: add --yes", len(msgs), id)
		case sub == "delete":
			return cli.MessageDelete(ctx, id, msgs)
		}
		return cli.MessagePurge(ctx, id, msgs)
	case "trash":
		if err := needArgs(cmd, args, 1, 1, "MAILBOX"); err != nil {
			return err
		}
		return cli.MessageTrash(ctx, id)
	case "forward":
		if err := needArgs(cmd, args, 3, 3, "MAILBOX MESSAGE TO-MAILBOX"); err != nil {
			return err
		}
		msgs, err := msgIDs(args[1:2])
		if err != nil {
			return err
		}
		to, err := mailbox.ParseID(args[2])
		if err != nil {
			return usageError("mailbox %q: %v", args[2], err)
		}
		return cli.MessageForward(ctx, id, msgs[0], to)
	case "export":
		if err := needArgs(cmd, args, 1, -1, "MAILBOX [MESSAGE...] [--folder F] [--out DIR]"); err != nil {
			return err
		}
		msgs, err := msgIDs(args[1:])
		if err != nil {
			return err
		}
		return cli.MessageExport(ctx, id, msgs, folder, o.Out)
	}
	return usageError("unknown command %q: message list|move|forward|delete|trash|restore|purge|export", cmd)
}

// tokenCommand makes a new API token: the secret, printed once, and the
// configuration entry holding its hash.
func tokenCommand(args []string, out io.Writer) error {
	if len(args) != 1 {
		return usageError("usage: voicemail token NAME")
	}
	secret, t, err := admin.NewToken(args[0])
	if err != nil {
		return usageError("%v", err)
	}
	fmt.Fprintf(out, "token for %s (shown once; give it to the client as \"Authorization: Bearer TOKEN\"):\n  %s\n\n", t.Name, secret)
	fmt.Fprintf(out, "add to the configuration:\nadmin:\n  tokens:\n    - name: %s\n      sha256: %s\n", t.Name, t.HexHash())
	fmt.Fprintf(out, "\nor a line of admin.tokens_file:\n  %s sha256:%s\n", t.Name, t.HexHash())
	return nil
}
