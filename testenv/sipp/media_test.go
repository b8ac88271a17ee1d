package sipp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/testenv"
)

func TestPlanMedia(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name   string
		talk   time.Duration
		steps  []DTMFStep
		want   []timedDigit
		length time.Duration
	}{
		{name: "talk only", talk: 3 * time.Second, length: 3 * time.Second},
		{
			name: "one step", talk: 10 * time.Second,
			steps:  []DTMFStep{{After: time.Second, Digits: "12#"}},
			want:   []timedDigit{{1000 * ms, '1'}, {1200 * ms, '2'}, {1400 * ms, '#'}},
			length: 10 * time.Second,
		},
		{
			name:  "steps follow each other, on the 20 ms grid",
			steps: []DTMFStep{{After: 1005 * ms, Digits: "1"}, {After: 300 * ms, Digits: "a"}},
			want:  []timedDigit{{1020 * ms, '1'}, {1520 * ms, 'A'}},
			// Talk is raised to the end of the last gap plus the tail.
			length: 1720*ms + DTMFTail,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planMedia(tc.talk, DTMFTail, tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Digits) != len(tc.want) {
				t.Fatalf("digits %v, want %v", p.Digits, tc.want)
			}
			for i := range tc.want {
				if p.Digits[i] != tc.want[i] {
					t.Errorf("digit %d = %+v, want %+v", i, p.Digits[i], tc.want[i])
				}
			}
			if p.Length != tc.length {
				t.Errorf("length %v, want %v", p.Length, tc.length)
			}
		})
	}
}

func TestPlanMediaRejects(t *testing.T) {
	for _, steps := range [][]DTMFStep{
		{{After: -time.Second, Digits: "1"}},
		{{Digits: ""}},
		{{Digits: "12x"}},
	} {
		if _, err := planMedia(time.Second, DTMFTail, steps); !errors.Is(err, ErrBadOptions) {
			t.Errorf("planMedia(%+v) = %v, want ErrBadOptions", steps, err)
		}
	}
}

// rtpPacket is a packet read back from a written capture.
type rtpPacket struct {
	at        time.Duration
	pt        byte
	marker    bool
	seq       uint16
	ts        uint32
	ssrc      uint32
	payload   []byte
	dstPort   uint16
	udpLength int
}

// readCapture parses what writeMedia wrote.
func readCapture(t *testing.T, data []byte) []rtpPacket {
	t.Helper()
	if binary.LittleEndian.Uint32(data) != pcapMagic || binary.LittleEndian.Uint32(data[20:]) != pcapLinkEthernet {
		t.Fatal("bad pcap header")
	}
	var out []rtpPacket
	var first time.Duration
	for off := 24; off < len(data); {
		sec := binary.LittleEndian.Uint32(data[off:])
		usec := binary.LittleEndian.Uint32(data[off+4:])
		incl := int(binary.LittleEndian.Uint32(data[off+8:]))
		frame := data[off+16 : off+16+incl]
		off += 16 + incl
		at := time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
		if len(out) == 0 {
			first = at
		}
		ip := frame[ethHeaderLen:]
		udp := ip[ipv4HeaderLen:]
		rtp := udp[udpHeaderLen:]
		if ipChecksum(ip[:ipv4HeaderLen]) != 0 {
			t.Fatal("bad IPv4 header checksum")
		}
		out = append(out, rtpPacket{
			at: at - first, pt: rtp[1] & 0x7f, marker: rtp[1]&0x80 != 0,
			seq: binary.BigEndian.Uint16(rtp[2:]), ts: binary.BigEndian.Uint32(rtp[4:]), ssrc: binary.BigEndian.Uint32(rtp[8:]),
			payload: rtp[rtpHeaderLen:], dstPort: binary.BigEndian.Uint16(udp[2:]), udpLength: int(binary.BigEndian.Uint16(udp[4:])),
		})
	}
	return out
}

