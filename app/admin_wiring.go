package app

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/state"
)

// watchMailboxes runs what keeps this instance in step with mailboxes
// changed elsewhere, until ctx ends; the returned function waits for it:
//
//   - the mailbox index is checked once (state.ReindexMailboxes), so that
//     mailboxes from before it, or created by an instance that crashed
//     before indexing them, are listed by the admin API and get their
//     counts published when Asterisk connects;
//   - count changes made by the CLI (state.NotifyMWIChanged) are published
//     like the instance's own.
func (a *App) watchMailboxes(ctx context.Context) (wait func()) {
	indexDone, watchDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(indexDone)
		n, err := a.store.ReindexMailboxes(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			a.log.Warn("mailbox index not checked; the admin API may not list older mailboxes until the next start", zap.Error(err))
			return
		}
		a.log.Debug("mailbox index checked", zap.Int("mailboxes", n))
	}()
	go func() {
		defer close(watchDone)
		_ = a.store.WatchMWIChanged(ctx, a.mwi.Changed)
	}()
	return func() { <-indexDone; <-watchDone }
}

// allMailboxes is every mailbox this instance knows of: the configured
// ones and those in the index (created through the admin API). A failure
// to read the index leaves the configured ones.
func (a *App) allMailboxes(ctx context.Context) []state.MailboxID {
	seen := map[state.MailboxID]bool{}
	var ids []state.MailboxID
	add := func(id state.MailboxID) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, m := range a.cfg.Mailboxes {
		if id, err := state.ParseMailbox(m.Mailbox); err == nil {
			add(id)
		}
	}
	indexed, err := a.store.MailboxIDs(ctx)
	if err != nil {
		a.log.Warn("mailbox index not read: publishing the configured mailboxes' counts only", zap.Error(err))
	}
	for _, id := range indexed {
		add(id)
	}
	return ids
}

// depositView is the store as prepareDeposit reads it. It remembers the
// review setting of the mailbox record read (provisioned from the YAML, or
// set through the admin API), so that every instance offers the review
// menu as Redis says, without a second read: prepareDeposit reads the
// mailbox before it asks reviewOr's function (TestDepositReviewFromRedis).
type depositView struct {
	*state.Store
	review *bool
}

// Mailbox reads the mailbox and keeps its review setting.
func (v *depositView) Mailbox(ctx context.Context, id state.MailboxID) (state.Mailbox, error) {
	mb, err := v.Store.Mailbox(ctx, id)
	v.review = mb.Review
	return mb, err
}

// reviewOr says whether the mailbox read offers the review menu: its own
// setting, else def (voicemail.review).
func (v *depositView) reviewOr(def bool) func(state.MailboxID) bool {
	return func(state.MailboxID) bool {
		if v.review != nil {
			return *v.review
		}
		return def
	}
}
