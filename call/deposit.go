package call

import (
	"context"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// DepositLookup is what preparing a deposit reads from Redis.
type DepositLookup interface {
	Mailbox(ctx context.Context, id state.MailboxID) (state.Mailbox, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
	Counts(ctx context.Context, id state.MailboxID) (state.Counts, error)
}

// PrepareDeposit gathers what the engine needs to take a message for
// req.Mailbox: the greeting to play (temporary, else busy or unavailable as
// asked, else the default one), whether the mailbox is full, the limits and
// a fresh message id and recording name. It returns state.ErrMailboxNotFound
// for an unknown mailbox.
func PrepareDeposit(ctx context.Context, store DepositLookup, cfg Config, review func(state.MailboxID) bool, req Request, caller ari.CallerID, now time.Time) (*menus.Deposit, string, error) {
	mb, err := store.Mailbox(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("call: deposit into %s: %w", req.Mailbox, err)
	}
	greetings, err := store.Greetings(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("call: deposit into %s: greetings: %w", req.Mailbox, err)
	}
	counts, err := store.Counts(ctx, req.Mailbox)
	if err != nil {
		return nil, "", fmt.Errorf("call: deposit into %s: counts: %w", req.Mailbox, err)
	}
	msgID := state.NewMessageID(now)
	rec, err := recordings.MessageName(req.Mailbox, msgID)
	if err != nil {
		return nil, "", fmt.Errorf("call: deposit into %s: %w", req.Mailbox, err)
	}
	// The mailbox's own options (maxmsg, minsecs, maxsecs, maxsilence,
	// operator), else the system's.
	set := cfg.settings(mb.Options)
	// The folder the message goes to must have room (leave_voicemail
	// counts the destination folder: INBOX, or Urgent for U).
	full := counts.New >= set.MaxMessages
	if req.Urgent {
		full = counts.Urgent >= set.MaxMessages
	}
	d := &menus.Deposit{
		Mailbox:       req.Mailbox,
		Number:        req.Mailbox.Number,
		Busy:          req.Greeting == "busy",
		NameRecording: greetings[state.GreetingName],
		Full:          full,
		Urgent:        req.Urgent,
		Review:        review(req.Mailbox),
		Operator:      set.Operator,
		MinSeconds:    int(set.MinMessage / time.Second),
		MaxSeconds:    int(set.MaxMessage / time.Second),
		MaxSilence:    int(set.MaxSilence / time.Second),
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
