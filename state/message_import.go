package state

import (
	"context"
	"fmt"

	"go.uber.org/zap"
)

// ImportMessage stores a message brought over from another voicemail
// system (voicemail import from app_voicemail's spool) into m.Folder, with
// its envelope as given: unlike Deposit, it queues no notification (the
// owner was told when the message was left) and ignores the folder limit
// (the other system already accepted the message). The audio named by
// m.Recording must be stored first.
//
// It is one script and idempotent on m.ID: importing an id that is
// already stored writes nothing and returns false. After importing,
// call NotifyMWIChanged once per mailbox so that the lamps follow. Errors
// wrap ErrInvalidMessage (nothing written) or ErrNotReplicated (written on
// the master).
func (s *Store) ImportMessage(ctx context.Context, m Message) (bool, error) {
	prepared, err := prepareStored(m)
	if err != nil {
		return false, fmt.Errorf("state: import %q: %w", clip(m.ID), err)
	}
	m = prepared
	mb := m.Mailbox
	cmd, notReplicated := s.runReplicated(ctx, messageImportScript,
		[]string{messageKey(mb, m.ID), folderKey(mb, m.Folder), versionKey(mb)},
		m.ID, int(m.Folder), m.Received.UnixMilli(), m.Recording, m.CallerNum, m.CallerName,
		m.Duration.Milliseconds(), m.Origin, boolFlag(m.Urgent))
	res, err := cmd.Slice()
	if err != nil {
		return false, fmt.Errorf("state: import %s in %s: %w", m.ID, mb, err)
	}
	status, ok := replyInt(res, 0)
	if !ok {
		return false, fmt.Errorf("state: import %s in %s: unexpected reply %v", m.ID, mb, res)
	}
	if status == 1 {
		s.log.Info("message imported", zap.Stringer("mailbox", mb), zap.String("message", m.ID),
			zap.Stringer("folder", m.Folder))
	}
	return status == 1, s.atRisk(notReplicated, "import %s in %s", m.ID, mb)
}
