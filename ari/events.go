package ari

import (
	"encoding/json"
	"fmt"
)

// Event is an event from the ARI WebSocket. DecodeEvent returns pointers to
// the types in this file (*StasisStart, *PlaybackFinished, …, or *Unknown);
// switch on those.
type Event interface {
	// EventType returns the ARI type, e.g. "StasisStart".
	EventType() string
	// EventMeta returns the fields every event carries.
	EventMeta() Meta
}

// Meta holds the fields every ARI event carries (Message and Event in
// rest-api/api-docs/events.json).
type Meta struct {
	// Type is the event type, e.g. "StasisStart".
	Type string `json:"type"`
	// Application is the Stasis application receiving the event.
	Application string `json:"application"`
	// Timestamp is when the event was created.
	Timestamp Time `json:"timestamp"`
	// AsteriskID is the entity id of the Asterisk that sent the event.
	AsteriskID string `json:"asterisk_id,omitempty"`
}

// EventType returns m.Type.
func (m Meta) EventType() string { return m.Type }

// EventMeta returns m.
func (m Meta) EventMeta() Meta { return m }

// StasisStart is sent when a channel enters the application.
type StasisStart struct {
	Meta
	// Args are the Stasis() arguments after the application name;
	// Stasis(voicemail,main,1001) gives ["main","1001"].
	Args []string `json:"args"`
	// Channel is the channel that entered.
	Channel Channel `json:"channel"`
	// ReplaceChannel is the channel this one replaces (after a masquerade
	// or transfer), if any.
	ReplaceChannel *Channel `json:"replace_channel,omitempty"`
}

// StasisEnd is sent when a channel leaves the application. It is the last
// event for the channel: ChannelDestroyed is not delivered after it.
type StasisEnd struct {
	Meta
	// Channel is the channel that left.
	Channel Channel `json:"channel"`
}

// ChannelDtmfReceived is sent when a DTMF digit ends on a channel. It arrives
// during playbacks too; DTMF does not stop them.
type ChannelDtmfReceived struct {
	Meta
	// Digit is 0-9, A-D, * or #.
	Digit string `json:"digit"`
	// DurationMs is how long the digit lasted.
	DurationMs int `json:"duration_ms"`
	// Channel is the channel the digit arrived on.
	Channel Channel `json:"channel"`
}

// ChannelHangupRequest is sent when a hangup is requested on a channel; it
// comes before StasisEnd.
type ChannelHangupRequest struct {
	Meta
	// Cause is the Q.850 cause code.
	Cause int `json:"cause"`
	// Soft tells a soft hangup request.
	Soft bool `json:"soft"`
	// Channel is the channel being hung up.
	Channel Channel `json:"channel"`
}

// ChannelDestroyed is sent when a channel is destroyed, to subscribers that
// still have it (not to its Stasis app after StasisEnd).
type ChannelDestroyed struct {
	Meta
	// Cause is the Q.850 cause code.
	Cause int `json:"cause"`
	// CauseTxt is the cause as text, e.g. "Normal Clearing".
	CauseTxt string `json:"cause_txt"`
	// Channel is the destroyed channel.
	Channel Channel `json:"channel"`
}

// ChannelStateChange is sent when a channel's state changes, e.g. to Up.
type ChannelStateChange struct {
	Meta
	// Channel is the channel in its new state.
	Channel Channel `json:"channel"`
}

// ChannelVarset is sent when a channel (or global) variable is set.
type ChannelVarset struct {
	Meta
	// Variable is the variable name.
	Variable string `json:"variable"`
	// Value is the new value.
	Value string `json:"value"`
	// Channel is the channel, or nil for a global variable.
	Channel *Channel `json:"channel,omitempty"`
}

// PlaybackStarted is sent when a playback starts, or resumes after OpUnpause.
// A missing recording: media gives PlaybackStarted and never a
// PlaybackFinished.
type PlaybackStarted struct {
	Meta
	// Playback is the playback.
	Playback Playback `json:"playback"`
}

// PlaybackContinuing is sent when a playback moves on to the next media of
// its list.
type PlaybackContinuing struct {
	Meta
	// Playback is the playback.
	Playback Playback `json:"playback"`
}

// PlaybackFinished is sent when a playback ends, with state done or failed.
type PlaybackFinished struct {
	Meta
	// Playback is the playback.
	Playback Playback `json:"playback"`
}

// RecordingStarted is sent when a recording starts (after the beep, if any).
type RecordingStarted struct {
	Meta
	// Recording is the recording.
	Recording LiveRecording `json:"recording"`
}

// RecordingFinished is sent when a recording ends and is kept, and also when
// it is cancelled: then its file is gone although the state is "done".
type RecordingFinished struct {
	Meta
	// Recording is the recording.
	Recording LiveRecording `json:"recording"`
}

// RecordingFailed is sent when a recording fails; Recording.Cause says why.
type RecordingFailed struct {
	Meta
	// Recording is the recording.
	Recording LiveRecording `json:"recording"`
}

// CallBroadcast is sent when StasisBroadcast() offers a channel to the
// applications; one of them claims it with Client.Claim.
type CallBroadcast struct {
	Meta
	// Channel is the offered channel.
	Channel Channel `json:"channel"`
	// Caller is the caller id number of the call.
	Caller string `json:"caller,omitempty"`
	// Called is the called extension.
	Called string `json:"called,omitempty"`
}

// ApplicationReplaced is sent when another WebSocket takes over this
// application. The old socket then stays open but silent.
type ApplicationReplaced struct {
	Meta
}

