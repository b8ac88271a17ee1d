package load

import (
	"math"
	"slices"
	"strings"
	"time"
)

// latencySample is one key-to-prompt latency of one call.
type latencySample struct {
	// label names the keys and what they led to: "listen 1234# → vm-youhave".
	label string
	// toRecording is set when the keys led to a recording (after its
	// beep), not to a prompt.
	toRecording bool
	d           time.Duration
}

// latencies finds, in the events of a call's voicemail side, each group
// of digits followed by the start of a new playback (or of a recording),
// and measures from the last digit's ChannelDtmfReceived to that
// PlaybackStarted. Both are Asterisk timestamps, to the millisecond: the
// figure covers the app's side (the event on the WebSocket, the engine,
// Redis, the REST calls back) and Asterisk's own handling, but not the
// network to a phone.
//
// A playback item that starts after the digits but belongs to the
// playback that was running when the first digit came (Asterisk moving on
// to the next file of a prompt before the app's stop arrived) is not the
// answer to the keys and is skipped.
func latencies(flow string, evs []callEvent) []latencySample {
	var out []latencySample
	var keys, current, atKeys string
	var last time.Time
	for _, e := range evs {
		switch e.kind {
		case evDTMF:
			if keys == "" {
				atKeys = current
			}
			keys += e.name
			last = e.at
		case evPlay:
			if keys != "" && e.playback != atKeys {
				out = append(out, latencySample{label: flow + " " + keys + " → " + shortMedia(e.name), d: e.at.Sub(last)})
				keys = ""
			}
			current = e.playback
		case evRecStart:
			if keys != "" {
				out = append(out, latencySample{label: flow + " " + keys + " → RecordingStarted", toRecording: true, d: e.at.Sub(last)})
				keys = ""
			}
		}
	}
	return out
}

// shortMedia drops the sound: scheme and shortens recordings.
func shortMedia(uri string) string {
	if s, ok := strings.CutPrefix(uri, "sound:"); ok {
		return s
	}
	if strings.HasPrefix(uri, "recording:") {
		return "recording"
	}
	return uri
}

// dist is a distribution of durations.
type dist []time.Duration

// percentile returns the p-th percentile (0 < p <= 100) by nearest rank.
func (d dist) percentile(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

func (d dist) max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}
