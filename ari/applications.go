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

// EventFilter is the event filter of a Stasis application (PUT
// /applications/{name}/eventFilter). Asterisk drops the events it filters
// out before writing them to the application's WebSocket.
type EventFilter struct {
	// Allowed lists the only event types sent; empty allows every type.
	// Asterisk accepts any name, so a misspelt type silently matches
	// nothing.
	Allowed []string
	// Disallowed lists event types never sent; it wins over Allowed.
	Disallowed []string
}

// SetEventFilter replaces the event filter of app and returns the
// application as Asterisk then lists it. A filter that lists neither
// allowed nor disallowed types lets every event through. The application
// must exist (its WebSocket connected, or channels still parked in it),
// or the error wraps ErrNotFound; an Asterisk older than 20.7, 21.2 or 22
// has no such route and also answers 404.
//
// Asterisk forgets the filter when it destroys the application, which it
// does when the last WebSocket closes with no channel left in it: set it
// again after every connect (StreamConfig.AllowedEvents does).
func (c *Client) SetEventFilter(ctx context.Context, app string, f EventFilter) (Application, error) {
	list := func(types []string) []EventTypeName {
		l := make([]EventTypeName, len(types))
		for i, t := range types {
			l[i] = EventTypeName{Type: t}
		}
		return l
	}
	// Both keys are always sent: a key left out keeps its old list
	// (rest-api/api-docs/applications.json, eventFilter).
	body := struct {
		Allowed    []EventTypeName `json:"allowed"`
		Disallowed []EventTypeName `json:"disallowed"`
	}{list(f.Allowed), list(f.Disallowed)}
	var out Application
	err := c.do(ctx, request{method: http.MethodPut, path: []string{"applications", app, "eventFilter"}, body: body, out: &out})
	return out, err
}
