package ari_test

import (
	"testing"

	"github.com/clusterpbx/voicemail/ari"
)

// Frames as Asterisk 22.10 sent them to an app during a load run
// (bench/cmd/vmload), field order included. StasisStart goes only to the
// app the channel enters, so it is assembled from the same channel's
// snapshot in the layout of res/ari/ari_model_events (type, timestamp,
// args, channel, asterisk_id, application).
const (
	benchChannel = `{"id":"vmload-688d64-2-b","name":"Local/*97@vm-load-00000011;2","state":"Up","protocol_id":"",` +
		`"caller":{"name":"Load listen","number":"8100"},"connected":{"name":"Load listen","number":"8100"},"accountcode":"",` +
		`"dialplan":{"context":"vm-load","exten":"*97","priority":1,"app_name":"Stasis","app_data":"voicemail-load,main,8100@vmload"},` +
		`"creationtime":"2026-11-26T18:05:29.129+0000","language":"en"}`
	benchStasisStart = `{"type":"StasisStart","timestamp":"2026-11-26T18:05:29.130+0000","args":["main","8100@vmload"],"channel":` +
		benchChannel + `,"asterisk_id":"02:fc:00:00:00:01","application":"voicemail-load"}`
	benchDTMF = `{"type":"ChannelDtmfReceived","timestamp":"2026-11-26T18:05:29.636+0000","digit":"2","duration_ms":100,"channel":` +
		benchChannel + `,"asterisk_id":"02:fc:00:00:00:01","application":"voicemail-load"}`
	benchPlaybackStarted = `{"type":"PlaybackStarted","timestamp":"2026-11-26T18:05:29.134+0000","playback":{"id":"vmload-688d64-2-b:1",` +
		`"media_uri":"sound:vm-password","target_uri":"channel:vmload-688d64-2-b","language":"en","state":"playing"},` +
		`"asterisk_id":"02:fc:00:00:00:01","application":"voicemail-load"}`
	benchPlaybackFinished = `{"type":"PlaybackFinished","timestamp":"2026-11-26T18:05:29.637+0000","playback":{"id":"vmload-688d64-2-b:1",` +
		`"media_uri":"sound:vm-password","target_uri":"channel:vmload-688d64-2-b","language":"en","state":"done"},` +
		`"asterisk_id":"02:fc:00:00:00:01","application":"voicemail-load"}`
	// A type the package does not model: decoded as *ari.Unknown, which
	// keeps a copy of the frame.
	benchDialplan = `{"type":"ChannelDialplan","timestamp":"2026-11-26T18:05:21.682+0000","dialplan_app":"Answer","dialplan_app_data":"",` +
		`"channel":` + benchChannel + `,"asterisk_id":"02:fc:00:00:00:01","application":"voicemail-load"}`
)

// BenchmarkDecodeEvent decodes the events a call brings most often, as the
// stream's reader does for every frame, and finds the channel they concern
// as the app's dispatcher does.
func BenchmarkDecodeEvent(b *testing.B) {
	for _, tc := range []struct{ name, frame string }{
		{"StasisStart", benchStasisStart},
		{"ChannelDtmfReceived", benchDTMF},
		{"PlaybackStarted", benchPlaybackStarted},
		{"PlaybackFinished", benchPlaybackFinished},
		{"Unknown", benchDialplan},
	} {
		b.Run(tc.name, func(b *testing.B) {
			frame := []byte(tc.frame)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				ev, err := ari.DecodeEvent(frame)
				if err != nil {
					b.Fatal(err)
				}
				if ari.ChannelID(ev) != "vmload-688d64-2-b" {
					b.Fatalf("%s: channel %q", tc.name, ari.ChannelID(ev))
				}
			}
		})
	}
}
