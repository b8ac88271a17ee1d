package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// infoTimeout bounds the reads of Stasis(voicemail,info,…): the caller is
// waiting, unanswered, in the dialplan.
const infoTimeout = 3 * time.Second

// infoReader is what Stasis(voicemail,info,MAILBOX) reads.
type infoReader interface {
	Mailbox(ctx context.Context, id state.MailboxID) (state.Mailbox, error)
	Counts(ctx context.Context, id state.MailboxID) (state.Counts, error)
}

// mailboxInfo returns the channel variables of info for mailbox id, as
// app_voicemail's MAILBOX_EXISTS, VM_INFO and VMCOUNT give them, and the
// VOICEMAIL_STATUS: SUCCESS, or FAILED when Redis could not say (then
// VOICEMAIL_EXISTS is empty: unknown, not "no"). Two round trips.
func mailboxInfo(ctx context.Context, r infoReader, id state.MailboxID) ([]menus.Var, string, error) {
	vars := func(exists string, mb state.Mailbox, c state.Counts) []menus.Var {
		return []menus.Var{
			{Name: "VOICEMAIL_EXISTS", Value: exists},
			{Name: "VOICEMAIL_NEW", Value: strconv.Itoa(c.New)},
			{Name: "VOICEMAIL_OLD", Value: strconv.Itoa(c.Old)},
			{Name: "VOICEMAIL_URGENT", Value: strconv.Itoa(c.Urgent)},
			{Name: "VOICEMAIL_LANGUAGE", Value: mb.Language},
			{Name: "VOICEMAIL_NAME", Value: mb.Name},
		}
	}
	mb, err := r.Mailbox(ctx, id)
	switch {
	case errors.Is(err, state.ErrMailboxNotFound):
		return vars("0", state.Mailbox{}, state.Counts{}), "SUCCESS", nil
	case err != nil:
		return vars("", state.Mailbox{}, state.Counts{}), "FAILED", err
	}
	c, err := r.Counts(ctx, id)
	if err != nil {
		return vars("", state.Mailbox{}, state.Counts{}), "FAILED", err
	}
	return vars("1", mb, c), "SUCCESS", nil
}

// info serves Stasis(voicemail,info,MAILBOX): it sets the mailbox's
// variables on the channel, without answering it, and hands it straight
// back to the dialplan. It keeps no session: a channel left in the app by
// an instance that dies in these few milliseconds is not resumed.
func (a *App) info(ctx context.Context, n *node, channelID string, id state.MailboxID, log *zap.Logger) {
	rctx, cancel := context.WithTimeout(ctx, infoTimeout)
	vars, status, err := mailboxInfo(rctx, a.store, id)
	cancel()
	if err != nil {
		log.Error("info: read the mailbox", zap.Stringer("mailbox", id), zap.Error(err))
		a.ops.metrics.failed(opRedisMailbox)
	}
	call.LeaveChannelWith(ctx, n.client, channelID, status, vars, n.log)
}
