package state

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts behind every change of more than one key or field that
// must be atomic. Each file documents its KEYS, ARGV and reply. They run
// with Script.Run: EVALSHA, falling back to EVAL when Redis has not cached
// the script (after a restart or a failover).
var (
	//go:embed lua/mailbox_create.lua
	mailboxCreateSrc string
	//go:embed lua/mailbox_update.lua
	mailboxUpdateSrc string
	//go:embed lua/pin_set.lua
	pinSetSrc string
	//go:embed lua/pin_rehash.lua
	pinRehashSrc string
	//go:embed lua/auth_begin.lua
	authBeginSrc string
	//go:embed lua/auth_fail.lua
	authFailSrc string
	//go:embed lua/auth_caller.lua
	authCallerSrc string
	//go:embed lua/auth_refund.lua
	authRefundSrc string
	//go:embed lua/session_save.lua
	sessionSaveSrc string
	//go:embed lua/session_claim.lua
	sessionClaimSrc string
	//go:embed lua/session_end.lua
	sessionEndSrc string
	//go:embed lua/instance_renew.lua
	instanceRenewSrc string
	//go:embed lua/instance_list.lua
	instanceListSrc string
	//go:embed lua/instance_forget.lua
	instanceForgetSrc string
	//go:embed lua/instance_reap_retry.lua
	instanceReapRetrySrc string
	//go:embed lua/instance_resign.lua
	instanceResignSrc string
	//go:embed lua/message_deposit.lua
	messageDepositSrc string
	//go:embed lua/message_import.lua
	messageImportSrc string
	//go:embed lua/message_move.lua
	messageMoveSrc string
	//go:embed lua/message_trash.lua
	messageTrashSrc string
	//go:embed lua/message_restore.lua
	messageRestoreSrc string
	//go:embed lua/trash_purge.lua
	trashPurgeSrc string
	//go:embed lua/folder_close.lua
	folderCloseSrc string
	//go:embed lua/mwi_claim.lua
	mwiClaimSrc string
	//go:embed lua/greeting_swap.lua
	greetingSwapSrc string
	//go:embed lua/janitor_note.lua
	janitorNoteSrc string
	//go:embed lua/janitor_lock.lua
	janitorLockSrc string
	//go:embed lua/message_repair.lua
	messageRepairSrc string
	//go:embed lua/audio_unlink.lua
	audioUnlinkSrc string
	//go:embed lua/mwi_realign.lua
	mwiRealignSrc string
	//go:embed lua/folder_drop.lua
	folderDropSrc string
	//go:embed lua/mailbox_admin_create.lua
	mailboxAdminCreateSrc string
	//go:embed lua/mailbox_admin_update.lua
	mailboxAdminUpdateSrc string
	//go:embed lua/mailbox_delete.lua
	mailboxDeleteSrc string
	//go:embed lua/pin_admin_set.lua
	pinAdminSetSrc string
	//go:embed lua/mail_take.lua
	mailTakeSrc string
	//go:embed lua/mail_sent.lua
	mailSentSrc string
	//go:embed lua/mail_failed.lua
	mailFailedSrc string
	//go:embed lua/mail_next.lua
	mailNextSrc string
	//go:embed lua/mail_due.lua
	mailDueSrc string
	//go:embed lua/mail_hint.lua
	mailHintSrc string
	//go:embed lua/mail_schedule.lua
	mailScheduleSrc string
	//go:embed lua/mail_requeue.lua
	mailRequeueSrc string
	//go:embed lua/mail_drop.lua
	mailDropSrc string
)

var (
	mailboxCreateScript      = redis.NewScript(mailboxCreateSrc)
	mailboxUpdateScript      = redis.NewScript(mailboxUpdateSrc)
	pinSetScript             = redis.NewScript(pinSetSrc)
	pinRehashScript          = redis.NewScript(pinRehashSrc)
	authBeginScript          = redis.NewScript(authBeginSrc)
	authFailScript           = redis.NewScript(authFailSrc)
	authCallerScript         = redis.NewScript(authCallerSrc)
	authRefundScript         = redis.NewScript(authRefundSrc)
	sessionSaveScript        = redis.NewScript(sessionSaveSrc)
	sessionClaimScript       = redis.NewScript(sessionClaimSrc)
	sessionEndScript         = redis.NewScript(sessionEndSrc)
	instanceRenewScript      = redis.NewScript(instanceRenewSrc)
	instanceListScript       = redis.NewScript(instanceListSrc)
	instanceForgetScript     = redis.NewScript(instanceForgetSrc)
	instanceReapRetryScript  = redis.NewScript(instanceReapRetrySrc)
	instanceResignScript     = redis.NewScript(instanceResignSrc)
	messageDepositScript     = redis.NewScript(messageDepositSrc)
	messageImportScript      = redis.NewScript(messageImportSrc)
	messageMoveScript        = redis.NewScript(messageMoveSrc)
	messageTrashScript       = redis.NewScript(messageTrashSrc)
	messageRestoreScript     = redis.NewScript(messageRestoreSrc)
	trashPurgeScript         = redis.NewScript(trashPurgeSrc)
	folderCloseScript        = redis.NewScript(folderCloseSrc)
	mwiClaimScript           = redis.NewScript(mwiClaimSrc)
	greetingSwapScript       = redis.NewScript(greetingSwapSrc)
	janitorNoteScript        = redis.NewScript(janitorNoteSrc)
	janitorLockScript        = redis.NewScript(janitorLockSrc)
	messageRepairScript      = redis.NewScript(messageRepairSrc)
	audioUnlinkScript        = redis.NewScript(audioUnlinkSrc)
	mwiRealignScript         = redis.NewScript(mwiRealignSrc)
	folderDropScript         = redis.NewScript(folderDropSrc)
	mailboxAdminCreateScript = redis.NewScript(mailboxAdminCreateSrc)
	mailboxAdminUpdateScript = redis.NewScript(mailboxAdminUpdateSrc)
	mailboxDeleteScript      = redis.NewScript(mailboxDeleteSrc)
	pinAdminSetScript        = redis.NewScript(pinAdminSetSrc)
	mailTakeScript           = redis.NewScript(mailTakeSrc)
	mailSentScript           = redis.NewScript(mailSentSrc)
	mailFailedScript         = redis.NewScript(mailFailedSrc)
	mailNextScript           = redis.NewScript(mailNextSrc)
	mailDueScript            = redis.NewScript(mailDueSrc)
	mailHintScript           = redis.NewScript(mailHintSrc)
	mailScheduleScript       = redis.NewScript(mailScheduleSrc)
	mailRequeueScript        = redis.NewScript(mailRequeueSrc)
	mailDropScript           = redis.NewScript(mailDropSrc)
)
