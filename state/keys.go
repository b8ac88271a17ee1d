package state

import "strconv"

// Redis key layout. Every key of one mailbox carries the hash tag
// {NUMBER@CONTEXT}, so a Lua script over several keys of one mailbox runs on
// one Redis Cluster slot:
//
//	vm:{1001@default}:box        HASH  the mailbox record (fields below)
//	vm:{1001@default}:auth:fail  STRING failed PIN entries in the current
//	                                   window; expires after FailureWindow
//	vm:{1001@default}:f:<n>      ZSET  folder n (0 New … 4 Friends):
//	                                   message id → deposit time, unix ms
//
// A call's session has its own tag, the channel id:
//
//	vm:session:{1732634712.42}   HASH  session record (fields below);
//	                                   expires SessionTTL after its last write
//
// Ids are validated before they get here (MailboxID.Validate and
// validChannelID), so neither part can contain '{', '}' or ':'.
const keyPrefix = "vm:"

// Fields of the mailbox HASH.
const (
	fieldName       = "name"
	fieldEmail      = "email"
	fieldLanguage   = "language"
	fieldPINHash    = "pin_hash"    // bcrypt hash of the PIN
	fieldPINSource  = "pin_source"  // pinSourceConfig or pinSourceOwner
	fieldPINDefault = "pin_default" // "1" when the PIN is Config.DefaultPIN
	fieldPINVer     = "pin_ver"     // incremented on every PIN change
	fieldCreated    = "created"     // unix ms
)

// Values of fieldPINSource.
const (
	pinSourceConfig = "config" // set by Provision; Provision may replace it
	pinSourceOwner  = "owner"  // set by the owner by phone; Provision keeps it
)

// Fields of the session HASH.
const (
	fieldSessEpoch    = "epoch"
	fieldSessInstance = "instance"
	fieldSessApp      = "app"
	fieldSessMailbox  = "mailbox"
	fieldSessMenu     = "menu"
	fieldSessCreated  = "created" // unix ms
	fieldSessUpdated  = "updated" // unix ms
)

// mailboxTag is the hash tag shared by every key of one mailbox.
func mailboxTag(id MailboxID) string {
	return "{" + id.String() + "}"
}

// boxKey is the HASH holding the mailbox record.
func boxKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":box"
}

// authFailKey counts failed PIN entries in the current lockout window.
func authFailKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":auth:fail"
}

// folderKey is the ZSET of message ids in one folder (message id → deposit
// time in unix ms).
func folderKey(id MailboxID, f Folder) string {
	return keyPrefix + mailboxTag(id) + ":f:" + strconv.Itoa(int(f))
}

// sessionKey is the HASH holding a call's session.
func sessionKey(channelID string) string {
	return keyPrefix + "session:{" + channelID + "}"
}
