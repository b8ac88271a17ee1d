package state

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxChannelIDLen bounds a channel id. ARI's own ids look like
// "1732634712.42"; clients may choose their own (channels originate with
// channelId), hence the wider alphabet.
const maxChannelIDLen = 128

// maxEpoch is the largest epoch SaveSession accepts: Lua compares epochs as
// doubles, exact up to 2^53.
const maxEpoch = 1 << 53

// Session is the state another instance needs to resume a call.
type Session struct {
	// ChannelID is the Asterisk channel of the call.
	ChannelID string
	// Instance is the id of the instance that owns the call.
	Instance string
	// App is the ARI application name the owner registered.
	App string
	// Epoch is the owner's fencing token: SaveSession refuses a session
	// whose epoch is lower than the stored one.
	Epoch int64
	// Mailbox is the authenticated mailbox ("NUMBER@CONTEXT"), "" if none
	// yet.
	Mailbox string
	// Menu is the menu engine's serialised state, opaque here; nil if none.
	Menu json.RawMessage
	// Listing is the listing of the folder the menu state browses, opaque
	// here, kept apart from Menu because it changes only when a folder is
	// loaded while Menu is saved at every step. SaveSession writes it only
	// when it is not nil, in the same script, and keeps the stored one
	// otherwise; LoadSession returns the stored one, nil if none.
	Listing json.RawMessage
	// Created is when the session was first saved; kept by later saves.
	Created time.Time
	// Updated is when the session was last saved; set by SaveSession.
	Updated time.Time
}

