package load

import (
	"bytes"
	"encoding/binary"
	"sort"
	"time"
)

// Where a key's time goes, for this app: the same loopback capture that
// times a key at the phone also sees the ARI traffic between Asterisk and
// the app, so each timed key splits into three legs, all on kernel
// timestamps:
//
//	DTMF End from the phone → ChannelDtmfReceived leaves Asterisk (event)
//	→ the app's play request reaches Asterisk (app)
//	→ the first RTP packet of the answer (play)
//
// The first and last legs are Asterisk's; app_voicemail has neither, only
// its own handling inside the channel's thread. The middle one is this
// app's whole share: the WebSocket read, the event's decoding, the menu
// step, any Redis round trips and the HTTP request's write.

// ariFrameKind tells the two ARI frames the split needs.
type ariFrameKind int

const (
	ariDTMF ariFrameKind = iota + 1 // ChannelDtmfReceived, Asterisk → app
	ariPlay                         // POST /ari/channels/ID/play, app → Asterisk
)

// ariFrame is one captured ARI frame of interest.
type ariFrame struct {
	at      time.Time
	kind    ariFrameKind
	channel string
	digit   byte
}

// ariSnapLen keeps the IPv4 and TCP headers (options included) and the
// first 200 bytes or so of the payload: enough for a WebSocket header and
// a ChannelDtmfReceived up to its channel's id, or a request line.
const ariSnapLen = 320

var (
	dtmfPrefix  = []byte(`{"type":"ChannelDtmfReceived"`)
	digitKey    = []byte(`"digit":"`)
	channelKey  = []byte(`"channel":{"id":"`)
	playRequest = []byte("POST /ari/channels/")
)

// parseARI reads an IPv4 TCP segment (no link header) between the app and
// Asterisk's HTTP port ariPort, and returns the frame it starts with when
// that is a ChannelDtmfReceived event or a play request. A frame that
// does not start a segment is not seen (Asterisk writes each event, and
// the app each request, in one write).
func parseARI(b []byte, at time.Time, ariPort uint16) (ariFrame, bool) {
	tcp, ok := ipv4Payload(b, 6)
	if !ok || len(tcp) < 20 {
		return ariFrame{}, false
	}
	off := int(tcp[12]>>4) * 4
	if off < 20 || len(tcp) < off {
		return ariFrame{}, false
	}
	src, dst := binary.BigEndian.Uint16(tcp[0:]), binary.BigEndian.Uint16(tcp[2:])
	payload := tcp[off:]
	switch ariPort {
	case src:
		return parseDTMFEvent(payload, at)
	case dst:
		return parsePlayRequest(payload, at)
	}
	return ariFrame{}, false
}

// parseDTMFEvent reads an unmasked WebSocket text frame from Asterisk.
func parseDTMFEvent(p []byte, at time.Time) (ariFrame, bool) {
	if len(p) < 2 || p[0] != 0x81 || p[1]&0x80 != 0 {
		return ariFrame{}, false
	}
	hdr := 2
	switch p[1] & 0x7f {
	case 126:
		hdr = 4
	case 127:
		hdr = 10
	}
	if len(p) < hdr || !bytes.HasPrefix(p[hdr:], dtmfPrefix) {
		return ariFrame{}, false
	}
	body := p[hdr:]
	digit, ok := quoted(body, digitKey)
	if !ok || len(digit) != 1 {
		return ariFrame{}, false
	}
	ch, ok := quoted(body, channelKey)
	if !ok || len(ch) == 0 {
		return ariFrame{}, false
	}
	return ariFrame{at: at, kind: ariDTMF, channel: string(ch), digit: digit[0]}, true
}

// parsePlayRequest reads "POST /ari/channels/ID/play…".
func parsePlayRequest(p []byte, at time.Time) (ariFrame, bool) {
	rest, ok := bytes.CutPrefix(p, playRequest)
	if !ok {
		return ariFrame{}, false
	}
	ch, rest, ok := bytes.Cut(rest, []byte("/"))
	if !ok || len(ch) == 0 || !bytes.HasPrefix(rest, []byte("play")) {
		return ariFrame{}, false
	}
	return ariFrame{at: at, kind: ariPlay, channel: string(ch)}, true
}

// quoted returns the string after key, up to the next quote.
func quoted(b, key []byte) ([]byte, bool) {
	_, after, ok := bytes.Cut(b, key)
	if !ok {
		return nil, false
	}
	v, _, ok := bytes.Cut(after, []byte(`"`))
	return v, ok
}

