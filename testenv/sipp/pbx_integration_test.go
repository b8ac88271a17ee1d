package sipp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/testenv"
)

// pbx looks at the test Asterisk through ARI's REST API only. The test
// extensions ([sipp-test] in testenv/asterisk/extensions.conf) publish what
// they found as channel variables; pbx polls for them, as nats-server's
// checkFor does, each wait bounded by its context. No WebSocket app: go test
// runs packages in parallel, and an app leaving at the same instant as
// another package's subscribeAll app can wedge Asterisk 22.10's application
// registry (testenv/up checks for that).
type pbx struct {
	env    testenv.Env
	client *ari.Client
}

// pollEvery is how often pbx looks again. TestCallsConcurrently has 25
// callers polling at once, each a channel listing and a variable: every
// 20 ms that was 2 500 ARI requests a second, on a machine that also runs
// the app package's calls (go test runs packages in parallel).
const pollEvery = 100 * time.Millisecond

// pbxTimeout bounds each of pbx's ARI requests. They check what Asterisk
// did, not how fast: on a busy 2-core CI machine a hang-up once took more
// than the client's default 5 s (a full CI run, 2026-12-05).
const pbxTimeout = 30 * time.Second

func newPBX(t *testing.T, env testenv.Env) pbx {
	t.Helper()
	client, err := ari.New(ari.Config{URL: env.ARIURL, Username: env.ARIUser, Password: env.ARIPass, Timeout: pbxTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return pbx{env: env, client: client}
}

// callerChannel returns the SIPp caller's channel whose caller ID number is
// number, if there is one now.
func (p pbx) callerChannel(ctx context.Context, number string) (ari.Channel, bool, error) {
	chans, err := p.client.ListChannels(ctx)
	if err != nil {
		return ari.Channel{}, false, err
	}
	for _, c := range chans {
		if strings.HasPrefix(c.Name, "PJSIP/sipp-") && c.Caller.Number == number {
			return c, true, nil
		}
	}
	return ari.Channel{}, false, nil
}

// waitVar waits until the caller's channel has variable set and returns the
// channel and the value.
func (p pbx) waitVar(ctx context.Context, number, variable string) (ari.Channel, string, error) {
	for {
		c, ok, err := p.callerChannel(ctx, number)
		if err == nil && ok {
			v, verr := p.client.GetVariable(ctx, c.ID, variable)
			if verr == nil {
				return c, v, nil
			}
			if !errors.Is(verr, ari.ErrNotFound) {
				err = verr
			}
		}
		if werr := pause(ctx); werr != nil {
			return ari.Channel{}, "", fmt.Errorf("caller %s: waiting for %s: %w (last error: %v)", number, variable, werr, err)
		}
	}
}

// waitGone waits until the caller has no channel left.
func (p pbx) waitGone(ctx context.Context, number string) error {
	for {
		_, ok, err := p.callerChannel(ctx, number)
		if err == nil && !ok {
			return nil
		}
		if werr := pause(ctx); werr != nil {
			return fmt.Errorf("caller %s: channel still up: %w", number, werr)
		}
	}
}

// hangup ends a channel from Asterisk's side.
func (p pbx) hangup(ctx context.Context, t *testing.T, id string) {
	t.Helper()
	if err := p.client.Hangup(ctx, id, "normal"); err != nil && !ari.IsGone(err) {
		t.Errorf("hang up %s: %v", id, err)
	}
}

// waitDTMFLog waits until Asterisk's log shows n DTMF ends on channel and
// returns their keys ("DTMF end '1' received on PJSIP/sipp-00000003,
// duration 100 ms": logger.conf logs dtmf). It returns "", nil when the log
// cannot be read here.
//
// Only the log written from offset from on is read (logSize before the
// call): on a machine that has run load tests the log is tens of MB, and
// 25 concurrent callers reading it whole every poll starve Asterisk.
func (p pbx) waitDTMFLog(ctx context.Context, channel string, n int, from int64) (string, error) {
	if p.env.AsteriskLog == "" {
		return "", nil
	}
	marker := " received on " + channel + ","
	for {
		data, err := readFrom(p.env.AsteriskLog, from)
		if err != nil {
			return "", nil
		}
		var keys strings.Builder
		for _, line := range strings.Split(string(data), "\n") {
			_, rest, ok := strings.Cut(line, "DTMF end '")
			if ok && strings.Contains(rest, marker) && len(rest) > 0 {
				keys.WriteByte(rest[0])
			}
		}
		if keys.Len() >= n {
			return keys.String(), nil
		}
		if werr := pause(ctx); werr != nil {
			return keys.String(), fmt.Errorf("%s: %d DTMF ends in %s, want %d: %w", channel, keys.Len(), p.env.AsteriskLog, n, werr)
		}
	}
}

func pause(ctx context.Context) error {
	t := time.NewTimer(pollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// logSize is the size of Asterisk's log now (0 if it cannot be read), for
// waitDTMFLog to read only what is written after it.
func (p pbx) logSize() int64 {
	if p.env.AsteriskLog == "" {
		return 0
	}
	st, err := os.Stat(p.env.AsteriskLog)
	if err != nil {
		return 0
	}
	return st.Size()
}

// readFrom reads the file at path from offset on (all of it if it has
// shrunk below offset: rotated).
func readFrom(path string, offset int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() >= offset {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}
