package state

import "strconv"

// Redis key layout. Every key of one mailbox carries the hash tag
// {NUMBER@CONTEXT}, so a Lua script over several keys of one mailbox runs on
// one Redis Cluster slot:
//
//	vm:{1001@default}:box        HASH  the mailbox record (fields below)
//	vm:{1001@default}:auth:fail  STRING failed PIN entries in the current
//	                                   window; expires after FailureWindow
//	vm:{1001@default}:auth:lock  STRING set while the mailbox is locked
//	                                   out (value: the strike number);
//	                                   expires when the lockout ends
//	vm:{1001@default}:auth:strikes STRING lockouts in a row; expires
//	                                   LockoutMax after the last one ends
//	vm:{1001@default}:f:<n>      ZSET  folder n (0 New … 4 Friends):
//	                                   message id → deposit time, unix ms
//	vm:{1001@default}:msg:<id>   HASH  one message's envelope (fields
//	                                   below); exists exactly while the id
//	                                   is in one folder ZSET
//	vm:{1001@default}:ver        STRING version of the New/Old counts,
//	                                   INCR by every change of a folder
//	vm:{1001@default}:mwi:pub    STRING the highest version a message-
//	                                   waiting publisher has claimed
//	vm:{1001@default}:greetings  HASH  greeting kind → ARI stored
//	                                   recording name of the active one
//
// A call's session has its own tag, the channel id:
//
//	vm:session:{1732634712.42}   HASH  session record (fields below);
//	                                   expires SessionTTL after its last write
//
// The instances of a cluster share one tag, so the reaper's scripts run on
// one slot:
//
//	vm:{cluster}:leases          ZSET  instance id → lease deadline, unix ms
//	vm:{cluster}:apps            HASH  instance id → its ARI app name
//	vm:{cluster}:owned:<id>      SET   channel ids of the calls it owns
//	vm:{cluster}:reap:<id>       STRING the instance reaping <id> (a lock)
//
// Ids are validated before they get here (MailboxID.Validate,
// validChannelID and ValidateMessageID), so no part can contain '{', '}' or
// ':'.
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
	fieldSessListing  = "listing" // the browsed folder's listing (Session.Listing)
	fieldSessCreated  = "created" // unix ms
	fieldSessUpdated  = "updated" // unix ms
)

// Fields of the message HASH.
const (
	fieldMsgFolder     = "folder"      // folder number, 0 to 4
	fieldMsgRecording  = "recording"   // ARI stored recording name
	fieldMsgCallerNum  = "caller_num"  // caller ID number
	fieldMsgCallerName = "caller_name" // caller ID name
	fieldMsgReceived   = "received"    // unix ms; also its folder score
	fieldMsgDuration   = "duration"    // milliseconds
	fieldMsgOrigin     = "origin"      // NUMBER@CONTEXT first left in
	fieldMsgIntro      = "intro"       // recording of a forward's introduction, optional
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

const clusterTag = keyPrefix + "{cluster}:"

func leasesKey() string               { return clusterTag + "leases" }
func appsKey() string                 { return clusterTag + "apps" }
func ownedKey(instance string) string { return clusterTag + "owned:" + instance }
func reapKey(instance string) string  { return clusterTag + "reap:" + instance }

// authLockKey exists while the mailbox is locked out.
func authLockKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":auth:lock"
}

// authStrikesKey counts the lockouts in a row, for the growing backoff.
func authStrikesKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":auth:strikes"
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

// messageKey is the HASH holding one message's envelope.
func messageKey(id MailboxID, msgID string) string {
	return keyPrefix + mailboxTag(id) + ":msg:" + msgID
}

// versionKey is the version of a mailbox's New and Old counts.
func versionKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":ver"
}

// mwiPublishedKey is the highest version claimed by an MWI publisher.
func mwiPublishedKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":mwi:pub"
}

// greetingsKey is the HASH of a mailbox's active greetings.
func greetingsKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":greetings"
}

// folderKeys returns the ZSETs of every folder, in folder order: the first
// KEYS of the scripts that may touch any folder.
func folderKeys(id MailboxID) []string {
	keys := make([]string, len(AllFolders))
	for i, f := range AllFolders {
		keys[i] = folderKey(id, f)
	}
	return keys
}
