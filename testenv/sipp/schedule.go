package sipp

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A schedule is the media of a load caller: one pcap that a single sipp
// process plays for every call it places (bench/cmd/vmload -caller sipp).
// Keys sit at fixed offsets from the answer, chosen to fall into the
// silence after a prompt.

// ScheduledKey is one DTMF key of a Schedule.
type ScheduledKey struct {
	// At is when the key's first RFC 4733 packet is sent, from the answer.
	// It is rounded up to the 20 ms packet grid.
	At time.Duration
	// Digit is 0-9, *, #, A-D; it lasts DigitDuration.
	Digit byte
}

// Schedule is the media of a caller whose keys do not depend on what it
// hears.
type Schedule struct {
	// Length is how long the stream lasts after the answer.
	Length time.Duration
	// Keys are the keys, in order, at least DigitDuration+DigitGap apart.
	Keys []ScheduledKey
	// Speech sends audio (A-law from Audio, looped) in every 20 ms slot
	// that carries no DTMF, as a talking phone does. Without it, the
	// caller sends only the keys and one packet of A-law silence every
	// Keepalive, which is much cheaper for both sides; Asterisk records
	// nothing, though, when no audio arrives.
	Speech bool
	// Audio is the pcap of speech for Speech; default DefaultAudio.
	Audio string
	// Keepalive is the gap between the silent packets of a caller without
	// Speech: it must stay below the endpoint's rtp_timeout
	// (testenv/asterisk/pjsip.conf: 10 s). Default 1s.
	Keepalive time.Duration
}

// WriteSchedule writes s as a pcap for sipp's play_pcap_audio. The RTP
// stream has one SSRC, consecutive sequence numbers and timestamps that
// follow the send time, so that Asterisk takes every key
// (res/res_rtp_asterisk.c ignores an event older than the last).
func WriteSchedule(w io.Writer, s Schedule) error {
	if s.Length <= 0 {
		return fmt.Errorf("%w: schedule without length", ErrBadOptions)
	}
	var plan mediaPlan
	plan.Length = s.Length
	var prevEnd time.Duration = -1
	for i, k := range s.Keys {
		d := strings.ToUpper(string(k.Digit))[0]
		if _, ok := digitEvents[d]; !ok {
			return fmt.Errorf("%w: key %d: %q is not a DTMF key", ErrBadOptions, i, k.Digit)
		}
		at := (k.At + packetTime - 1) / packetTime * packetTime
		if at < prevEnd {
			return fmt.Errorf("%w: key %d at %v overlaps the previous key", ErrBadOptions, i, k.At)
		}
		plan.Digits = append(plan.Digits, timedDigit{At: at, Digit: d})
		prevEnd = at + DigitDuration + DigitGap
	}
	if prevEnd > plan.Length {
		plan.Length = prevEnd + DTMFTail
	}
	st := rtpState{SSRC: 0x766d6c64, Seq: 1000, Timestamp: 8000}
	if s.Speech {
		path := s.Audio
		if path == "" {
			path = DefaultAudio
		}
		audio, err := loadAudio(path)
		if err != nil {
			return fmt.Errorf("%w: audio: %v", ErrBadOptions, err)
		}
		return writeMedia(w, plan, audio, st)
	}
	keepalive := s.Keepalive
	if keepalive <= 0 {
		keepalive = time.Second
	}
	return writeKeysOnly(w, plan, keepalive, st)
}

// writeKeysOnly writes the plan's digits as RFC 4733 events and, in the
// slots between, one packet of A-law silence every keepalive.
func writeKeysOnly(w io.Writer, p mediaPlan, keepalive time.Duration, st rtpState) error {
	pw, err := newPcapWriter(w)
	if err != nil {
		return err
	}
	header := st.headers()
	// Slots that carry an event packet.
	events := map[int]struct {
		digit      byte
		start, idx int
	}{}
	for _, d := range p.Digits {
		start := int(d.At / packetTime)
		for i := range digitPackets + endRepeats {
			events[start+i] = struct {
				digit      byte
				start, idx int
			}{d.Digit, start, i}
		}
	}
	slots := int((p.Length + packetTime - 1) / packetTime)
	every := max(int(keepalive/packetTime), 1)
	silence := slices.Repeat([]byte{0xd5}, samplesPerPacket) // A-law 0
	lastSent := -every
	first := true
	for slot := range slots {
		at := time.Duration(slot) * packetTime
		if ev, ok := events[slot]; ok {
			dur := min(ev.idx+1, digitPackets) * samplesPerPacket
			evStart := st.Timestamp + uint32(ev.start*samplesPerPacket)
			buf := append(header(payloadEvent, ev.idx == 0, evStart), digitEvents[ev.digit], eventVolume, 0, 0)
			if ev.idx >= digitPackets-1 {
				buf[rtpHeaderLen+1] |= 0x80
			}
			binary.BigEndian.PutUint16(buf[rtpHeaderLen+2:], uint16(dur))
			if err := pw.writeUDP(at, rtpPort, rtpPort, buf); err != nil {
				return err
			}
			lastSent = slot
			continue
		}
		if slot-lastSent < every {
			continue
		}
		buf := append(header(payloadPCMA, first, st.Timestamp+uint32(slot*samplesPerPacket)), silence...)
		first = false
		if err := pw.writeUDP(at, rtpPort, rtpPort, buf); err != nil {
			return err
		}
		lastSent = slot
	}
	return nil
}
