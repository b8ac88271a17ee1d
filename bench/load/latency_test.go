package load

import (
	"reflect"
	"testing"
	"time"
)

func TestLatencies(t *testing.T) {
	at := func(ms int) time.Time { return time.UnixMilli(int64(1764170712000 + ms)) }
	evs := []callEvent{
		{kind: evPlay, name: "sound:vm-password", playback: "b:1", at: at(0)},
		// PIN typed over the prompt; the answer is a new playback.
		{kind: evDTMF, name: "2", at: at(500)},
		{kind: evDTMF, name: "5", at: at(700)},
		{kind: evDTMF, name: "#", at: at(900)},
		{kind: evPlay, name: "sound:vm-youhave", playback: "b:2", at: at(985)},
		{kind: evPlay, name: "sound:digits/1", playback: "b:2", at: at(1500)},
		// 1 during the intro: the intro's next file starting before the
		// stop is no answer to the key.
		{kind: evDTMF, name: "1", at: at(1600)},
		{kind: evPlay, name: "sound:vm-INBOX", playback: "b:2", at: at(1601)},
		{kind: evPlay, name: "sound:vm-first", playback: "b:3", at: at(1603)},
		// # then a recording, not a prompt.
		{kind: evDTMF, name: "#", at: at(3000)},
		{kind: evRecStart, name: "r", at: at(3004)},
		// A playback with no key before it is not measured.
		{kind: evPlay, name: "recording:voicemail/x", playback: "b:4", at: at(5000)},
	}
	got := latencies("listen", evs)
	want := []latencySample{
		{label: "listen 25# → vm-youhave", d: 85 * time.Millisecond},
		{label: "listen 1 → vm-first", d: 3 * time.Millisecond},
		{label: "listen # → RecordingStarted", toRecording: true, d: 4 * time.Millisecond},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("latencies:\n got %+v\nwant %+v", got, want)
	}
}

func TestPercentile(t *testing.T) {
	var d dist
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(101-i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := d.percentile(tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := (dist{}).percentile(50); got != 0 {
		t.Errorf("empty p50 = %v", got)
	}
}
