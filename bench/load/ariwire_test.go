package load

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// tcpSegment builds an IPv4/TCP segment (with 12 bytes of TCP options) as
// AF_PACKET SOCK_DGRAM delivers it.
func tcpSegment(src, dst uint16, payload []byte) []byte {
	b := loopbackIPv4(6, 32+len(payload))
	binary.BigEndian.PutUint16(b[20:], src)
	binary.BigEndian.PutUint16(b[22:], dst)
	b[32] = 8 << 4 // data offset: 32 bytes
	copy(b[52:], payload)
	return b
}

// wsText frames s as Asterisk sends it: unmasked, FIN, text.
func wsText(s string) []byte {
	switch n := len(s); {
	case n < 126:
		return append([]byte{0x81, byte(n)}, s...)
	default:
		return append([]byte{0x81, 126, byte(n >> 8), byte(n)}, s...)
	}
}

func dtmfJSON(digit, channel string) string {
	return fmt.Sprintf(`{"type":"ChannelDtmfReceived","timestamp":"2026-12-06T07:39:18.225+0000","digit":%q,"duration_ms":100,`+
		`"channel":{"id":%q,"name":"PJSIP/sipp-0000025c","state":"Up","protocol_id":"1-18995@127.0.0.1","caller":{"name":"","number":"8000"}}}`, digit, channel)
}

func TestParseARI(t *testing.T) {
	at := time.Unix(100, 0)
	f, ok := parseARI(tcpSegment(8088, 40000, wsText(dtmfJSON("#", "pbx-a-1.42"))), at, 8088)
	if !ok || f.kind != ariDTMF || f.digit != '#' || f.channel != "pbx-a-1.42" || !f.at.Equal(at) {
		t.Fatalf("event: %+v %v", f, ok)
	}
	req := "POST /ari/channels/pbx-a-1.42/play/pbx-a-1.42:3?lang=en&media=sound%3Avm-first HTTP/1.1\r\nHost: x\r\n\r\n"
	f, ok = parseARI(tcpSegment(40001, 8088, []byte(req)), at, 8088)
	if !ok || f.kind != ariPlay || f.channel != "pbx-a-1.42" {
		t.Fatalf("play: %+v %v", f, ok)
	}
	for name, b := range map[string][]byte{
		"other event":   tcpSegment(8088, 40000, wsText(`{"type":"PlaybackStarted","playback":{}}`)),
		"other request": tcpSegment(40001, 8088, []byte("POST /ari/channels/pbx-a-1.42/answer HTTP/1.1\r\n")),
		"other port":    tcpSegment(8089, 40000, wsText(dtmfJSON("1", "c"))),
		"masked frame":  tcpSegment(8088, 40000, append([]byte{0x81, 0x80 | 5, 1, 2, 3, 4}, "hello"...)),
		"no channel":    tcpSegment(8088, 40000, wsText(`{"type":"ChannelDtmfReceived","digit":"1"}`)),
		"udp":           udpRTP(8088, 40000, 8, 0, nil),
		"short":         tcpSegment(8088, 40000, nil)[:30],
	} {
		if f, ok := parseARI(b, at, 8088); ok {
			t.Errorf("%s: parsed as %+v", name, f)
		}
	}
}

// TestSplitKeys: calls press the same keys 5 ms apart; a flow is tied to
// its own channel by its keys' times, each timed key splits into event,
// app and play, and a channel two flows could be tied to is left out.
func TestSplitKeys(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }
	tr := newKeyTracker(6000)
	key := func(port uint16, index int, digit byte, at, latency float64) {
		c := tr.call(port)
		c.keys = append(c.keys, keyResult{index: index, digit: digit, at: ms(at), answered: latency > 0,
			latency: time.Duration(latency * float64(time.Millisecond))})
	}
	var frames []ariFrame
	// press records a key of the call on port, in channel ch: its event
	// after ev ms, its play request after play ms more (none if 0).
	press := func(port uint16, ch string, index int, digit byte, at, latency, ev, play float64) {
		key(port, index, digit, at, latency)
		frames = append(frames, ariFrame{at: ms(at + ev), kind: ariDTMF, channel: ch, digit: digit})
		if play > 0 {
			frames = append(frames, ariFrame{at: ms(at + ev + play), kind: ariPlay, channel: ch})
		}
	}
	labels := []string{"", "# → x", "1 → y"}

	// Call A (port 10000, channel a): 2, # (timed), 1 (timed).
	press(10000, "a", 0, '2', 0, 0, 0.3, 0)
	press(10000, "a", 1, '#', 1000, 3, 0.4, 0.5)
	press(10000, "a", 2, '1', 3000, 2.5, 0.2, 0.4)
	// Call B (port 10002, channel b), 5 ms later, and a slower app.
	press(10002, "b", 0, '2', 5, 0, 0.3, 0)
	press(10002, "b", 1, '#', 1005, 4, 0.3, 1.2)
	press(10002, "b", 2, '1', 3005, 3, 0.5, 0.5)
	// Call C (port 10004) pressed 2 and # just before b did, and its own
	// events were lost: b's events follow its keys as soon as they follow
	// b's own, so b could be either's and neither is split twice.
	key(10004, 0, '2', 4.9, 0)
	key(10004, 1, '#', 1004.9, 3)

	wantA := []keyLegs{
		{label: "# → x", event: 400 * time.Microsecond, app: 500 * time.Microsecond, play: 2100 * time.Microsecond},
		{label: "1 → y", event: 200 * time.Microsecond, app: 400 * time.Microsecond, play: 1900 * time.Microsecond},
	}
	wantB := []keyLegs{
		{label: "# → x", event: 300 * time.Microsecond, app: 1200 * time.Microsecond, play: 2500 * time.Microsecond},
		{label: "1 → y", event: 500 * time.Microsecond, app: 500 * time.Microsecond, play: 2000 * time.Microsecond},
	}
	checkLegs(t, splitKeys(tr, frames, labels), wantA)

	// Without call C, b is call B's.
	delete(tr.calls, 10004)
	checkLegs(t, splitKeys(tr, frames, labels), append(wantA, wantB...))
}

func checkLegs(t *testing.T, legs, want []keyLegs) {
	t.Helper()
	if len(legs) != len(want) {
		t.Fatalf("legs: %+v", legs)
	}
	near := func(a, b time.Duration) bool { return (a - b).Abs() < time.Microsecond }
	for i, w := range want {
		g := legs[i]
		if g.label != w.label || !near(g.event, w.event) || !near(g.app, w.app) || !near(g.play, w.play) {
			t.Errorf("leg %d: got %+v, want %+v", i, g, w)
		}
	}
}
