package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// adminTimeout bounds an administrator's command against Redis.
const adminTimeout = 10 * time.Second

// printConfig writes the effective configuration as YAML, secrets redacted:
// what an operator checks before a start, safe to paste into a ticket.
func printConfig(cfg Config, w io.Writer) error {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(cfg.Redacted(), "koanf"), nil); err != nil {
		return fmt.Errorf("app: print config: %w", err)
	}
	b, err := k.Marshal(yaml.Parser())
	if err != nil {
		return fmt.Errorf("app: print config: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// lockoutCommand shows (unlock false) or clears (unlock true) the PIN
// lockout of each mailbox named, writing one line per mailbox to out. The
// clearing is logged by state as a security event.
func lockoutCommand(ctx context.Context, cfg Config, log *zap.Logger, mailboxes []string, unlock bool, out io.Writer) error {
	if len(mailboxes) == 0 {
		return fmt.Errorf("%w: name one or more mailboxes (NUMBER or NUMBER@CONTEXT)", ErrInvalidConfig)
	}
	ids := make([]state.MailboxID, len(mailboxes))
	for i, m := range mailboxes {
		id, err := state.ParseMailbox(m)
		if err != nil {
			return fmt.Errorf("%w: mailbox %q: %v", ErrInvalidConfig, m, err)
		}
		ids[i] = id
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
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	for _, id := range ids {
		if unlock {
			was, err := store.Unlock(ctx, id)
			if err != nil {
				return err
			}
			if was {
				fmt.Fprintf(out, "%s: unlocked\n", id)
			} else {
				fmt.Fprintf(out, "%s: was not locked out; failure count cleared\n", id)
			}
			continue
		}
		l, err := store.Lockout(ctx, id)
		if err != nil {
			return err
		}
		if l.Remaining > 0 {
			fmt.Fprintf(out, "%s: locked out for %s more (lockout %d in a row, %d wrong PINs today)\n", id, l.Remaining.Round(time.Second), l.Strikes, l.DailyFailures)
		} else {
			fmt.Fprintf(out, "%s: not locked out (%d wrong PINs in the current window, %d today, %d lockouts in a row)\n", id, l.Failures, l.DailyFailures, l.Strikes)
		}
	}
	return nil
}
