package app

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/state"
)

// pruneActor is who the audit trail says deleted a pruned mailbox.
var pruneActor = admin.Actor{Name: "config:prune_unlisted", Source: "config"}

// pruneUnlisted deletes the mailboxes that provisioning created and that
// the configuration no longer lists (voicemail.prune_unlisted), with their
// messages, greetings and audio, each one logged and audited. Mailboxes
// the admin API or CLI created or changed are never pruned; nor is any
// when the configuration lists none (an empty list is more likely a
// mistake than the wish to delete every mailbox).
func (a *App) pruneUnlisted(ctx context.Context, listed map[state.MailboxID]bool) error {
	if !a.cfg.Voicemail.PruneUnlisted {
		return nil
	}
	if len(listed) == 0 {
		a.log.Warn("voicemail.prune_unlisted: the configuration lists no mailbox; nothing pruned")
		return nil
	}
	var doomed []state.MailboxID
	q := state.MailboxQuery{Limit: state.MaxListLimit}
	for {
		page, err := a.store.ListMailboxes(ctx, q)
		if err != nil {
			return fmt.Errorf("app: prune unlisted mailboxes: %w", err)
		}
		for _, e := range page.Mailboxes {
			if id := e.Mailbox.ID; !listed[id] && !e.Mailbox.ManagedByAPI {
				doomed = append(doomed, id)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if len(doomed) == 0 {
		return nil
	}
	log := a.log.Named("prune")
	svc, err := admin.NewService(a.cfg.adminServiceConfig(), a.store, audioOf(a.nodes, log), publisherLamps{a.mwi}, admin.WithLogger(log))
	if err != nil {
		return fmt.Errorf("app: prune unlisted mailboxes: %w", err)
	}
	var failed int
	for _, id := range doomed {
		if err := svc.DeleteMailbox(ctx, pruneActor, id); err != nil {
			failed++
			log.Error("unlisted mailbox not pruned", zap.Stringer("mailbox", id), zap.Error(err))
			continue
		}
		log.Warn("mailbox pruned: the configuration no longer lists it (voicemail.prune_unlisted); its messages and greetings are deleted",
			zap.String("security_event", "mailbox_pruned"), zap.Stringer("mailbox", id))
	}
	if failed > 0 {
		return fmt.Errorf("app: prune unlisted mailboxes: %d of %d failed", failed, len(doomed))
	}
	return nil
}
