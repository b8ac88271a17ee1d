package ari

import (
	"context"
	"net/http"
)

// Ping checks that Asterisk answers (GET /asterisk/ping).
func (c *Client) Ping(ctx context.Context) (Ping, error) {
	var p Ping
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"asterisk", "ping"}, out: &p})
	return p, err
}

// Info returns build, system, config and status information (GET
// /asterisk/info). System.EntityID identifies the node.
func (c *Client) Info(ctx context.Context) (AsteriskInfo, error) {
	var info AsteriskInfo
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"asterisk", "info"}, out: &info})
	return info, err
}
