package sipp

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"
)

// The caller's media: one RTP stream, written as a pcap file that SIPp plays
// once the call is answered. Audio is G.711 A-law (payload type 8) in 20 ms
// packets, taken in a loop from a capture (sip-tester's g711a.pcap); each
// DTMF digit replaces 100 ms of it with RFC 4733 telephone-events (payload
// type 101) as a phone sends them.
//
// One stream with one SSRC and strictly increasing sequence numbers and
// timestamps: Asterisk ignores an RFC 4733 event whose timestamp is not later
// than the previous one (res/res_rtp_asterisk.c, process_dtmf_rfc2833), so
// replaying sip-tester's per-digit captures would lose a repeated digit, and
// their fixed timestamps (0 lies between 1 and 2) would lose "21".

const (
	packetTime       = 20 * time.Millisecond
	samplesPerPacket = 160 // 8 kHz
	payloadPCMA      = 8
	payloadEvent     = 101 // as offered in scenarios/uac.xml

	// DigitDuration is how long each DTMF digit lasts.
	DigitDuration = 100 * time.Millisecond
	// DigitGap is the pause after each digit of a step, before the next.
	DigitGap = 100 * time.Millisecond

	digitPackets = int(DigitDuration / packetTime)
	// The final packet of an event is sent three times (RFC 4733 2.5.1.4).
	endRepeats  = 2
	eventVolume = 10 // -10 dBm0
	// rtpPort is the UDP port the capture uses; SIPp replaces it with the
	// caller's media port (source) and Asterisk's (destination).
	rtpPort = 6000
)

// digitEvents maps keys to RFC 4733 event codes.
var digitEvents = map[byte]byte{
	'0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9,
	'*': 10, '#': 11, 'A': 12, 'B': 13, 'C': 14, 'D': 15,
}

// timedDigit is one digit of a media plan: its event starts At after answer.
type timedDigit struct {
	At    time.Duration
	Digit byte
}

// mediaPlan is what the caller sends after the answer.
type mediaPlan struct {
	// Length is how long the stream lasts; the caller hangs up then.
	Length time.Duration
	// Digits are the DTMF digits, in order, none overlapping.
	Digits []timedDigit
}

// planMedia lays out the DTMF steps on the packet grid: each step starts
// After the end of the previous one (the first, After the answer); its
// digits last DigitDuration each with DigitGap after each. The stream lasts
// talk, or until tail after the last digit's gap if that is later.
func planMedia(talk, tail time.Duration, steps []DTMFStep) (mediaPlan, error) {
	var p mediaPlan
	var cursor time.Duration
	for i, s := range steps {
		if s.After < 0 {
			return mediaPlan{}, fmt.Errorf("%w: DTMF step %d: negative After %v", ErrBadOptions, i, s.After)
		}
		if s.Digits == "" {
			return mediaPlan{}, fmt.Errorf("%w: DTMF step %d: no digits", ErrBadOptions, i)
		}
		cursor += s.After
		for j := 0; j < len(s.Digits); j++ {
			d := strings.ToUpper(s.Digits[j : j+1])[0]
			if _, ok := digitEvents[d]; !ok {
				return mediaPlan{}, fmt.Errorf("%w: DTMF step %d: %q is not a DTMF key (0-9, *, #, A-D)", ErrBadOptions, i, s.Digits[j])
			}
			// Round up to the packet grid.
			cursor = (cursor + packetTime - 1) / packetTime * packetTime
			p.Digits = append(p.Digits, timedDigit{At: cursor, Digit: d})
			cursor += DigitDuration + DigitGap
		}
	}
	p.Length = talk
	if len(p.Digits) > 0 && cursor+tail > p.Length {
		p.Length = cursor + tail
	}
	return p, nil
}

// rtpState is the header state of the stream.
type rtpState struct {
	SSRC      uint32
	Seq       uint16
	Timestamp uint32 // of packet slot 0
}

// headers returns a function that writes the header of the stream's next
// packet into a buffer with room for one packet of audio after it, and
// returns the header; each call takes the next sequence number.
func (st rtpState) headers() func(pt byte, marker bool, ts uint32) []byte {
	seq := st.Seq
	pkt := make([]byte, rtpHeaderLen+samplesPerPacket)
	return func(pt byte, marker bool, ts uint32) []byte {
		pkt[0] = 0x80 // version 2
		pkt[1] = pt
		if marker {
			pkt[1] |= 0x80
		}
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], ts)
		binary.BigEndian.PutUint32(pkt[8:], st.SSRC)
		seq++
		return pkt[:rtpHeaderLen]
	}
}

// writeMedia writes the plan as RTP in a pcap file. audio is A-law samples,
// looped as needed.
func writeMedia(w io.Writer, p mediaPlan, audio []byte, st rtpState) error {
	if len(audio) == 0 {
		return errNoAudio
	}
	pw, err := newPcapWriter(w)
	if err != nil {
		return err
	}
	header := st.headers()
	slots := int((p.Length + packetTime - 1) / packetTime)
	next := 0     // the next digit of p.Digits
	audioPos := 0 // in audio
	firstAudio := true
	for slot := 0; slot < slots; slot++ {
		at := time.Duration(slot) * packetTime
		ts := st.Timestamp + uint32(slot*samplesPerPacket)
		if next < len(p.Digits) {
			d := p.Digits[next]
			start := int(d.At / packetTime)
			if slot >= start && slot < start+digitPackets+endRepeats {
				i := slot - start
				end := i >= digitPackets-1
				dur := min(i+1, digitPackets) * samplesPerPacket
				evStart := st.Timestamp + uint32(start*samplesPerPacket)
				buf := append(header(payloadEvent, i == 0, evStart), digitEvents[d.Digit], eventVolume, 0, 0)
				if end {
					buf[rtpHeaderLen+1] |= 0x80
				}
				binary.BigEndian.PutUint16(buf[rtpHeaderLen+2:], uint16(dur))
				if err := pw.writeUDP(at, rtpPort, rtpPort, buf); err != nil {
					return err
				}
				if i == digitPackets+endRepeats-1 {
					next++
				}
				continue
			}
		}
		buf := header(payloadPCMA, firstAudio, ts)
		firstAudio = false
		for len(buf) < rtpHeaderLen+samplesPerPacket {
			n := min(rtpHeaderLen+samplesPerPacket-len(buf), len(audio)-audioPos)
			buf = append(buf, audio[audioPos:audioPos+n]...)
			audioPos = (audioPos + n) % len(audio)
		}
		if err := pw.writeUDP(at, rtpPort, rtpPort, buf); err != nil {
			return err
		}
	}
	return nil
}
