package state

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

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
//	vm:{1001@default}:auth:day   HASH  failed PIN entries of the day:
//	                                   start (unix ms, the first failure),
//	                                   n; a new day starts DailyWindow
//	                                   after start
//	vm:{1001@default}:f:<n>      ZSET  folder n (0 New … 4 Friends, 5 Urgent):
//	                                   message id → deposit time, unix ms
//	vm:{1001@default}:msg:<id>   HASH  one message's envelope (fields
//	                                   below); exists exactly while the id
//	                                   is in one folder ZSET or the trash
//	vm:{1001@default}:trash      ZSET  messages deleted from the web page
//	                                   or the admin API, restorable until
//	                                   purged: message id → deletion time,
//	                                   unix ms (trash.go)
//	vm:{1001@default}:ver        STRING version of the New/Old counts,
//	                                   INCR by every change of a folder
//	vm:{1001@default}:mwi:pub    STRING the highest version a message-
//	                                   waiting publisher has claimed
//	vm:{1001@default}:greetings  HASH  greeting kind → ARI stored
//	                                   recording name of the active one
//	vm:{1001@default}:outbox     STREAM notifications (email, pager) of
//	                                   new messages, consumer group "mail";
//	                                   written by the deposit's script
//	vm:{1001@default}:outbox:try HASH  <entry id>:n attempts, :next due
//	                                   time (unix ms, Redis' clock), :err
//	                                   last error
//	vm:{1001@default}:outbox:dead STREAM notifications given up on, with
//	                                   reason, attempts and dead_at
//	vm:{1001@default}:deleted    STRING set when an administrator deleted
//	                                   the mailbox (unix ms), so that
//	                                   provisioning does not create it again;
//	                                   creating it through the admin API
//	                                   clears it
//
// The mailboxes are listed in one index, and the administrators' actions
// in one capped stream, each on a slot of its own (so neither can change in
// the same script as a mailbox's keys: see mailbox_index.go):
//
//	vm:{index}:mailboxes         ZSET  every mailbox id "NUMBER@CONTEXT",
//	                                   score 0 (ordered as text)
//	vm:{audit}:log               STREAM the administrators' actions
//	                                   (audit.go), capped
//
// Instances hear of count changes made elsewhere (the CLI) on the Pub/Sub
// channel vm:mwi:changed (message: "NUMBER@CONTEXT").
//
// A calling number's failed logins, across mailboxes, have a tag of their
// own (callerAuthKey; NUMBER is the caller ID number when it is plain, a
// digest of it otherwise):
//
//	vm:{caller:NUMBER}:auth      HASH  start, n, as auth:day
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
//	                                   on Redis' clock (TIME)
//	vm:{cluster}:apps            HASH  instance id → its ARI app name
//	vm:{cluster}:owned:<id>      SET   channel ids of the calls it owns
//	vm:{cluster}:reap:<id>       STRING the instance reaping <id> (a lock)
//
// The outboxes are found through one index, under its own tag (outbox.go):
//
//	vm:{mail}:due                ZSET  mailbox → when its outbox is next
//	                                   due for a visit, unix ms on Redis'
//	                                   clock
//	vm:{mail}:hint               HASH  mailbox → notifications queued
//	                                   (a counter, never deleted)
//
// With Config.MinReplicas set on a Redis Cluster, a write whose loss
// matters also sets, in its slot, a marker that WAIT counts from
// (runReplicated); it expires after a second:
//
//	vm:{1001@default}:wait       STRING "" (also vm:session:{…}:wait)
//
// Ids are validated before they get here (MailboxID.Validate,
// validChannelID and ValidateMessageID), so no part can contain '{', '}' or
// ':'.
const keyPrefix = "vm:"

// Fields of the mailbox HASH.
const (
	fieldName       = "name"
	fieldEmail      = "email"
	fieldPager      = "pager"        // address of short pager notifications
	fieldAttach     = "attach"       // attachment format of the email
	fieldDeleteMail = "delete_email" // "1": delete a message once emailed
	fieldTimezone   = "tz"           // IANA time zone of the email's dates
	fieldLanguage   = "language"
	fieldPINHash    = "pin_hash"    // bcrypt hash of the PIN
	fieldPINSource  = "pin_source"  // pinSourceConfig or pinSourceOwner
	fieldPINDefault = "pin_default" // "1" when the PIN is Config.DefaultPIN
	fieldPINVer     = "pin_ver"     // incremented on every PIN change
	fieldCreated    = "created"     // unix ms
	fieldReview     = "review"      // "1"/"0"; absent: the system's setting
	// The other options (Options, options.go): absent, the system's setting.
	fieldOperator    = "operator"    // "1"/"0"
	fieldEnvelope    = "envelope"    // "1"/"0"
	fieldSayCID      = "saycid"      // "1"/"0"
	fieldSayDuration = "sayduration" // "1"/"0"
	fieldForceName   = "forcename"   // "1"/"0"
	fieldForceGreet  = "forcegreet"  // "1"/"0"
	fieldMaxMessages = "maxmsg"      // decimal
	fieldMinSecs     = "minsecs"     // decimal seconds
	fieldMaxSecs     = "maxsecs"     // decimal seconds
	fieldMaxSilence  = "maxsilence"  // decimal seconds
	fieldManaged     = "managed"     // managedConfig (or absent) or managedAPI
	fieldHidden      = "hidden"      // "1": left out of the directory; absent: listed
)

