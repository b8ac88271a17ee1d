package ari

import (
	"context"
	"net/http"
)

// Application returns the Stasis application and its subscriptions (GET
// /applications/{name}). After a reconnect, ChannelIDs is how the app finds
// the channels still parked in it: ARI replays no StasisStart.
func (c *Client) Application(ctx context.Context, name string) (Application, error) {
	var app Application
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"applications", name}, out: &app})
	return app, err
}

// Claim claims a channel announced by CallBroadcast for app (POST
// /events/claim). The first claim wins; later ones get ErrConflict ("Channel
// has already been claimed by another application"). The winner then gets
// StasisStart. Needs res_stasis_broadcast (Asterisk 20.20, 22.10, 23.4+).
func (c *Client) Claim(ctx context.Context, channelID, app string) error {
	q := make(query).str("channelId", channelID).str("application", app)
	return c.do(ctx, request{method: http.MethodPost, path: []string{"events", "claim"}, query: q.values()})
}
