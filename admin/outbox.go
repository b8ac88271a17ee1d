package admin

import (
	"context"
	"fmt"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// Outbox returns the email notifications waiting to be sent and the dead
// letters (those given up on), as 'voicemail mail list' prints them.
func (s *Service) Outbox(ctx context.Context) (state.OutboxReport, error) {
	return s.store.ListNotifications(ctx)
}

// RetryNotification puts a dead letter of mailbox id back into its outbox
// as a fresh notification, or makes a waiting one due now ('voicemail mail
// retry'). Errors wrap state.ErrNotificationNotFound.
func (s *Service) RetryNotification(ctx context.Context, who Actor, id mailbox.ID, n string) error {
	ok, err := s.store.RetryNotification(ctx, id, n, s.cfg.MailClaimIdle)
	if err == nil && !ok {
		err = fmt.Errorf("admin: notification %s of %s: %w", n, id, state.ErrNotificationNotFound)
	}
	s.record(ctx, who, "mail.retry", id.String()+"/"+n, err, "")
	return err
}

// DropNotification deletes a dead letter, or a notification still waiting,
// of mailbox id for good ('voicemail mail drop'). Errors wrap
// state.ErrNotificationNotFound.
func (s *Service) DropNotification(ctx context.Context, who Actor, id mailbox.ID, n string) error {
	ok, err := s.store.DropNotification(ctx, id, n)
	if err == nil && !ok {
		err = fmt.Errorf("admin: notification %s of %s: %w", n, id, state.ErrNotificationNotFound)
	}
	s.record(ctx, who, "mail.drop", id.String()+"/"+n, err, "")
	return err
}