// Values of fieldManaged: who keeps a mailbox's name, email, language and
// review.
const (
	managedConfig = "config" // the YAML: provisioning applies it
	managedAPI    = "api"    // the admin API or CLI: provisioning leaves it alone
)

// Values of fieldPINSource.
const (
	pinSourceConfig = "config" // set by Provision; Provision may replace it
	pinSourceOwner  = "owner"  // set by the owner by phone; Provision keeps it
	pinSourceAdmin  = "admin"  // set by an administrator; Provision keeps it
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
	fieldSessEnded    = "ended"   // "1": the call ended; only the epoch is kept (session_end.lua)
	fieldSessRun      = "run"     // run token of the process that last claimed or saved it (ClaimSession)
)

// Fields of the message HASH.
const (
	fieldMsgFolder     = "folder"      // folder number, 0 to 5 (5 Urgent)
	fieldMsgRecording  = "recording"   // ARI stored recording name
	fieldMsgCallerNum  = "caller_num"  // caller ID number
	fieldMsgCallerName = "caller_name" // caller ID name
	fieldMsgReceived   = "received"    // unix ms; also its folder score
	fieldMsgDuration   = "duration"    // milliseconds
	fieldMsgOrigin     = "origin"      // NUMBER@CONTEXT first left in
	fieldMsgIntro      = "intro"       // recording of a forward's introduction, optional
	fieldMsgUrgent     = "urgent"      // "1" for an urgent message, else absent
	fieldMsgTranscript = "transcript"  // the automatic transcript, optional
	fieldMsgDeleted    = "deleted"     // unix ms, while the message is in the trash
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

// authDayKey counts the failed PIN entries of the mailbox's day.
func authDayKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":auth:day"
}

// callerAuthKey counts the failed PIN entries of one calling number's day,
// across mailboxes. A number that is not plain (digits, letters, + * # . -
// _, at most 40) is replaced by a digest, so that no caller ID can inject a
// hash tag or grow keys without bound.
func callerAuthKey(number string) string {
	plain := len(number) <= 40
	for i := 0; plain && i < len(number); i++ {
		c := number[i]
		plain = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c == '+' || c == '*' || c == '#' || c == '.' || c == '-' || c == '_'
	}
	if !plain {
		sum := sha256.Sum256([]byte(number))
		number = "sha256-" + hex.EncodeToString(sum[:16])
	}
	return keyPrefix + "{caller:" + number + "}:auth"
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

// trashKey is the ZSET of a mailbox's deleted, restorable messages
// (message id → deletion time in unix ms).
func trashKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":trash"
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

// tombstoneKey marks a mailbox an administrator deleted.
func tombstoneKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":deleted"
}

// mailboxIndexKey lists every mailbox (mailbox_index.go).
const mailboxIndexKey = keyPrefix + "{index}:mailboxes"

// auditKey is the stream of administrators' actions (audit.go).
const auditKey = keyPrefix + "{audit}:log"

// mwiChangedChannel is the Pub/Sub channel of count changes made outside
// an instance (NotifyMWIChanged).
const mwiChangedChannel = keyPrefix + "mwi:changed"

// folderKeys returns the ZSETs of every folder, in folder order: the first
// KEYS of the scripts that may touch any folder.
func folderKeys(id MailboxID) []string {
	keys := make([]string, len(AllFolders))
	for i, f := range AllFolders {
		keys[i] = folderKey(id, f)
	}
	return keys
}

// outboxKey is the STREAM of a mailbox's notifications to send.
func outboxKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":outbox"
}

// outboxTriesKey is the HASH of the send attempts of a mailbox's
// notifications.
func outboxTriesKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":outbox:try"
}

// outboxDeadKey is the STREAM of a mailbox's notifications given up on.
func outboxDeadKey(id MailboxID) string {
	return keyPrefix + mailboxTag(id) + ":outbox:dead"
}

const mailTag = keyPrefix + "{mail}:"

func mailDueKey() string  { return mailTag + "due" }
func mailHintKey() string { return mailTag + "hint" }
