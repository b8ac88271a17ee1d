// Package testenv lets Go tests and tools use the real Asterisk and Redis
// that the testenv/up script starts, and drive calls into them as a caller
// would: an ARI app of its own originates Local channels into the dialplan,
// presses keys on the caller's side and records every prompt the voicemail
// app plays.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// Env says where the test environment listens (the lines testenv/where
// prints).
type Env struct {
	ARIURL, ARIUser, ARIPass string
	// SIP is host:port of the PJSIP UDP transport.
	SIP string
	// Redis is host:port of the testenv Redis.
	Redis string
	// AsteriskLog is the path of Asterisk's full log.
	AsteriskLog string
	// ARIURLB and SIPB reach the second Asterisk ("B"), which shares the
	// first one's recordings directory; empty when testenv runs only one
	// (the chroot fallback). See [RequireB].
	ARIURLB, SIPB string
}

// B returns the environment of the second Asterisk: the same as e with
// ARIURL and SIP of B.
func (e Env) B() Env {
	b := e
	b.ARIURL, b.SIP = e.ARIURLB, e.SIPB
	return b
}

// ErrNotRunning is returned by [Load] when testenv/up has not been run.
var ErrNotRunning = errors.New("testenv: not running: run testenv/up and export what it prints (testenv/test does)")

// Load reads the environment that testenv/up describes.
func Load() (Env, error) {
	e := Env{
		ARIURL:      os.Getenv("VOICEMAIL_TEST_ARI_URL"),
		ARIUser:     os.Getenv("VOICEMAIL_TEST_ARI_USER"),
		ARIPass:     os.Getenv("VOICEMAIL_TEST_ARI_PASS"),
		SIP:         os.Getenv("VOICEMAIL_TEST_SIP"),
		Redis:       os.Getenv("VOICEMAIL_TEST_REDIS"),
		AsteriskLog: os.Getenv("VOICEMAIL_TEST_ASTERISK_LOG"),
		ARIURLB:     os.Getenv("VOICEMAIL_TEST_ARI_URL_B"),
		SIPB:        os.Getenv("VOICEMAIL_TEST_SIP_B"),
	}
	if e.ARIURL == "" || e.ARIUser == "" || e.Redis == "" {
		return Env{}, ErrNotRunning
	}
	return e, nil
}

// Require returns the environment, or skips the test when it is not up. In
// CI (CI=true) a missing environment fails the test instead: integration
// tests must run there.
func Require(tb testing.TB) Env {
	tb.Helper()
	e, err := Load()
	if err == nil {
		return e
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%v", err)
	}
	tb.Skip(fmt.Sprint(err))
	return Env{}
}

// RequireB is Require for tests that need the second Asterisk too. When
// testenv runs only one (the chroot fallback) it skips the test, or fails
// it in CI (CI=true), where testenv runs under Docker and starts both.
func RequireB(tb testing.TB) Env {
	tb.Helper()
	e := Require(tb)
	if e.ARIURLB == "" {
		msg := "testenv runs one Asterisk only (VOICEMAIL_TEST_ARI_URL_B unset)"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return e
}