// validChannelID reports whether id matches ^[A-Za-z0-9._-]{1,128}$ and
// is not dots only ("." and ".." are path steps, not names).
func validChannelID(id string) bool {
	if len(id) == 0 || len(id) > maxChannelIDLen || strings.Trim(id, ".") == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkChannelID returns an error wrapping ErrInvalidChannelID for a bad id.
func checkChannelID(id string) error {
	if !validChannelID(id) {
		return fmt.Errorf("%w: %q", ErrInvalidChannelID, clip(id))
	}
	return nil
}

// Replies of session_save.lua.
const (
	saveCorrupt = -1
	saveStale   = 0
	saveOK      = 1
)

// SaveSession writes the session, sets its Updated time to now, keeps the
// Created time of an earlier save (or sets it, from sess.Created if given,
// else now) and makes the record live Config.SessionTTL from now.
//
// The write is a compare-and-set on the epoch: if the stored session has a
// higher epoch, or the call has ended (EndSession), nothing is written and
// the error wraps ErrStaleEpoch, so an owner that was paused while another
// instance took the call over cannot overwrite the new owner's state, nor
// bring the session of a call the new owner ended back to life. A stored record that cannot be decoded is
// not overwritten either (ErrCorruptSession). Errors wrap
// ErrInvalidChannelID or ErrInvalidSession for bad input.
func (s *Store) SaveSession(ctx context.Context, sess Session) error {
	if err := checkChannelID(sess.ChannelID); err != nil {
		return err
	}
	if sess.Epoch < 0 || sess.Epoch > maxEpoch {
		return fmt.Errorf("state: save session %s: %w: epoch %d out of range", sess.ChannelID, ErrInvalidSession, sess.Epoch)
	}
	if sess.Mailbox != "" {
		if _, err := ParseMailbox(sess.Mailbox); err != nil {
			return fmt.Errorf("state: save session %s: %w: %w", sess.ChannelID, ErrInvalidSession, err)
		}
	}
	if len(sess.Menu) > 0 && !json.Valid(sess.Menu) {
		return fmt.Errorf("state: save session %s: %w: menu state is not valid JSON", sess.ChannelID, ErrInvalidSession)
	}
	writeListing := "0"
	if sess.Listing != nil {
		if !json.Valid(sess.Listing) {
			return fmt.Errorf("state: save session %s: %w: listing is not valid JSON", sess.ChannelID, ErrInvalidSession)
		}
		writeListing = "1"
	}
	var created int64
	if !sess.Created.IsZero() {
		created = sess.Created.UnixMilli()
	}
	res, err := sessionSaveScript.Run(ctx, s.rdb, []string{sessionKey(sess.ChannelID)},
		sess.Epoch, s.cfg.SessionTTL.Milliseconds(), s.now().UnixMilli(), created,
		sess.Instance, sess.App, sess.Mailbox, []byte(sess.Menu), writeListing, []byte(sess.Listing), s.run).Slice()
	if err != nil {
		return fmt.Errorf("state: save session %s: %w", sess.ChannelID, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case saveOK:
		return nil
	case saveStale:
		stored, _ := replyString(res, 1)
		return fmt.Errorf("state: save session %s: %w: epoch %d, stored %s", sess.ChannelID, ErrStaleEpoch, sess.Epoch, stored)
	case saveCorrupt:
		return fmt.Errorf("state: save session %s: %w", sess.ChannelID, ErrCorruptSession)
	}
	return fmt.Errorf("state: save session %s: unexpected reply %v", sess.ChannelID, res)
}

// LoadSession returns the stored session of a channel. Errors wrap
// ErrInvalidChannelID, ErrSessionNotFound, or ErrCorruptSession for a record
// that cannot be decoded.
func (s *Store) LoadSession(ctx context.Context, channelID string) (Session, error) {
	if err := checkChannelID(channelID); err != nil {
		return Session{}, err
	}
	fields, err := s.rdb.HGetAll(ctx, sessionKey(channelID)).Result()
	if isWrongType(err) {
		return Session{}, fmt.Errorf("state: load session %s: %w: not a hash", channelID, ErrCorruptSession)
	}
	if err != nil {
		return Session{}, fmt.Errorf("state: load session %s: %w", channelID, err)
	}
	if len(fields) == 0 || fields[fieldSessEnded] != "" {
		return Session{}, fmt.Errorf("state: load session %s: %w", channelID, ErrSessionNotFound)
	}
	sess, err := decodeSession(channelID, fields)
	if err != nil {
		return Session{}, fmt.Errorf("state: load session %s: %w: %w", channelID, ErrCorruptSession, err)
	}
	return sess, nil
}

// decodeSession builds a Session from the stored HASH fields, checking each.
func decodeSession(channelID string, f map[string]string) (Session, error) {
	epoch, err := strconv.ParseInt(f[fieldSessEpoch], 10, 64)
	if err != nil || epoch < 0 {
		return Session{}, fmt.Errorf("epoch %q", clip(f[fieldSessEpoch]))
	}
	created, err := strconv.ParseInt(f[fieldSessCreated], 10, 64)
	if err != nil {
		return Session{}, fmt.Errorf("created %q", clip(f[fieldSessCreated]))
	}
	updated, err := strconv.ParseInt(f[fieldSessUpdated], 10, 64)
	if err != nil {
		return Session{}, fmt.Errorf("updated %q", clip(f[fieldSessUpdated]))
	}
	mailbox := f[fieldSessMailbox]
	if mailbox != "" {
		if _, err := ParseMailbox(mailbox); err != nil {
			return Session{}, err
		}
	}
	var menu json.RawMessage
	if m := f[fieldSessMenu]; m != "" {
		if !json.Valid([]byte(m)) {
			return Session{}, fmt.Errorf("menu state is not valid JSON")
		}
		menu = json.RawMessage(m)
	}
	var listing json.RawMessage
	if l := f[fieldSessListing]; l != "" {
		if !json.Valid([]byte(l)) {
			return Session{}, fmt.Errorf("listing is not valid JSON")
		}
		listing = json.RawMessage(l)
	}
	return Session{
		ChannelID: channelID,
		Instance:  f[fieldSessInstance],
		App:       f[fieldSessApp],
		Epoch:     epoch,
		Mailbox:   mailbox,
		Menu:      menu,
		Listing:   listing,
		Created:   time.UnixMilli(created),
		Updated:   time.UnixMilli(updated),
	}, nil
}

// DeleteSession removes a channel's session, corrupt or not. Deleting a
// session that does not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, channelID string) error {
	if err := checkChannelID(channelID); err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, sessionKey(channelID)).Err(); err != nil {
		return fmt.Errorf("state: delete session %s: %w", channelID, err)
	}
	return nil
}
