package ari

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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

// EventSource is something a Stasis application can subscribe to (POST
// /applications/{name}/subscription): "channel:ID", "bridge:ID",
// "endpoint:TECH/RESOURCE" (or "endpoint:TECH" for every endpoint of a
// technology) or "deviceState:NAME" (rest-api/api-docs/applications.json).
// Build one with ChannelSource, BridgeSource or EndpointSource.
type EventSource string

// ChannelSource is the event source of channel id.
func ChannelSource(id string) EventSource { return EventSource("channel:" + id) }

// BridgeSource is the event source of bridge id.
func BridgeSource(id string) EventSource { return EventSource("bridge:" + id) }

// EndpointSource is the event source of endpoint, "TECH/RESOURCE" such as
// "PJSIP/1001", or "TECH" alone for every endpoint of that technology. An
// endpoint forwards every event of its channels (main/endpoints.c,
// ast_endpoint_add_channel), so subscribing to it follows the calls of a
// phone without knowing their channel ids beforehand.
func EndpointSource(endpoint string) EventSource { return EventSource("endpoint:" + endpoint) }

// Subscribe adds sources to what app receives events of (POST
// /applications/{name}/subscription) and returns the application as
// Asterisk then lists it. It is the narrow alternative to
// StreamConfig.SubscribeAll: subscribe to what the app follows. The app
// must exist (its WebSocket connected) or the error wraps ErrNotFound; a
// source that does not exist (a channel already gone) wraps
// ErrUnprocessable. Asterisk drops a channel's subscription itself when the
// channel is destroyed.
func (c *Client) Subscribe(ctx context.Context, app string, sources ...EventSource) (Application, error) {
	return c.subscription(ctx, http.MethodPost, app, sources)
}

// Unsubscribe removes sources from what app receives events of (DELETE
// /applications/{name}/subscription) and returns the application as
// Asterisk then lists it. A source app is not subscribed to wraps
// ErrConflict.
func (c *Client) Unsubscribe(ctx context.Context, app string, sources ...EventSource) (Application, error) {
	return c.subscription(ctx, http.MethodDelete, app, sources)
}

func (c *Client) subscription(ctx context.Context, method, app string, sources []EventSource) (Application, error) {
	var out Application
	if len(sources) == 0 {
		return out, fmt.Errorf("ari: %s /applications/%s/subscription: no event source: %w", method, app, ErrBadRequest)
	}
	q := make(url.Values, 1)
	for _, s := range sources {
		// eventSource is allowMultiple: one parameter per source.
		q.Add("eventSource", string(s))
	}
	err := c.do(ctx, request{method: method, path: []string{"applications", app, "subscription"}, query: q, out: &out})
	return out, err
}
