package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// mailStore is what voicemail mail needs of the store: *state.Store.
type mailStore interface {
	ListNotifications(ctx context.Context) (state.OutboxReport, error)
	RetryNotification(ctx context.Context, mb state.MailboxID, id string, claimIdle time.Duration) (bool, error)
	DropNotification(ctx context.Context, mb state.MailboxID, id string) (bool, error)
}

var _ mailStore = (*state.Store)(nil)

// mailCommand runs voicemail mail list|retry|drop against cfg's Redis.
func mailCommand(ctx context.Context, cfg Config, log *zap.Logger, args []string, asJSON bool, out io.Writer) error {
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
	return runMail(ctx, store, cfg.Mail.ClaimIdle, args, asJSON, out)
}

// runMail carries a mail command out on store.
func runMail(ctx context.Context, store mailStore, claimIdle time.Duration, args []string, asJSON bool, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: mail takes list, retry or drop", ErrInvalidConfig)
	}
	switch args[0] {
	case "list":
		if len(args) > 1 {
			return fmt.Errorf("%w: mail list takes no arguments", ErrInvalidConfig)
		}
		rep, err := store.ListNotifications(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(mailListJSON(rep))
		}
		writeMailList(out, rep)
		return nil
	case "retry", "drop":
		if len(args) < 2 {
			return fmt.Errorf("%w: mail %s takes MAILBOX/ID... (as mail list prints them), or dead", ErrInvalidConfig, args[0])
		}
		targets, err := mailTargets(ctx, store, args[1:])
		if err != nil {
			return err
		}
		missing := 0
		for _, t := range targets {
			var ok bool
			if args[0] == "retry" {
				ok, err = store.RetryNotification(ctx, t.mb, t.id, claimIdle)
			} else {
				ok, err = store.DropNotification(ctx, t.mb, t.id)
			}
			if err != nil {
				return err
			}
			state := map[string]string{"retry": "queued again", "drop": "dropped"}[args[0]]
			if !ok {
				state = "not found"
				missing++
			}
			fmt.Fprintf(out, "%s/%s: %s\n", t.mb, t.id, state)
		}
		if missing > 0 {
			return fmt.Errorf("app: %d notifications not found", missing)
		}
		return nil
	}
	return fmt.Errorf("%w: mail %q: use list, retry or drop", ErrInvalidConfig, args[0])
}

type mailTarget struct {
	mb state.MailboxID
	id string
}

// mailTargets reads MAILBOX/ID arguments; "dead" stands for every dead
// letter.
func mailTargets(ctx context.Context, store mailStore, args []string) ([]mailTarget, error) {
	var out []mailTarget
	for _, a := range args {
		if a == "dead" {
			rep, err := store.ListNotifications(ctx)
			if err != nil {
				return nil, err
			}
			for _, d := range rep.Dead {
				out = append(out, mailTarget{mb: d.Mailbox, id: d.ID})
			}
			continue
		}
		box, id, ok := strings.Cut(a, "/")
		mb, err := state.ParseMailbox(box)
		if !ok || err != nil || id == "" {
			return nil, fmt.Errorf("%w: %q: want MAILBOX/ID as mail list prints it, or dead", ErrInvalidConfig, a)
		}
		out = append(out, mailTarget{mb: mb, id: id})
	}
	return out, nil
}

// mailEntry is one line of voicemail mail list --json.
type mailEntry struct {
	ID          string    `json:"id"`
	State       string    `json:"state"` // pending or dead
	Target      string    `json:"target"`
	Message     string    `json:"message"`
	Enqueued    time.Time `json:"enqueued"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Error       string    `json:"error,omitempty"`
	DeadAt      time.Time `json:"dead_at,omitzero"`
}

func mailListJSON(rep state.OutboxReport) []mailEntry {
	out := make([]mailEntry, 0, len(rep.Pending)+len(rep.Dead))
	for _, n := range rep.Pending {
		out = append(out, mailEntry{ID: n.Mailbox.String() + "/" + n.ID, State: "pending", Target: n.Target, Message: n.MessageID,
			Enqueued: n.Enqueued, Attempts: n.Attempts, NextAttempt: n.NextAttempt, Error: n.LastError})
	}
	for _, d := range rep.Dead {
		out = append(out, mailEntry{ID: d.Mailbox.String() + "/" + d.ID, State: "dead", Target: d.Target, Message: d.MessageID,
			Enqueued: d.Enqueued, Attempts: d.Attempts, Error: d.Reason, DeadAt: d.DeadAt})
	}
	return out
}

// writeMailList writes rep for people: one line per notification.
func writeMailList(w io.Writer, rep state.OutboxReport) {
	fmt.Fprintf(w, "%d pending, %d dead\n", len(rep.Pending), len(rep.Dead))
	if len(rep.Pending)+len(rep.Dead) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTARGET\tMESSAGE\tQUEUED\tATTEMPTS\tNEXT/DEAD AT\tLAST ERROR")
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, e := range mailListJSON(rep) {
		when := e.NextAttempt
		if e.State == "dead" {
			when = e.DeadAt
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.State, e.Target, e.Message, ts(e.Enqueued),
			e.Attempts, ts(when), oneLineErr(e.Error))
	}
	_ = tw.Flush()
}

// oneLineErr keeps an error on its line, and short.
func oneLineErr(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	if s == "" {
		return "-"
	}
	return s
}
