package ari

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// GetChannel returns the channel with the given id (GET /channels/{id}).
func (c *Client) GetChannel(ctx context.Context, id string) (Channel, error) {
	var ch Channel
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"channels", id}, out: &ch})
	return ch, err
}

// ListChannels returns every active channel (GET /channels).
func (c *Client) ListChannels(ctx context.Context) ([]Channel, error) {
	var chs []Channel
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"channels"}, out: &chs})
	return chs, err
}

// Answer answers the channel (POST /channels/{id}/answer). ARI answers 412
// (ErrPreconditionFailed) for a channel in state Down, Rsrvd or Ringing.
func (c *Client) Answer(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "answer"}})
}

// Hangup hangs the channel up (DELETE /channels/{id}). Reason is an ARI
// hangup reason such as "normal", "busy", "congestion", "no_answer",
// "timeout" or "rejected"; "" means normal. It works on channels outside
// Stasis too.
func (c *Client) Hangup(ctx context.Context, id, reason string) error {
	q := make(query).str("reason", reason)
	return c.do(ctx, request{method: http.MethodDelete, path: []string{"channels", id}, query: q.values()})
}

// Play starts playing media to the channel and returns the queued playback.
// Media are URIs such as "sound:vm-intro", "recording:NAME", "digits:123"
// or "tone:ring"; several play in turn as one playback. Lang may be "".
//
// With a non-empty playbackID it uses POST /channels/{id}/play/{playbackId},
// so the caller knows the id before any Playback event arrives; otherwise
// POST /channels/{id}/play and ARI picks the id.
//
// Play does not answer the channel, and DTMF does not stop the playback
// (res/ari/resource_channels.c passes no stop keys): stop it with
// StopPlayback.
func (c *Client) Play(ctx context.Context, channelID, playbackID string, media []string, lang string) (Playback, error) {
	path := []string{"channels", channelID, "play"}
	if playbackID != "" {
		path = append(path, playbackID)
	}
	// One comma-separated value: a repeated media= keeps only the last.
	q := make(query).str("media", strings.Join(media, ",")).str("lang", lang)
	var pb Playback
	err := c.do(ctx, request{method: http.MethodPost, path: path, query: q.values(), out: &pb})
	return pb, err
}

// RecordOptions are the parameters of Record. Zero values are not sent, so
// ARI's defaults apply.
type RecordOptions struct {
	// Name is the recording name, relative to the recording directory; it
	// may contain "/". Required.
	Name string
	// Format is the file format, e.g. "wav". Required.
	Format string
	// MaxDurationSeconds limits the length; 0 means no limit.
	MaxDurationSeconds int
	// MaxSilenceSeconds ends the recording after that much silence; 0
	// means no limit.
	MaxSilenceSeconds int
	// IfExists is "fail" (ARI's default), "overwrite" or "append".
	IfExists string
	// Beep plays a beep before recording starts.
	Beep bool
	// TerminateOn is the DTMF that ends the recording: "none" (ARI's
	// default), "any", "*" or "#".
	TerminateOn string
}

// Record starts recording the channel (POST /channels/{id}/record) and
// returns the queued live recording. It auto-answers the channel. ARI
// answers 409 when the name exists and IfExists is "fail", and 422 for an
// unknown format.
func (c *Client) Record(ctx context.Context, channelID string, opts RecordOptions) (LiveRecording, error) {
	q := make(query).
		str("name", opts.Name).
		str("format", opts.Format).
		int("maxDurationSeconds", opts.MaxDurationSeconds).
		int("maxSilenceSeconds", opts.MaxSilenceSeconds).
		str("ifExists", opts.IfExists).
		str("terminateOn", opts.TerminateOn)
	if opts.Beep {
		q.str("beep", "true")
	}
	var rec LiveRecording
	err := c.do(ctx, request{method: http.MethodPost, path: []string{"channels", channelID, "record"}, query: q.values(), out: &rec})
	return rec, err
}

// Continue makes the channel leave Stasis and continue in the dialplan
// (POST /channels/{id}/continue). Empty strings and a zero priority are not
// sent; with all of them empty the channel goes on at the next priority.
func (c *Client) Continue(ctx context.Context, id, dialplanContext, extension string, priority int, label string) error {
	q := make(query).
		str("context", dialplanContext).
		str("extension", extension).
		int("priority", priority).
		str("label", label)
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "continue"}, query: q.values()})
}

