package testenv

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// reconnected runs once the Caller's WebSocket is back after it was lost.
// Events sent meanwhile went to nobody, and Asterisk may have forgotten the
// Caller's subscriptions: it destroys an app whose WebSocket closed once no
// channel is left in it (res/res_stasis.c, cleanup and app_is_finished),
// and a restarted Asterisk knows no app at all. So the endpoints followed
// are subscribed to again, as is the voicemail side of every call not
// over; a call whose channel is gone ended while the Caller was away, and
// is marked so (its StasisEnd and ChannelDestroyed are lost).
func (c *Caller) reconnected(ctx context.Context) {
	c.mu.Lock()
	var endpoints []string
	for ep, n := range c.endpoints {
		if n > 0 {
			endpoints = append(endpoints, ep)
		}
	}
	// A call is listed under A and B; a followed one under B once bound.
	live := map[*Call]string{}
	for _, call := range c.calls {
		live[call] = call.B
	}
	c.mu.Unlock()

	for _, ep := range endpoints {
		if _, err := c.Client.Subscribe(ctx, c.app, ari.EndpointSource(ep)); err != nil {
			c.log.Warn("caller: subscribe again after a reconnect", zap.String("endpoint", ep), zap.Error(err))
		}
	}
	for call, b := range live {
		if call.Ended() || b == "" {
			continue
		}
		_, err := c.Client.Subscribe(ctx, c.app, ari.ChannelSource(b))
		switch {
		case err == nil:
		case ari.IsGone(err) || errors.Is(err, ari.ErrUnprocessable):
			call.lost()
		default:
			c.log.Warn("caller: subscribe again after a reconnect", zap.String("channel", b), zap.Error(err))
		}
	}
}

// lost marks the call over: its channel left while the Caller was not
// connected.
func (call *Call) lost() {
	call.mu.Lock()
	defer call.mu.Unlock()
	if call.ended {
		return
	}
	call.ended = true
	close(call.changed)
	call.changed = make(chan struct{})
}
