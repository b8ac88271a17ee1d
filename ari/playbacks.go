package ari

import (
	"context"
	"net/http"
)

// PlaybackOperation is an operation of ControlPlayback.
type PlaybackOperation string

// The operations of POST /playbacks/{id}/control. Playbacks of number:,
// digits: and characters: media cannot be controlled (ARI answers 500).
const (
	// OpRestart restarts the current media from its beginning.
	OpRestart PlaybackOperation = "restart"
	// OpPause pauses the playback; ARI sends no event for it.
	OpPause PlaybackOperation = "pause"
	// OpUnpause resumes a paused playback; ARI sends PlaybackStarted again.
	OpUnpause PlaybackOperation = "unpause"
	// OpReverse skips back by the playback's skipms (3 s by default).
	OpReverse PlaybackOperation = "reverse"
	// OpForward skips forward by the playback's skipms (3 s by default).
	OpForward PlaybackOperation = "forward"
)

// GetPlayback returns the playback with the given id (GET /playbacks/{id}).
func (c *Client) GetPlayback(ctx context.Context, id string) (Playback, error) {
	var pb Playback
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"playbacks", id}, out: &pb})
	return pb, err
}

// StopPlayback stops the playback, including the rest of its media list
// (DELETE /playbacks/{id}). A playback stopped while still queued finishes
// with PlaybackFinished and no PlaybackStarted.
func (c *Client) StopPlayback(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: []string{"playbacks", id}})
}

// ControlPlayback applies op to the playback (POST /playbacks/{id}/control).
func (c *Client) ControlPlayback(ctx context.Context, id string, op PlaybackOperation) error {
	q := make(query).str("operation", string(op))
	return c.do(ctx, request{method: http.MethodPost, path: []string{"playbacks", id, "control"}, query: q.values()})
}
