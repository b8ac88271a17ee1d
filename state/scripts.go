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
	//go:embed lua/session_save.lua
	sessionSaveSrc string
	//go:embed lua/session_claim.lua
	sessionClaimSrc string
	//go:embed lua/session_end.lua
	sessionEndSrc string
	//go:embed lua/instance_forget.lua
	instanceForgetSrc string
	//go:embed lua/message_deposit.lua
	messageDepositSrc string
	//go:embed lua/message_move.lua
	messageMoveSrc string
	//go:embed lua/folder_close.lua
	folderCloseSrc string
	//go:embed lua/mwi_claim.lua
	mwiClaimSrc string
	//go:embed lua/greeting_swap.lua
	greetingSwapSrc string
)

var (
	mailboxCreateScript  = redis.NewScript(mailboxCreateSrc)
	mailboxUpdateScript  = redis.NewScript(mailboxUpdateSrc)
	pinSetScript         = redis.NewScript(pinSetSrc)
	pinRehashScript      = redis.NewScript(pinRehashSrc)
	authBeginScript      = redis.NewScript(authBeginSrc)
	authFailScript       = redis.NewScript(authFailSrc)
	sessionSaveScript    = redis.NewScript(sessionSaveSrc)
	sessionClaimScript   = redis.NewScript(sessionClaimSrc)
	sessionEndScript     = redis.NewScript(sessionEndSrc)
	instanceForgetScript = redis.NewScript(instanceForgetSrc)
	messageDepositScript = redis.NewScript(messageDepositSrc)
	messageMoveScript    = redis.NewScript(messageMoveSrc)
	folderCloseScript    = redis.NewScript(folderCloseSrc)
	mwiClaimScript       = redis.NewScript(mwiClaimSrc)
	greetingSwapScript   = redis.NewScript(greetingSwapSrc)
)