// keyLegs is one timed key split into its legs.
type keyLegs struct {
	label            string
	event, app, play time.Duration
}

// legWindow bounds how long after a key its event may leave Asterisk, and
// its play request follow the event, to count as theirs.
const legWindow = 100 * time.Millisecond

// splitKeys matches the timed keys of the captured calls with the ARI
// frames: a call's RTP flow (Asterisk's port) is tied to the channel
// whose events of the same digits follow every key of the flow, and
// follow them sooner than any other channel's (a call's keys, at its own
// times, tell it from the others: tieFlow); then each of its timed keys
// takes that channel's first such event, and the first play request after
// that event and before the answer. Flows that cannot be tied so are left
// out, never guessed: under heavy synchronised load, where calls press the
// same keys milliseconds apart, only some are. labels names the keys that are timed (sippSchedule.keyLabels).
func splitKeys(tr *keyTracker, frames []ariFrame, labels []string) []keyLegs {
	events := map[string][]ariFrame{}
	plays := map[string][]time.Time{}
	for _, f := range frames {
		switch f.kind {
		case ariDTMF:
			events[f.channel] = append(events[f.channel], f)
		case ariPlay:
			plays[f.channel] = append(plays[f.channel], f.at)
		}
	}
	// A flow's channel: among the channels with an event after every key
	// of the flow, the one whose events follow the keys soonest, when its
	// slowest is sooner than any other's quickest; a channel two flows
	// would take is left to neither.
	ports := make([]uint16, 0, len(tr.calls))
	for p := range tr.calls {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	channelOf := map[uint16]string{}
	claims := map[string]int{}
	for _, p := range ports {
		if ch, ok := tieFlow(tr.calls[p].keys, events); ok {
			channelOf[p] = ch
			claims[ch]++
		}
	}
	for p, ch := range channelOf {
		if claims[ch] > 1 {
			delete(channelOf, p)
		}
	}
	var out []keyLegs
	for _, p := range ports {
		ch, ok := channelOf[p]
		if !ok {
			continue
		}
		for _, k := range tr.calls[p].keys {
			if k.index >= len(labels) || labels[k.index] == "" || k.inPrompt || !k.answered {
				continue
			}
			answer := k.at.Add(k.latency)
			ev, ok := firstEvent(events[ch], k)
			if !ok || ev.After(answer) {
				continue
			}
			play, ok := firstAfter(plays[ch], ev)
			if !ok || play.After(answer) {
				continue
			}
			out = append(out, keyLegs{label: labels[k.index], event: ev.Sub(k.at), app: play.Sub(ev), play: answer.Sub(play)})
		}
	}
	return out
}

// tieFlow finds the channel of a flow's keys (splitKeys).
func tieFlow(keys []keyResult, events map[string][]ariFrame) (string, bool) {
	if len(keys) == 0 {
		return "", false
	}
	type fit struct {
		channel      string
		soon, latest time.Duration
	}
	var fits []fit
	for ch, evs := range events {
		f := fit{channel: ch, soon: legWindow}
		ok := true
		for _, k := range keys {
			at, found := firstEvent(evs, k)
			if !found {
				ok = false
				break
			}
			d := at.Sub(k.at)
			f.soon, f.latest = min(f.soon, d), max(f.latest, d)
		}
		if ok {
			fits = append(fits, f)
		}
	}
	if len(fits) == 0 {
		return "", false
	}
	sort.Slice(fits, func(i, j int) bool { return fits[i].latest < fits[j].latest })
	for _, other := range fits[1:] {
		if other.soon <= fits[0].latest {
			return "", false
		}
	}
	return fits[0].channel, true
}

// firstEvent is the first event of k's digit within legWindow after it.
func firstEvent(evs []ariFrame, k keyResult) (time.Time, bool) {
	for _, e := range evs {
		if e.digit == k.digit && !e.at.Before(k.at) && e.at.Sub(k.at) <= legWindow {
			return e.at, true
		}
	}
	return time.Time{}, false
}

// firstAfter is the first time in ts (sorted) not before t, within
// legWindow.
func firstAfter(ts []time.Time, t time.Time) (time.Time, bool) {
	for _, x := range ts {
		if !x.Before(t) {
			return x, x.Sub(t) <= legWindow
		}
	}
	return time.Time{}, false
}