// Move moves the channel from this Stasis application to another (POST
// /channels/{id}/move). AppArgs are joined with ",". Moves go out on
// connections of their own (Config.MoveConnections), so that many of them
// at once cannot hold the other requests up.
func (c *Client) Move(ctx context.Context, id, app string, appArgs []string) error {
	q := make(query).str("app", app).str("appArgs", strings.Join(appArgs, ","))
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "move"}, query: q.values(), move: true})
}

// DTMFOptions are the timings of SendDTMF. Zero values are not sent, so ARI's
// defaults apply (between 100 ms, duration 100 ms, before and after 0).
type DTMFOptions struct {
	// Before is the wait before sending the first digit.
	Before time.Duration
	// Between is the pause between digits.
	Between time.Duration
	// Duration is how long each digit lasts.
	Duration time.Duration
	// After is the wait after the last digit.
	After time.Duration
}

// SendDTMF sends DTMF digits (0-9, A-D, *, #, and "," for a pause) to the
// channel (POST /channels/{id}/dtmf). It runs on the channel's command queue,
// so it waits for a running playback to end.
func (c *Client) SendDTMF(ctx context.Context, id, dtmf string, opts DTMFOptions) error {
	q := make(query).
		str("dtmf", dtmf).
		ms("before", opts.Before).
		ms("between", opts.Between).
		ms("duration", opts.Duration).
		ms("after", opts.After)
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "dtmf"}, query: q.values(), once: true})
}

// OriginateRequest are the parameters of Originate. Empty strings and zero
// numbers are not sent.
type OriginateRequest struct {
	// Endpoint is what to call, e.g. "PJSIP/1001" or "Local/1001@vm-mwi".
	// Required.
	Endpoint string
	// Extension is the dialplan extension to connect the answered call to.
	Extension string
	// Context is the dialplan context for Extension.
	Context string
	// Priority is the dialplan priority for Extension.
	Priority int
	// Label is a dialplan label, instead of Priority.
	Label string
	// App is the Stasis application to connect the answered call to,
	// instead of a dialplan location.
	App string
	// AppArgs are the Stasis arguments, joined with ",".
	AppArgs []string
	// CallerID is the caller id, e.g. `"Alice" <1001>`.
	CallerID string
	// Timeout is the ring timeout in seconds; 0 means ARI's default (30),
	// -1 means none.
	Timeout int
	// ChannelID is the id to give the new channel; set it to know the id
	// before StasisStart arrives.
	ChannelID string
	// OtherChannelID is the id of the second half of a Local channel.
	OtherChannelID string
	// Originator is the id of the channel that causes this one.
	Originator string
	// Formats are the allowed formats, comma-separated, e.g. "ulaw,alaw".
	Formats string
	// Variables are channel variables to set, sent as the JSON body.
	Variables map[string]string
}

// Originate creates a channel and dials it (POST /channels). It returns the
// new channel, in state Down.
func (c *Client) Originate(ctx context.Context, r OriginateRequest) (Channel, error) {
	q := make(query).
		str("endpoint", r.Endpoint).
		str("extension", r.Extension).
		str("context", r.Context).
		int("priority", r.Priority).
		str("label", r.Label).
		str("app", r.App).
		str("appArgs", strings.Join(r.AppArgs, ",")).
		str("callerId", r.CallerID).
		int("timeout", r.Timeout).
		str("channelId", r.ChannelID).
		str("otherChannelId", r.OtherChannelID).
		str("originator", r.Originator).
		str("formats", r.Formats)
	req := request{method: http.MethodPost, path: []string{"channels"}, query: q.values(), once: true}
	if len(r.Variables) > 0 {
		// The only body field ARI reads with its JSON type intact.
		req.body = struct {
			Variables map[string]string `json:"variables"`
		}{r.Variables}
	}
	var ch Channel
	req.out = &ch
	err := c.do(ctx, req)
	return ch, err
}

