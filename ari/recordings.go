package ari

import (
	"context"
	"net/http"
)

// Recording names may contain "/" (subdirectories of the recording
// directory); they travel as one %2F-escaped path segment.

// GetLiveRecording returns a recording in progress (GET
// /recordings/live/{name}).
func (c *Client) GetLiveRecording(ctx context.Context, name string) (LiveRecording, error) {
	var rec LiveRecording
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"recordings", "live", name}, out: &rec})
	return rec, err
}

// StopRecording stops a live recording and keeps the file (POST
// /recordings/live/{name}/stop).
func (c *Client) StopRecording(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodPost, path: []string{"recordings", "live", name, "stop"}})
}

// CancelRecording stops a live recording and deletes the file (DELETE
// /recordings/live/{name}). ARI still reports RecordingFinished with state
// "done", so callers must remember that they cancelled it.
func (c *Client) CancelRecording(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: []string{"recordings", "live", name}})
}

// ListStored returns every stored recording (GET /recordings/stored). ARI
// answers 500 "Allocation failed" while the recording directory is missing.
func (c *Client) ListStored(ctx context.Context) ([]StoredRecording, error) {
	var recs []StoredRecording
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"recordings", "stored"}, out: &recs})
	return recs, err
}

// GetStored returns a stored recording (GET /recordings/stored/{name}).
func (c *Client) GetStored(ctx context.Context, name string) (StoredRecording, error) {
	var rec StoredRecording
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"recordings", "stored", name}, out: &rec})
	return rec, err
}

// CopyStored copies a stored recording to dest and returns the copy (POST
// /recordings/stored/{name}/copy). ARI answers 409 when dest exists.
func (c *Client) CopyStored(ctx context.Context, name, dest string) (StoredRecording, error) {
	q := make(query).str("destinationRecordingName", dest)
	var rec StoredRecording
	err := c.do(ctx, request{method: http.MethodPost, path: []string{"recordings", "stored", name, "copy"}, query: q.values(), out: &rec})
	return rec, err
}

// DeleteStored deletes a stored recording (DELETE /recordings/stored/{name}).
func (c *Client) DeleteStored(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: []string{"recordings", "stored", name}})
}

// StoredFile returns the raw bytes of a stored recording, e.g. a WAV file
// (GET /recordings/stored/{name}/file). ARI answers 403 when the file is not
// readable by Asterisk. The whole file must arrive within the client's
// per-request timeout.
func (c *Client) StoredFile(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"recordings", "stored", name, "file"}, raw: &b})
	return b, err
}
