// Package testenv lets Go tests and tools use the real Asterisk and Redis
// that the testenv/up script starts, and drive calls into them as a caller
// would: an ARI app of its own originates Local channels into the dialplan,
// presses keys on the caller's side and records every prompt the voicemail
// app plays.
package testenv

import (
	"errors"
	"os"
	"strconv"
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

// CI reports whether the tests run in CI: the environment variable CI is
// set to anything but "", "0" or "false" (.ci/run sets CI=true). See
// Missing for what it changes.
func CI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// Missing is the one rule for a test that needs a part of the test
// environment which is not there (testenv/up not run, the second
// Asterisk on a chroot fallback, sipp, root): on a developer's machine it
// skips the test, saying why; in CI (see CI) it fails the test, because
// there testenv/test sets up every part and a test that skipped would
// pass without having run. A test that skips by choice (testing.Short, a
// disruptive test run on its own) calls tb.Skip itself.
func Missing(tb testing.TB, why string) {
	tb.Helper()
	if CI() {
		tb.Fatalf("CI: %s", why)
		return
	}
	tb.Skip(why)
}

// Require returns the environment, or calls Missing when it is not up.
func Require(tb testing.TB) Env {
	tb.Helper()
	e, err := Load()
	if err != nil {
		Missing(tb, err.Error())
		return Env{}
	}
	return e
}

// RequireB is Require for tests that need the second Asterisk too, which
// testenv starts under Docker but not on its chroot fallback: without it,
// it calls Missing.
func RequireB(tb testing.TB) Env {
	tb.Helper()
	e := Require(tb)
	if e.ARIURLB == "" {
		Missing(tb, "testenv runs one Asterisk only (VOICEMAIL_TEST_ARI_URL_B unset)")
	}
	return e
}
