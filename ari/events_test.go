package ari

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// Frames shaped like those Asterisk 22.10 sends.
const (
	chanJSON = `{"id":"1764170712.42","name":"PJSIP/1001-00000003","state":"Up",
		"caller":{"name":"Alice","number":"1001"},"connected":{"name":"","number":""},"accountcode":"",
		"dialplan":{"context":"internal","exten":"*97","priority":1,"app_name":"Stasis","app_data":"voicemail,main,1001"},
		"creationtime":"2026-11-26T15:25:12.603+0000","language":"en"}`
	metaJSON = `"application":"voicemail","timestamp":"2026-11-26T15:25:13.001+0000","asterisk_id":"02:42:ac:11:00:02"`

	evStasisStart    = `{"type":"StasisStart",` + metaJSON + `,"args":["main","1001"],"channel":` + chanJSON + `}`
	evStasisStartRep = `{"type":"StasisStart",` + metaJSON + `,"args":[],"channel":` + chanJSON + `,"replace_channel":{"id":"old.1"}}`
	evStasisEnd      = `{"type":"StasisEnd",` + metaJSON + `,"channel":` + chanJSON + `}`
	evDTMF           = `{"type":"ChannelDtmfReceived",` + metaJSON + `,"digit":"#","duration_ms":120,"channel":` + chanJSON + `}`
	evHangupRequest  = `{"type":"ChannelHangupRequest",` + metaJSON + `,"cause":16,"soft":true,"channel":` + chanJSON + `}`
	evDestroyed      = `{"type":"ChannelDestroyed",` + metaJSON + `,"cause":16,"cause_txt":"Normal Clearing","channel":` + chanJSON + `}`
	evStateChange    = `{"type":"ChannelStateChange",` + metaJSON + `,"channel":` + chanJSON + `}`
	evVarset         = `{"type":"ChannelVarset",` + metaJSON + `,"variable":"VM_STATE","value":"main","channel":` + chanJSON + `}`
	evVarsetGlobal   = `{"type":"ChannelVarset",` + metaJSON + `,"variable":"GLOBAL_X","value":"1"}`
	playbackJSON     = `{"id":"pb-1","media_uri":"sound:vm-intro","next_media_uri":"sound:beep","target_uri":"channel:1764170712.42","language":"en","state":"playing"}`
	evPbStarted      = `{"type":"PlaybackStarted",` + metaJSON + `,"playback":` + playbackJSON + `}`
	evPbContinuing   = `{"type":"PlaybackContinuing",` + metaJSON + `,"playback":` + playbackJSON + `}`
	evPbFinished     = `{"type":"PlaybackFinished",` + metaJSON + `,"playback":{"id":"pb-2","media_uri":"sound:x","target_uri":"bridge:b1","language":"en","state":"failed"}}`
	recJSON          = `{"name":"vm/default/1001/msg1","format":"wav","target_uri":"channel:1764170712.42","state":"done","duration":7,"talking_duration":5,"silence_duration":2}`
	evRecStarted     = `{"type":"RecordingStarted",` + metaJSON + `,"recording":{"name":"vm/default/1001/msg1","format":"wav","target_uri":"channel:1764170712.42","state":"recording"}}`
	evRecFinished    = `{"type":"RecordingFinished",` + metaJSON + `,"recording":` + recJSON + `}`
	evRecFailed      = `{"type":"RecordingFailed",` + metaJSON + `,"recording":{"name":"r","format":"wav","target_uri":"channel:1764170712.42","state":"failed","cause":"Cannot record channel while in bridge"}}`
	evBroadcast      = `{"type":"CallBroadcast",` + metaJSON + `,"channel":` + chanJSON + `,"caller":"1001","called":"*96"}`
	evReplaced       = `{"type":"ApplicationReplaced",` + metaJSON + `}`
	evMoveFailed     = `{"type":"ApplicationMoveFailed",` + metaJSON + `,"channel":` + chanJSON + `,"destination":"other","args":["a","b"]}`
	evUnknown        = `{"type":"ChannelDialplan",` + metaJSON + `,"dialplan_app":"Stasis","dialplan_app_data":"voicemail","channel":` + chanJSON + `}`
)