// ApplicationMoveFailed is sent when Client.Move cannot move a channel to
// another application; the channel stays in this one.
type ApplicationMoveFailed struct {
	Meta
	// Channel is the channel that was not moved.
	Channel Channel `json:"channel"`
	// Destination is the application it was to move to.
	Destination string `json:"destination"`
	// Args are the arguments it was to get.
	Args []string `json:"args"`
}

// Unknown is an event of a type this package does not model. Raw holds the
// whole frame.
type Unknown struct {
	Meta
	// Raw is the event as received.
	Raw json.RawMessage `json:"-"`
}

// newEvent returns a new zero event of the given type, or nil.
func newEvent(typ string) Event {
	switch typ {
	case "StasisStart":
		return &StasisStart{}
	case "StasisEnd":
		return &StasisEnd{}
	case "ChannelDtmfReceived":
		return &ChannelDtmfReceived{}
	case "ChannelHangupRequest":
		return &ChannelHangupRequest{}
	case "ChannelDestroyed":
		return &ChannelDestroyed{}
	case "ChannelStateChange":
		return &ChannelStateChange{}
	case "ChannelVarset":
		return &ChannelVarset{}
	case "PlaybackStarted":
		return &PlaybackStarted{}
	case "PlaybackContinuing":
		return &PlaybackContinuing{}
	case "PlaybackFinished":
		return &PlaybackFinished{}
	case "RecordingStarted":
		return &RecordingStarted{}
	case "RecordingFinished":
		return &RecordingFinished{}
	case "RecordingFailed":
		return &RecordingFailed{}
	case "CallBroadcast":
		return &CallBroadcast{}
	case "ApplicationReplaced":
		return &ApplicationReplaced{}
	case "ApplicationMoveFailed":
		return &ApplicationMoveFailed{}
	}
	return nil
}

// DecodeEvent decodes one WebSocket frame. Invalid JSON, a missing or empty
// "type", or a malformed known field gives an error wrapping ErrBadEvent. A
// type this package does not model gives an *Unknown and a nil error.
//
// The frame is parsed once: the top-level "type" is found by a scan of the
// bytes (Asterisk writes it first, res/ari/ari_model_events.c), and the
// frame is then unmarshalled straight into the event of that type. When the
// scan finds no plain "type" member, or json.Unmarshal reads another value
// for it (a duplicate key, or one in other letter case, which encoding/json
// also matches), the frame takes the slower path that asks encoding/json
// for the type first, so both paths accept and reject the same frames.
func DecodeEvent(data []byte) (Event, error) {
	if typ, ok := scanType(data); ok && typ != "" {
		ev, err := decodeAs(typ, data)
		if err != nil {
			return nil, err
		}
		if ev.EventType() == typ {
			return ev, nil
		}
	}
	return decodeEventSlow(data)
}

// decodeEventSlow reads the type with encoding/json, then decodes the
// event of that type.
func decodeEventSlow(data []byte) (Event, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	if head.Type == "" {
		return nil, fmt.Errorf("%w: no type", ErrBadEvent)
	}
	ev, err := decodeAs(head.Type, data)
	if err != nil {
		return nil, err
	}
	if ev.EventType() == "" { // Cannot happen: both passes read the same key.
		return nil, fmt.Errorf("%w: no type", ErrBadEvent)
	}
	return ev, nil
}

// decodeAs unmarshals data into a new event of type typ, or into an
// *Unknown (its Meta only) when the package does not model typ.
func decodeAs(typ string, data []byte) (Event, error) {
	ev := newEvent(typ)
	if ev == nil {
		u := &Unknown{}
		if err := json.Unmarshal(data, &u.Meta); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadEvent, typ, err)
		}
		u.Raw = append(json.RawMessage(nil), data...)
		return u, nil
	}
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadEvent, typ, err)
	}
	return ev, nil
}

// ChannelID returns the id of the channel e concerns, or "". For playback
// and recording events it is the id in a "channel:ID" target URI (bridge
// targets give ""). For an *Unknown it is the id of its "channel" field.
func ChannelID(e Event) string {
	switch e := e.(type) {
	case *StasisStart:
		return e.Channel.ID
	case *StasisEnd:
		return e.Channel.ID
	case *ChannelDtmfReceived:
		return e.Channel.ID
	case *ChannelHangupRequest:
		return e.Channel.ID
	case *ChannelDestroyed:
		return e.Channel.ID
	case *ChannelStateChange:
		return e.Channel.ID
	case *ChannelVarset:
		if e.Channel != nil {
			return e.Channel.ID
		}
	case *PlaybackStarted:
		return targetChannelID(e.Playback.TargetURI)
	case *PlaybackContinuing:
		return targetChannelID(e.Playback.TargetURI)
	case *PlaybackFinished:
		return targetChannelID(e.Playback.TargetURI)
	case *RecordingStarted:
		return targetChannelID(e.Recording.TargetURI)
	case *RecordingFinished:
		return targetChannelID(e.Recording.TargetURI)
	case *RecordingFailed:
		return targetChannelID(e.Recording.TargetURI)
	case *CallBroadcast:
		return e.Channel.ID
	case *ApplicationMoveFailed:
		return e.Channel.ID
	case *Unknown:
		var v struct {
			Channel *struct {
				ID string `json:"id"`
			} `json:"channel"`
		}
		if json.Unmarshal(e.Raw, &v) == nil && v.Channel != nil {
			return v.Channel.ID
		}
	}
	return ""
}