// GetVariable returns the value of a channel variable or function, e.g.
// "CALLERID(num)" (GET /channels/{id}/variable). It works on channels outside
// Stasis; an unset variable gives ErrNotFound.
func (c *Client) GetVariable(ctx context.Context, id, name string) (string, error) {
	var v struct {
		Value string `json:"value"`
	}
	q := make(query).str("variable", name)
	err := c.do(ctx, request{method: http.MethodGet, path: []string{"channels", id, "variable"}, query: q.values(), out: &v})
	return v.Value, err
}

// SetVariable sets a channel variable (POST /channels/{id}/variable). The
// channel must be in Stasis, else ErrNotInStasis.
func (c *Client) SetVariable(ctx context.Context, id, name, value string) error {
	q := make(query).str("variable", name)
	q.values().Set("value", value) // An empty value is meaningful.
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "variable"}, query: q.values()})
}

// StartSilence plays silence to the channel until StopSilence (POST
// /channels/{id}/silence). Recording needs media frames: without any for
// about 4 s a recording finishes empty.
func (c *Client) StartSilence(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "silence"}})
}

// StopSilence stops the silence started by StartSilence (DELETE
// /channels/{id}/silence).
func (c *Client) StopSilence(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: []string{"channels", id, "silence"}})
}

// CreateRequest are the parameters of CreateChannel. Empty strings are not
// sent.
type CreateRequest struct {
	// Endpoint is what to call, e.g. "PJSIP/1001" or "Local/*97@internal".
	// Required.
	Endpoint string
	// App is the Stasis application the channel is placed into at once,
	// and subscribed to it. Required.
	App string
	// AppArgs are the Stasis arguments, joined with ",".
	AppArgs []string
	// ChannelID is the id to give the new channel.
	ChannelID string
	// OtherChannelID is the id of the second half of a Local channel.
	OtherChannelID string
	// Originator is the id of the channel that causes this one.
	Originator string
	// Formats are the allowed formats, comma-separated, e.g. "ulaw,alaw".
	Formats string
	// Variables are channel variables (or writable functions, such as
	// "CALLERID(all)") to set on the channel before it is dialled, sent
	// as the JSON body. There is no callerId parameter: set CALLERID and
	// CONNECTEDLINE here.
	Variables map[string]string
}

// CreateChannel creates a channel without dialling it (POST
// /channels/create) and returns it, in state Down. Unlike Originate, the
// channel enters App's Stasis at once (res/ari/resource_channels.c,
// ari_channel_thread), and nothing runs until Dial: for a Local channel
// both halves exist by then, so an app can subscribe to the other half
// before its dialplan starts. Dial it with Dial; hang it up if Dial is not
// going to be called. A ChannelID already in use wraps ErrConflict.
func (c *Client) CreateChannel(ctx context.Context, r CreateRequest) (Channel, error) {
	q := make(query).
		str("endpoint", r.Endpoint).
		str("app", r.App).
		str("appArgs", strings.Join(r.AppArgs, ",")).
		str("channelId", r.ChannelID).
		str("otherChannelId", r.OtherChannelID).
		str("originator", r.Originator).
		str("formats", r.Formats)
	req := request{method: http.MethodPost, path: []string{"channels", "create"}, query: q.values(), once: true}
	if len(r.Variables) > 0 {
		req.body = struct {
			Variables map[string]string `json:"variables"`
		}{r.Variables}
	}
	var ch Channel
	req.out = &ch
	err := c.do(ctx, req)
	return ch, err
}

// Dial dials a channel made by CreateChannel (POST /channels/{id}/dial).
// Caller is the id of the channel it is dialled for ("" for none), whose
// caller id and variables it inherits; timeout bounds the ringing, 0 for
// none (sent as whole seconds). It returns once the dial has started: the
// answer shows as a ChannelStateChange to Up. A channel not in state Down,
// or not made by CreateChannel, wraps ErrConflict.
func (c *Client) Dial(ctx context.Context, id, caller string, timeout time.Duration) error {
	q := make(query).str("caller", caller).int("timeout", int(timeout/time.Second))
	return c.do(ctx, request{method: http.MethodPost, path: []string{"channels", id, "dial"}, query: q.values(), once: true})
}
