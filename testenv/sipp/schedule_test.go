package sipp

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// scheduledPacket is one RTP packet read back from a schedule's pcap.
type scheduledPacket struct {
	at      time.Duration
	pt      byte
	seq     uint16
	ts      uint32
	payload []byte
}

func readSchedule(t *testing.T, data []byte) []scheduledPacket {
	t.Helper()
	var out []scheduledPacket
	for off := 24; off+16 <= len(data); {
		sec := binary.LittleEndian.Uint32(data[off:])
		usec := binary.LittleEndian.Uint32(data[off+4:])
		incl := int(binary.LittleEndian.Uint32(data[off+8:]))
		frame := data[off+16 : off+16+incl]
		off += 16 + incl
		rtp := frame[ethHeaderLen+ipv4HeaderLen+udpHeaderLen:]
		out = append(out, scheduledPacket{
			at:      time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond - time.Second,
			pt:      rtp[1] & 0x7f,
			seq:     binary.BigEndian.Uint16(rtp[2:]),
			ts:      binary.BigEndian.Uint32(rtp[4:]),
			payload: rtp[rtpHeaderLen:],
		})
	}
	return out
}

func TestWriteScheduleKeysOnly(t *testing.T) {
	var b bytes.Buffer
	s := Schedule{Length: 5 * time.Second, Keys: []ScheduledKey{{At: 1010 * time.Millisecond, Digit: '5'}, {At: 1300 * time.Millisecond, Digit: '#'}}}
	if err := WriteSchedule(&b, s); err != nil {
		t.Fatal(err)
	}
	pkts := readSchedule(t, b.Bytes())
	var events, audio int
	var ends []time.Duration
	for i, p := range pkts {
		if i > 0 && p.seq != pkts[i-1].seq+1 {
			t.Fatalf("packet %d: seq %d after %d", i, p.seq, pkts[i-1].seq)
		}
		switch p.pt {
		case payloadEvent:
			events++
			if p.payload[1]&0x80 != 0 && (len(ends) == 0 || p.at-ends[len(ends)-1] > 60*time.Millisecond) {
				ends = append(ends, p.at)
			}
		case payloadPCMA:
			audio++
		}
	}
	if events != 2*(digitPackets+endRepeats) {
		t.Errorf("%d event packets, want %d", events, 2*(digitPackets+endRepeats))
	}
	// The first key is rounded up to 1020 ms; its End packet is the 5th.
	if len(ends) != 2 || ends[0] != 1100*time.Millisecond || ends[1] != 1380*time.Millisecond {
		t.Errorf("End packets at %v, want [1.1s 1.38s]", ends)
	}
	// Keep-alives: about one a second over 5 s.
	if audio < 4 || audio > 6 {
		t.Errorf("%d keep-alive packets, want about 5", audio)
	}
}

func TestWriteScheduleRejects(t *testing.T) {
	for name, s := range map[string]Schedule{
		"no length": {},
		"bad key":   {Length: time.Second, Keys: []ScheduledKey{{Digit: 'x'}}},
		"overlap":   {Length: time.Second, Keys: []ScheduledKey{{At: 0, Digit: '1'}, {At: 100 * time.Millisecond, Digit: '2'}}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := WriteSchedule(&bytes.Buffer{}, s); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