func TestWriteMedia(t *testing.T) {
	p, err := planMedia(2*time.Second, DTMFTail, []DTMFStep{{After: 500 * time.Millisecond, Digits: "11#"}})
	if err != nil {
		t.Fatal(err)
	}
	audio := bytes.Repeat([]byte{0xd5, 0x55, 0x2a}, 100) // not a multiple of 160: it loops mid-packet
	st := rtpState{SSRC: 0x12345678, Seq: 65530, Timestamp: 1000}
	var b bytes.Buffer
	if err := writeMedia(&b, p, audio, st); err != nil {
		t.Fatal(err)
	}
	pkts := readCapture(t, b.Bytes())
	if len(pkts) != 100 {
		t.Fatalf("%d packets for 2 s, want one per 20 ms", len(pkts))
	}
	var events []rtpPacket
	for i, pk := range pkts {
		if pk.seq != st.Seq+uint16(i) {
			t.Fatalf("packet %d: seq %d, want %d", i, pk.seq, st.Seq+uint16(i))
		}
		if pk.ssrc != st.SSRC || pk.dstPort != rtpPort || pk.udpLength != udpHeaderLen+rtpHeaderLen+len(pk.payload) {
			t.Fatalf("packet %d: %+v", i, pk)
		}
		if pk.at != time.Duration(i)*packetTime {
			t.Fatalf("packet %d at %v, want %v", i, pk.at, time.Duration(i)*packetTime)
		}
		switch pk.pt {
		case payloadPCMA:
			if pk.ts != st.Timestamp+uint32(i*samplesPerPacket) || len(pk.payload) != samplesPerPacket {
				t.Fatalf("audio packet %d: ts %d, %d bytes", i, pk.ts, len(pk.payload))
			}
			if pk.marker != (i == 0) {
				t.Errorf("audio packet %d: marker %v", i, pk.marker)
			}
		case payloadEvent:
			events = append(events, pk)
		default:
			t.Fatalf("packet %d: payload type %d", i, pk.pt)
		}
	}
	// Three digits of 5 updates and 2 repeats of the end each.
	per := digitPackets + endRepeats
	if len(events) != 3*per {
		t.Fatalf("%d event packets, want %d", len(events), 3*per)
	}
	var lastStart uint32
	for d, code := range []byte{1, 1, 11} {
		evs := events[d*per : (d+1)*per]
		start := evs[0].ts
		if d > 0 && start <= lastStart {
			t.Errorf("digit %d: timestamp %d not after the previous digit's %d", d, start, lastStart)
		}
		lastStart = start
		wantStart := st.Timestamp + uint32((500*time.Millisecond+time.Duration(d)*(DigitDuration+DigitGap))/packetTime)*samplesPerPacket
		if start != wantStart {
			t.Errorf("digit %d: timestamp %d, want %d", d, start, wantStart)
		}
		for i, pk := range evs {
			end := pk.payload[1]&0x80 != 0
			dur := binary.BigEndian.Uint16(pk.payload[2:])
			wantDur := uint16(min(i+1, digitPackets) * samplesPerPacket)
			if pk.payload[0] != code || pk.ts != start || pk.marker != (i == 0) || end != (i >= digitPackets-1) || dur != wantDur {
				t.Errorf("digit %d packet %d: event %d ts %d marker %v end %v duration %d; want %d %d %v %v %d",
					d, i, pk.payload[0], pk.ts, pk.marker, end, dur, code, start, i == 0, i >= digitPackets-1, wantDur)
			}
		}
	}
	// The audio loops through the samples without a seam.
	var got []byte
	for _, pk := range pkts {
		if pk.pt == payloadPCMA {
			got = append(got, pk.payload...)
		}
	}
	for i := range got {
		if got[i] != audio[i%len(audio)] {
			t.Fatalf("audio byte %d = %#x, want %#x", i, got[i], audio[i%len(audio)])
		}
	}
}

func TestReadRTPPayloadsRoundTrip(t *testing.T) {
	audio := make([]byte, 3*samplesPerPacket)
	for i := range audio {
		audio[i] = byte(i)
	}
	var b bytes.Buffer
	if err := writeMedia(&b, mediaPlan{Length: 60 * time.Millisecond}, audio, rtpState{SSRC: 1}); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/a.pcap"
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readRTPPayloads(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, audio) {
		t.Errorf("read back %d bytes, not what was written", len(got))
	}
}

// The capture the callers talk, when sip-tester is installed.
func TestReadRTPPayloadsSipTester(t *testing.T) {
	got, err := readRTPPayloads(DefaultAudio)
	if err != nil {
		testenv.Missing(t, "sip-tester's capture: "+err.Error())
	}
	// 236 packets of 30 ms.
	if len(got) != 236*240 {
		t.Errorf("%d samples, want %d (7 s)", len(got), 236*240)
	}
}
