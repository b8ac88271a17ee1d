package state

import (
	"errors"

	"github.com/clusterpbx/voicemail/mailbox"
)

// ErrInvalidMailbox is returned when a mailbox number or context is not
// acceptable, before anything reaches Redis. It is mailbox.ErrInvalidID.
//
// Deprecated: use mailbox.ErrInvalidID, the same error.
var ErrInvalidMailbox = mailbox.ErrInvalidID

// ErrInvalidPIN is returned when a PIN is not 1 to 20 ASCII digits.
var ErrInvalidPIN = errors.New("state: invalid PIN")

// ErrInvalidConfig is returned by New when a Config field is out of range or
// a required dependency is missing.
var ErrInvalidConfig = errors.New("state: invalid config")

// ErrInvalidFolder is returned for a folder number out of range. It is
// mailbox.ErrInvalidFolder.
//
// Deprecated: use mailbox.ErrInvalidFolder, the same error.
var ErrInvalidFolder = mailbox.ErrInvalidFolder

// ErrMailboxNotFound is returned when no mailbox with the given id has been
// provisioned.
var ErrMailboxNotFound = errors.New("state: mailbox not found")

// ErrWrongPIN is returned by Authenticate when the PIN does not match. The
// failure has been counted towards the lockout.
var ErrWrongPIN = errors.New("state: wrong PIN")

// ErrLocked is returned by Authenticate when the mailbox has had
// Config.MaxFailures failed PIN entries within Config.FailureWindow. The PIN
// is not checked while the mailbox is locked.
var ErrLocked = errors.New("state: mailbox locked after too many failed PIN entries")

// ErrInvalidChannelID is returned when a channel id is not 1 to 128 of the
// characters A-Z, a-z, 0-9, '.', '_' and '-'.
var ErrInvalidChannelID = errors.New("state: invalid channel id")

// ErrInvalidSession is returned by SaveSession for a session that cannot be
// stored as given: a negative or too large epoch, a malformed mailbox or menu
// state that is not valid JSON.
var ErrInvalidSession = errors.New("state: invalid session")

// ErrSessionNotFound is returned by LoadSession when the channel has no
// session record (never saved, ended, deleted, or expired after
// Config.SessionTTL).
var ErrSessionNotFound = errors.New("state: session not found")

// ErrStaleEpoch is returned by SaveSession when the stored session carries a
// higher epoch (fencing token) than the one being saved, or the call has
// ended (EndSession): another instance has taken the call over, and the
// caller must stop acting on it.
var ErrStaleEpoch = errors.New("state: stale session epoch")

// ErrClaimedThisRun is ClaimSession's answer to a claim of an earlier
// run's call (the expected owner is the instance itself) whose session is
// already this process's: a call it serves, or one it claimed in an
// earlier attempt whose reply was lost. The epoch returned with it is the
// session's.
var ErrClaimedThisRun = errors.New("state: session already claimed by this run")

// ErrCorruptSession is returned when a stored session record cannot be
// decoded. SaveSession refuses to overwrite such a record, because its epoch
// is unknown; DeleteSession removes it.
var ErrCorruptSession = errors.New("state: corrupt session record")

// ErrMailboxFull is returned by Deposit when the New folder already holds
// Config.MaxMessages messages, and by Move when the target folder does
// (app_voicemail's maxmsg). Nothing has been written.
var ErrMailboxFull = errors.New("state: mailbox full")

// ErrMessageNotFound is returned when a mailbox has no message with the
// given id (never deposited, or deleted).
var ErrMessageNotFound = errors.New("state: message not found")

// ErrInvalidMessage is returned by Deposit for a message that cannot be
// stored as given: a bad mailbox, origin or recording name, a zero
// received time, a negative duration, or a folder other than New. It is
// checked before anything reaches Redis.
var ErrInvalidMessage = errors.New("state: invalid message")

// ErrInvalidMessageID is returned when a message id is not 1 to 64 of the
// characters A-Z, a-z, 0-9 and '-'. It is mailbox.ErrInvalidMessageID.
//
// Deprecated: use mailbox.ErrInvalidMessageID, the same error.
var ErrInvalidMessageID = mailbox.ErrInvalidMessageID

// ErrCorruptMessage is returned by Message when the stored record of a
// message cannot be decoded. Messages skips such records and logs them.
var ErrCorruptMessage = errors.New("state: corrupt message record")

// ErrInvalidGreeting is returned by SetGreeting and ClearGreeting for an
// unknown greeting kind or a malformed recording name. It is
// mailbox.ErrInvalidGreeting.
//
// Deprecated: use mailbox.ErrInvalidGreeting, the same error.
var ErrInvalidGreeting = mailbox.ErrInvalidGreeting

// ErrNotReplicated is returned, wrapped, by the writes whose loss matters
// (Deposit, Move, CloseFolder, SetGreeting, ClearGreeting, SetPIN,
// ClaimSession) when Config.MinReplicas is set and fewer replicas than
// that confirmed the write within Config.ReplicaWait (Redis WAIT).
//
// The write was applied on the master and is not undone (Redis cannot
// undo it): it is lost only if the master fails before a replica gets it.
// The outcome is unknown, as after a lost reply, and the function's other
// results describe the write as if it had succeeded. Treat it as neither a
// success nor a failure: retry what is idempotent (Deposit), act on what
// it returned only where being wrong costs nothing (never delete audio on
// its strength; never act on a claimed epoch), and log and count it.
var ErrNotReplicated = errors.New("state: write not confirmed by enough replicas")

// ErrMailboxExists is returned by CreateMailbox when the mailbox exists.
// Nothing has been written.
var ErrMailboxExists = errors.New("state: mailbox exists")

// ErrInvalidMailboxField is returned by CreateMailbox and UpdateMailbox for
// a name, email or language that cannot be stored as given, before
// anything reaches Redis.
var ErrInvalidMailboxField = errors.New("state: invalid mailbox field")

// ErrInvalidQuery is returned by ListMailboxes and AuditLog for a paging
// cursor, filter or limit out of range, before anything reaches Redis.
var ErrInvalidQuery = errors.New("state: invalid query")

// ErrNotificationNotFound is returned for a notification id that is not a
// stream entry id; a well-formed id that no outbox holds is reported as
// not found by the result, not an error.
var ErrNotificationNotFound = errors.New("state: notification not found")
