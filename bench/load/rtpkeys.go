package load

import (
	"encoding/binary"
	"time"
)

// Caller-side latency: what a SIP phone sees. From the first RFC 4733
// packet with the End bit of a key (the phone's key release, when Asterisk
// acts on it: res/res_rtp_asterisk.c, process_dtmf_rfc2833) to the first RTP
// packet Asterisk sends back to the phone after it. A channel that plays
// nothing sends no RTP (no frames are written), so the first packet after
// a silence is the answering prompt. A key that arrives while Asterisk is
// still sending (inside a prompt) does not measure an answer and is set
// apart.

// rtpPacket is what the latency needs of one captured UDP datagram.
type rtpPacket struct {
	at               time.Time
	srcPort, dstPort uint16
	// pt is the RTP payload type.
	pt byte
	// event, end and evTS are the RFC 4733 fields of a telephone-event
	// packet (pt == eventPT): the event code, the End bit, and the RTP
	// timestamp, which is the same in every packet of one event.
	event byte
	end   bool
	evTS  uint32
}

// eventPT is the telephone-event payload type that testenv/sipp offers.
const eventPT = 101

// parseRTP reads an IPv4 datagram (no link header, as an AF_PACKET
// SOCK_DGRAM socket delivers it) carrying UDP with an RTP version 2
// header.
func parseRTP(b []byte, at time.Time) (rtpPacket, bool) {
	udp, ok := ipv4Payload(b, 17)
	if !ok || len(udp) < 8+12 {
		return rtpPacket{}, false
	}
	rtp := udp[8:]
	if rtp[0]>>6 != 2 {
		return rtpPacket{}, false
	}
	p := rtpPacket{
		at:      at,
		srcPort: binary.BigEndian.Uint16(udp[0:]),
		dstPort: binary.BigEndian.Uint16(udp[2:]),
		pt:      rtp[1] & 0x7f,
	}
	if p.pt == eventPT {
		hdr := 12 + 4*int(rtp[0]&0x0f)
		if len(rtp) < hdr+4 {
			return rtpPacket{}, false
		}
		p.event = rtp[hdr]
		p.end = rtp[hdr+1]&0x80 != 0
		p.evTS = binary.BigEndian.Uint32(rtp[4:])
	}
	return p, true
}

// ipv4Payload returns what follows the header of b, an unfragmented IPv4
// datagram of protocol proto (UDP 17, TCP 6), as an AF_PACKET SOCK_DGRAM
// socket delivers it (no link header).
func ipv4Payload(b []byte, proto byte) ([]byte, bool) {
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != proto {
		return nil, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || binary.BigEndian.Uint16(b[6:])&0x1fff != 0 || len(b) < ihl {
		return nil, false
	}
	return b[ihl:], true
}

// silenceGap is how long Asterisk must have sent nothing to the phone for
// a key to count as pressed in silence: a playing prompt sends every
// 20 ms.
const silenceGap = 100 * time.Millisecond

// keyResult is one key a phone pressed.
type keyResult struct {
	// index is the key's position among the call's keys (the schedule's).
	index int
	digit byte
	at    time.Time
	// inPrompt: Asterisk was sending when the key came.
	inPrompt bool
	// answered is set once a packet from Asterisk followed, before the
	// next key; latency is then from the key to that packet.
	answered bool
	latency  time.Duration
}

// rtpCall is the two RTP streams of one call, told apart from other calls
// by Asterisk's port.
type rtpCall struct {
	asteriskPort uint16
	lastOut      time.Time
	lastEvTS     uint32
	inEvent      bool
	keys         []keyResult
	// pending is the index in keys of the last key without an answer, or
	// -1.
	pending int
	// first is the first packet of the call, either way.
	first time.Time
	// bursts are the spans in which Asterisk sent to the phone without a
	// silence of silenceGap: the prompts.
	bursts []burst
	// fromPhone and toPhone count packets.
	fromPhone, toPhone int
}

// burst is a span of packets to the phone.
type burst struct {
	start, end time.Time
	// packets counts the burst's packets; other the ones that are not
	// audio (PCMA or PCMU).
	packets, other int
}

// keyTracker pairs the packets between one phone port (the sipp media
// port, which every call of a sipp process shares) and Asterisk's ports.
type keyTracker struct {
	phonePort uint16
	calls     map[uint16]*rtpCall
}

func newKeyTracker(phonePort uint16) *keyTracker {
	return &keyTracker{phonePort: phonePort, calls: map[uint16]*rtpCall{}}
}

func (t *keyTracker) call(port uint16) *rtpCall {
	c := t.calls[port]
	if c == nil {
		c = &rtpCall{asteriskPort: port, pending: -1}
		t.calls[port] = c
	}
	return c
}

// add takes one packet, in capture order.
func (t *keyTracker) add(p rtpPacket) {
	switch t.phonePort {
	case p.dstPort: // Asterisk → phone
		c := t.call(p.srcPort)
		c.toPhone++
		if c.first.IsZero() {
			c.first = p.at
		}
		if n := len(c.bursts); n == 0 || p.at.Sub(c.bursts[n-1].end) >= silenceGap {
			c.bursts = append(c.bursts, burst{start: p.at})
		}
		b := &c.bursts[len(c.bursts)-1]
		b.end = p.at
		b.packets++
		if p.pt != 0 && p.pt != 8 {
			b.other++
		}
		if c.pending >= 0 {
			k := &c.keys[c.pending]
			k.answered, k.latency = true, p.at.Sub(k.at)
			c.pending = -1
		}
		c.lastOut = p.at
	case p.srcPort: // phone → Asterisk
		c := t.call(p.dstPort)
		c.fromPhone++
		if c.first.IsZero() {
			c.first = p.at
		}
		if p.pt != eventPT {
			return
		}
		if !p.end {
			c.inEvent = true
			return
		}
		// The End packet is sent three times; only the first counts.
		if !c.inEvent && p.evTS == c.lastEvTS && len(c.keys) > 0 {
			return
		}
		c.inEvent, c.lastEvTS = false, p.evTS
		c.keys = append(c.keys, keyResult{
			index:    len(c.keys),
			digit:    dtmfDigit(p.event),
			at:       p.at,
			inPrompt: !c.lastOut.IsZero() && p.at.Sub(c.lastOut) < silenceGap,
		})
		c.pending = len(c.keys) - 1
	}
}

// dtmfDigit maps an RFC 4733 event code to its key.
func dtmfDigit(ev byte) byte {
	const keys = "0123456789*#ABCD"
	if int(ev) < len(keys) {
		return keys[ev]
	}
	return '?'
}