func TestDecodeEvent(t *testing.T) {
	const chID = "1764170712.42"
	tests := []struct {
		name   string
		in     string
		check  func(t *testing.T, e Event)
		chanID string
	}{
		{"StasisStart", evStasisStart, func(t *testing.T, e Event) {
			ev := e.(*StasisStart)
			if !reflect.DeepEqual(ev.Args, []string{"main", "1001"}) || ev.Channel.Caller.Number != "1001" ||
				ev.Channel.Dialplan.AppData != "voicemail,main,1001" || ev.ReplaceChannel != nil {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"StasisStart replace", evStasisStartRep, func(t *testing.T, e Event) {
			ev := e.(*StasisStart)
			if ev.ReplaceChannel == nil || ev.ReplaceChannel.ID != "old.1" || ev.Args == nil || len(ev.Args) != 0 {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"StasisEnd", evStasisEnd, func(t *testing.T, e Event) {
			if e.(*StasisEnd).Channel.Name != "PJSIP/1001-00000003" {
				t.Errorf("%+v", e)
			}
		}, chID},
		{"ChannelDtmfReceived", evDTMF, func(t *testing.T, e Event) {
			if ev := e.(*ChannelDtmfReceived); ev.Digit != "#" || ev.DurationMs != 120 {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"ChannelHangupRequest", evHangupRequest, func(t *testing.T, e Event) {
			if ev := e.(*ChannelHangupRequest); ev.Cause != 16 || !ev.Soft {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"ChannelDestroyed", evDestroyed, func(t *testing.T, e Event) {
			if ev := e.(*ChannelDestroyed); ev.Cause != 16 || ev.CauseTxt != "Normal Clearing" {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"ChannelStateChange", evStateChange, func(t *testing.T, e Event) {
			if e.(*ChannelStateChange).Channel.State != "Up" {
				t.Errorf("%+v", e)
			}
		}, chID},
		{"ChannelVarset", evVarset, func(t *testing.T, e Event) {
			if ev := e.(*ChannelVarset); ev.Variable != "VM_STATE" || ev.Value != "main" || ev.Channel == nil {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"ChannelVarset global", evVarsetGlobal, func(t *testing.T, e Event) {
			if ev := e.(*ChannelVarset); ev.Channel != nil || ev.Value != "1" {
				t.Errorf("%+v", ev)
			}
		}, ""},
		{"PlaybackStarted", evPbStarted, func(t *testing.T, e Event) {
			want := Playback{ID: "pb-1", MediaURI: "sound:vm-intro", NextMediaURI: "sound:beep",
				TargetURI: "channel:" + chID, Language: "en", State: "playing"}
			if ev := e.(*PlaybackStarted); ev.Playback != want {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"PlaybackContinuing", evPbContinuing, func(t *testing.T, e Event) {
			if e.(*PlaybackContinuing).Playback.NextMediaURI != "sound:beep" {
				t.Errorf("%+v", e)
			}
		}, chID},
		{"PlaybackFinished bridge", evPbFinished, func(t *testing.T, e Event) {
			if e.(*PlaybackFinished).Playback.State != "failed" {
				t.Errorf("%+v", e)
			}
		}, ""},
		{"RecordingStarted", evRecStarted, func(t *testing.T, e Event) {
			if e.(*RecordingStarted).Recording.State != "recording" {
				t.Errorf("%+v", e)
			}
		}, chID},
		{"RecordingFinished", evRecFinished, func(t *testing.T, e Event) {
			want := LiveRecording{Name: "vm/default/1001/msg1", Format: "wav", TargetURI: "channel:" + chID,
				State: "done", Duration: 7, TalkingDuration: 5, SilenceDuration: 2}
			if ev := e.(*RecordingFinished); ev.Recording != want {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"RecordingFailed", evRecFailed, func(t *testing.T, e Event) {
			if e.(*RecordingFailed).Recording.Cause != "Cannot record channel while in bridge" {
				t.Errorf("%+v", e)
			}
		}, chID},
		{"CallBroadcast", evBroadcast, func(t *testing.T, e Event) {
			if ev := e.(*CallBroadcast); ev.Caller != "1001" || ev.Called != "*96" {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"ApplicationReplaced", evReplaced, func(t *testing.T, e Event) {
			_ = e.(*ApplicationReplaced)
		}, ""},
		{"ApplicationMoveFailed", evMoveFailed, func(t *testing.T, e Event) {
			if ev := e.(*ApplicationMoveFailed); ev.Destination != "other" || !reflect.DeepEqual(ev.Args, []string{"a", "b"}) {
				t.Errorf("%+v", ev)
			}
		}, chID},
		{"Unknown", evUnknown, func(t *testing.T, e Event) {
			if ev := e.(*Unknown); string(ev.Raw) != evUnknown {
				t.Errorf("Raw = %s", ev.Raw)
			}
		}, chID},
	}
	ts := time.Date(2026, 11, 26, 15, 25, 13, 1e6, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := DecodeEvent([]byte(tc.in))
			if err != nil {
				t.Fatalf("DecodeEvent: %v", err)
			}
			m := e.EventMeta()
			if m.Application != "voicemail" || m.AsteriskID != "02:42:ac:11:00:02" || !m.Timestamp.Equal(ts) {
				t.Errorf("meta %+v", m)
			}
			if e.EventType() != m.Type || m.Type == "" {
				t.Errorf("EventType %q, meta type %q", e.EventType(), m.Type)
			}
			tc.check(t, e)
			if got := ChannelID(e); got != tc.chanID {
				t.Errorf("ChannelID = %q, want %q", got, tc.chanID)
			}
		})
	}
}

func TestDecodeEventErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`not json`,
		`[]`,
		`{}`,
		`{"type":""}`,
		`{"type":42}`,
		`{"application":"voicemail"}`,
		`{"type":"StasisStart","args":"main"}`,
		`{"type":"StasisStart","timestamp":"yesterday"}`,
		`{"type":"SomethingNew","timestamp":"yesterday"}`,
		`{"type":"ChannelDtmfReceived","digit":"1","duration_ms":"100"}`,
	} {
		t.Run(in, func(t *testing.T) {
			e, err := DecodeEvent([]byte(in))
			if !errors.Is(err, ErrBadEvent) || e != nil {
				t.Errorf("DecodeEvent(%q) = %v, %v; want nil, ErrBadEvent", in, e, err)
			}
		})
	}
}

func TestChannelIDOfOthers(t *testing.T) {
	if got := ChannelID(&Unknown{Meta: Meta{Type: "BridgeCreated"}, Raw: []byte(`{"type":"BridgeCreated","bridge":{"id":"b"}}`)}); got != "" {
		t.Errorf("ChannelID(BridgeCreated) = %q", got)
	}
	if got := ChannelID(&ApplicationReplaced{}); got != "" {
		t.Errorf("ChannelID(ApplicationReplaced) = %q", got)
	}
	if got := ChannelID(nil); got != "" {
		t.Errorf("ChannelID(nil) = %q", got)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		evStasisStart, evStasisStartRep, evStasisEnd, evDTMF, evHangupRequest, evDestroyed,
		evStateChange, evVarset, evVarsetGlobal, evPbStarted, evPbContinuing, evPbFinished,
		evRecStarted, evRecFinished, evRecFailed, evBroadcast, evReplaced, evMoveFailed, evUnknown,
		`{"type":"StasisStart","TYPE":""}`, `{"type":""}`, `{}`, `null`, `"x"`,
		`{"application":"a","args":[],"type":"StasisEnd","channel":{"id":"x"}}`,
		`{"type":"StasisEnd","type":"PlaybackFinished"}`, `{"typ\u0065":"StasisEnd"}`,
		`{"type":"Stasis\u0045nd"}`, `{"x":[{"type":"y"}],"type":"ChannelDialplan"}`, `{"type":"StasisEnd"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeEvent(data)
		// The one-pass path must accept and reject exactly what the
		// two-pass path (type first, then the event) does.
		slow, slowErr := decodeEventSlow(data)
		if (err == nil) != (slowErr == nil) || !reflect.DeepEqual(e, slow) {
			t.Fatalf("DecodeEvent = %#v, %v; two-pass decode = %#v, %v", e, err, slow, slowErr)
		}
		if err != nil {
			if e != nil {
				t.Fatalf("DecodeEvent returned %v with error %v", e, err)
			}
			if !errors.Is(err, ErrBadEvent) {
				t.Fatalf("error %v does not wrap ErrBadEvent", err)
			}
			return
		}
		if e.EventType() == "" || e.EventMeta().Type != e.EventType() {
			t.Fatalf("decoded event %#v has an empty type", e)
		}
		_ = ChannelID(e)
	})
}
