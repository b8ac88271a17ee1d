package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is a signed-in browser, as kept in Redis: any instance serves
// it, and a restart signs nobody out.
type Session struct {
	// Kind is "owner" (a mailbox's owner) or "admin" (an administrator).
	Kind string `json:"k"`
	// Mailbox is the owner's mailbox, "NUMBER@CONTEXT".
	Mailbox string `json:"m,omitempty"`
	// Admin is the administrator's token name (the audit trail's actor).
	Admin string `json:"a,omitempty"`
	// CSRF is the token every form of the session carries.
	CSRF string `json:"c"`
	// Lang is the pages' language, "en" or "fr".
	Lang string `json:"l"`
	// MustChangePIN sends the owner to the PIN change until it is done
	// (the phone's first-login walk-through).
	MustChangePIN bool `json:"p,omitempty"`
	// Created is when the session began, unix seconds.
	Created int64 `json:"t"`
}

// Session kinds.
const (
	kindOwner = "owner"
	kindAdmin = "admin"
)

// sessions keeps sessions in Redis under the SHA-256 of their cookie's
// token, so that a copy of Redis signs nobody in. A session expires after
// idle without a request, and at max after it began whatever the activity.
type sessions struct {
	rdb       redis.UniversalClient
	idle, max time.Duration
	now       func() time.Time
}

// errNoSession is a cookie that names no live session.
var errNoSession = errors.New("web: no such session")

func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	// One hash tag per session: sessions spread over a cluster's slots.
	return "vm:{websession:" + hex.EncodeToString(sum[:]) + "}"
}

// randomToken returns 256 random bits, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// create stores a new session and returns its cookie token.
func (s *sessions) create(ctx context.Context, sess Session) (string, Session, error) {
	sess.CSRF = randomToken()
	sess.Created = s.now().Unix()
	b, err := json.Marshal(sess)
	if err != nil {
		return "", Session{}, fmt.Errorf("web: session: %w", err)
	}
	token := randomToken()
	if err := s.rdb.Set(ctx, sessionKey(token), b, s.idle).Err(); err != nil {
		return "", Session{}, fmt.Errorf("web: store session: %w", err)
	}
	return token, sess, nil
}

// get returns the session of token; touch restarts its idle time (a
// request of the person), else it is left as it is (a live update's
// check).
func (s *sessions) get(ctx context.Context, token string, touch bool) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, errNoSession
	}
	key := sessionKey(token)
	var cmd *redis.StringCmd
	if touch {
		cmd = s.rdb.GetEx(ctx, key, s.idle)
	} else {
		cmd = s.rdb.Get(ctx, key)
	}
	b, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, errNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("web: read session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return Session{}, fmt.Errorf("web: session: %w", err)
	}
	if s.now().Sub(time.Unix(sess.Created, 0)) > s.max {
		_ = s.rdb.Del(ctx, key).Err()
		return Session{}, errNoSession
	}
	return sess, nil
}

// update rewrites a session, keeping its idle time.
func (s *sessions) update(ctx context.Context, token string, sess Session) error {
	b, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("web: session: %w", err)
	}
	if err := s.rdb.Set(ctx, sessionKey(token), b, s.idle).Err(); err != nil {
		return fmt.Errorf("web: store session: %w", err)
	}
	return nil
}

// delete ends a session.
func (s *sessions) delete(ctx context.Context, token string) error {
	if err := s.rdb.Del(ctx, sessionKey(token)).Err(); err != nil {
		return fmt.Errorf("web: end session: %w", err)
	}
	return nil
}
