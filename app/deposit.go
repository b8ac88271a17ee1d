package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// depositLookup is what preparing a deposit reads from Redis.
type depositLookup interface {
	Mailbox(ctx context.Context, id state.MailboxID) (state.Mailbox, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
	Counts(ctx context.Context, id state.MailboxID) (state.Counts, error)
}

// prepareDeposit gathers what the engine needs to take a message for
// req.Mailbox: the greeting to play (temporary, else busy or unavailable as
// asked, else the default one), whether the mailbox is full, the limits and
// a fresh message id and recording name. It returns state.ErrMailboxNotFound
// for an unknown mailbox.
func prepareDeposit(ctx context.Context, store depositLookup, cfg VoicemailConfig, review func(state.MailboxID) bool, req Request, caller ari.CallerID, now time.Time) (*menus.Deposit, string, error) {
	mb, err := store.Mailbox(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("app: deposit into %s: %w", req.Mailbox, err)
	}
	greetings, err := store.Greetings(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("app: deposit into %s: greetings: %w", req.Mailbox, err)
	}
	counts, err := store.Counts(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("app: deposit into %s: counts: %w", req.Mailbox, err)
	}
	msgID := state.NewMessageID(now)
	rec, err := recordings.MessageName(req.Mailbox, msgID)
	if err != nil {
		return nil, "", fmt.Errorf("app: deposit into %s: %w", req.Mailbox, err)
	}
	d := &menus.Deposit{
		Mailbox:       req.Mailbox.String(),
		Number:        req.Mailbox.Number,
		Busy:          req.Greeting == "busy",
		NameRecording: greetings[state.GreetingName],
		Full:          counts.New >= cfg.MaxMessages,
		Review:        review(req.Mailbox),
		Operator:      cfg.Operator,
		MinSeconds:    int(cfg.MinMessage / time.Second),
		MaxSeconds:    int(cfg.MaxMessage / time.Second),
		MaxSilence:    int(cfg.MaxSilence / time.Second),
		MessageID:     msgID,
		Recording:     rec,
		CallerNum:     caller.Number,
		CallerName:    caller.Name,
	}
	// Greeting choice (app_voicemail leave_voicemail): a temporary greeting
	// always wins; then the busy or unavailable one as asked.
	switch {
	case greetings[state.GreetingTemp] != "":
		d.Greeting = greetings[state.GreetingTemp]
	case d.Busy:
		d.Greeting = greetings[state.GreetingBusy]
	default:
		d.Greeting = greetings[state.GreetingUnavail]
	}
	return d, mb.Language, nil
}

// isNotFound reports an unknown mailbox.
func isNotFound(err error) bool { return errors.Is(err, state.ErrMailboxNotFound) }
