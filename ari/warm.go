package ari

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// KeepWarmEvery is how often KeepWarm sends its request: well inside the
// default transport's IdleConnTimeout (10 s), which is itself inside
// Asterisk's http.conf session_keep_alive (15 s by default).
const KeepWarmEvery = 4 * time.Second

// KeepWarm sends GET /asterisk/ping every interval until ctx ends, so that
// at least one connection of the REST pool stays open between calls.
//
// An idle connection is closed after the transport's IdleConnTimeout (set
// below Asterisk's session_keep_alive, so that Asterisk never closes one
// under a request). A quiet system would then open a new connection for
// each key of a lone caller, and Asterisk starts a thread for each new
// HTTP session: at one call on the test PBX, POST /channels/{id}/play took
// 1.0–1.5 ms on a new connection and 0.6–0.9 ms on the one kept open
// (timed in the app, 2026-12-05). net/http hands out the
// most recently used idle connection first, so the one this request keeps
// open is the one the next request takes. A failed ping is only logged at
// debug: the event stream is what notices and reports Asterisk gone. It
// returns once ctx has ended and its last ping is done.
func (c *Client) KeepWarm(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = KeepWarmEvery
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A ping under way when ctx ends is finished (within the
		// client's timeout) rather than cancelled: a request cancelled
		// mid-way costs its connection, the one this keeps open.
		if _, err := c.Ping(context.WithoutCancel(ctx)); err != nil && ctx.Err() == nil {
			c.log.Debug("keep the ARI connection warm", zap.Error(err))
		}
	}
}
