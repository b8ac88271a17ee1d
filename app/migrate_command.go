package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/migrate"
	"github.com/clusterpbx/voicemail/state"
)

// defaultRecordings is Asterisk's recording directory in a stock install,
// where ARI keeps stored recordings.
const defaultRecordings = "/var/spool/asterisk/recording"

// migrateTimeout bounds a whole import or export (audio conversion of a
// large spool takes a while).
const migrateTimeout = 2 * time.Hour

// migrateOptions are the flags of voicemail import and export.
type migrateOptions struct {
	Conf       string
	Spool      string
	Recordings string
	DryRun     bool
	Formats    string
	Context    string
	Sox        string
}

// migrateFlags registers the flags of voicemail import and export.
func migrateFlags(fs *pflag.FlagSet) *migrateOptions {
	o := &migrateOptions{}
	fs.StringVar(&o.Conf, "conf", "", "import: app_voicemail's voicemail.conf (its #include are read from the same directory)")
	fs.StringVar(&o.Spool, "spool", "", "import, export: app_voicemail's spool directory (/var/spool/asterisk/voicemail)")
	fs.StringVar(&o.Recordings, "recordings", defaultRecordings, "import, export: Asterisk's recording directory, where this app's audio is")
	fs.BoolVar(&o.DryRun, "dry-run", false, "import, export: report what would be done, write nothing")
	fs.StringVar(&o.Formats, "formats", "wav", "export: audio formats to write, '|'-separated: wav, gsm, WAV (wav49)")
	fs.StringVar(&o.Context, "export-context", "", "export: only the mailboxes of this voicemail context")
	fs.StringVar(&o.Sox, "sox", "sox", "import, export: the sox program, to convert audio")
	for _, name := range []string{"conf", "spool", "recordings", "dry-run", "formats", "export-context", "sox"} {
		_ = fs.SetAnnotation(name, commandFlag, []string{"import", "export"})
	}
	return o
}

// migrateStore is what import and export need of the store.
type migrateStore interface {
	migrate.ImportStore
	migrate.ExportStore
	AppendAudit(ctx context.Context, e state.AuditEntry) (string, error)
}

var _ migrateStore = (*state.Store)(nil)

// migrateCommand runs voicemail import or export against cfg's Redis.
func migrateCommand(ctx context.Context, cfg Config, log *zap.Logger, args []string, o *migrateOptions, jsonOut bool,
	stdout io.Writer, environ func(string) string) error {
	if len(args) > 1 {
		return usageError("%s takes flags only, got %q", args[0], args[1])
	}
	if args[0] == "import" && o.Conf == "" {
		return usageError("usage: voicemail import --conf voicemail.conf [--spool DIR] [--recordings DIR] [--dry-run] [--json]")
	}
	if args[0] == "export" && o.Spool == "" {
		return usageError("usage: voicemail export --spool DIR [--recordings DIR] [--formats wav|gsm] [--export-context C] [--dry-run] [--json]")
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
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	return runMigrate(ctx, store, log, args[0], o, jsonOut, stdout, cliActor(environ).Name)
}

// runMigrate carries out import or export on store and prints the report.
func runMigrate(ctx context.Context, store migrateStore, log *zap.Logger, cmd string, o *migrateOptions, jsonOut bool,
	stdout io.Writer, actor string) error {
	audio := migrate.Audio{Sox: o.Sox}
	var rep *migrate.Report
	var err error
	target := o.Spool
	if cmd == "import" {
		conf, cerr := readConf(o.Conf)
		if cerr != nil {
			return cerr
		}
		target = o.Conf
		im := &migrate.Importer{Store: store, Recordings: o.Recordings, Audio: audio, DryRun: o.DryRun, Log: log.Named("import")}
		rep, err = im.Import(ctx, conf, o.Spool)
	} else {
		ex := &migrate.Exporter{Store: store, Recordings: o.Recordings, Audio: audio, Formats: strings.Split(o.Formats, "|"),
			Context: o.Context, DryRun: o.DryRun}
		rep, err = ex.Export(ctx, o.Spool)
	}
	if rep != nil {
		var werr error
		if jsonOut {
			werr = rep.WriteJSON(stdout)
		} else {
			werr = rep.WriteText(stdout)
		}
		if err == nil {
			err = werr
		}
		if !o.DryRun {
			result := "ok"
			if err != nil {
				result = "error"
			}
			detail := fmt.Sprintf("%v", rep.Counts)
			if _, aerr := store.AppendAudit(ctx, state.AuditEntry{Actor: actor, Source: "cli", Action: "voicemail." + cmd,
				Target: target, Result: result, Detail: detail}); aerr != nil {
				log.Warn("audit the "+cmd, zap.Error(aerr))
			}
		}
	}
	return err
}

// readConf reads voicemail.conf at path, its #include relative to its
// directory (Asterisk's configuration directory).
func readConf(path string) (*migrate.Conf, error) {
	dir, name := ".", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i], path[i+1:]
		if dir == "" {
			dir = "/"
		}
	}
	conf, err := migrate.ParseConf(os.DirFS(dir), name)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return conf, nil
}
