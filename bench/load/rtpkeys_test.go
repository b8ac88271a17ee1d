package load

import (
	"encoding/binary"
	"testing"
	"time"
)

// udpRTP builds an IPv4/UDP/RTP datagram as AF_PACKET SOCK_DGRAM delivers it.
func udpRTP(src, dst uint16, pt byte, ts uint32, payload []byte) []byte {
	b := loopbackIPv4(17, 8+12+len(payload))
	binary.BigEndian.PutUint16(b[20:], src)
	binary.BigEndian.PutUint16(b[22:], dst)
	binary.BigEndian.PutUint16(b[24:], uint16(8+12+len(payload)))
	rtp := b[28:]
	rtp[0], rtp[1] = 0x80, pt
	binary.BigEndian.PutUint32(rtp[4:], ts)
	copy(rtp[12:], payload)
	return b
}

// loopbackIPv4 is a datagram of protocol proto from and to 127.0.0.1 with
// room for n bytes after its 20-byte header.
func loopbackIPv4(proto byte, n int) []byte {
	b := make([]byte, 20+n)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[8], b[9] = 64, proto
	copy(b[12:], []byte{127, 0, 0, 1})
	copy(b[16:], []byte{127, 0, 0, 1})
	return b
}

func event(code byte, end bool) []byte {
	p := []byte{code, 10, 0, 160}
	if end {
		p[1] |= 0x80
	}
	return p
}

func TestParseRTP(t *testing.T) {
	at := time.Unix(100, 0)
	p, ok := parseRTP(udpRTP(6000, 10002, eventPT, 4242, event(11, true)), at)
	if !ok || p.srcPort != 6000 || p.dstPort != 10002 || p.pt != eventPT || p.event != 11 || !p.end || p.evTS != 4242 || !p.at.Equal(at) {
		t.Fatalf("parse: %+v %v", p, ok)
	}
	if _, ok := parseRTP(udpRTP(10002, 6000, 8, 0, make([]byte, 160)), at); !ok {
		t.Fatal("PCMA packet not parsed")
	}
	bad := udpRTP(1, 2, 8, 0, nil)
	bad[9] = 6 // TCP
	for name, b := range map[string][]byte{"short": bad[:30], "tcp": bad, "ipv6": {0x60, 0, 0, 0}} {
		if _, ok := parseRTP(b, at); ok {
			t.Errorf("%s: parsed", name)
		}
	}
	frag := udpRTP(1, 2, 8, 0, nil)
	binary.BigEndian.PutUint16(frag[6:], 0x0010) // fragment offset
	if _, ok := parseRTP(frag, at); ok {
		t.Error("fragment parsed")
	}
}

// feed builds a capture of two calls sharing the phone port 6000.
func TestKeyTracker(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	tr := newKeyTracker(6000)
	add := func(at time.Time, b []byte) {
		p, ok := parseRTP(b, at)
		if !ok {
			t.Fatal("synthetic packet not parsed")
		}
		tr.add(p)
	}
	prompt := func(port uint16, from, to int) {
		for n := from; n < to; n += 20 {
			add(ms(n), udpRTP(port, 6000, 8, 0, make([]byte, 160)))
		}
	}
	key := func(port uint16, at int, code byte, ts uint32) {
		for i := range 5 {
			add(ms(at+20*i), udpRTP(6000, port, eventPT, ts, event(code, i == 4)))
		}
		// Two repeats of the End packet.
		add(ms(at+100), udpRTP(6000, port, eventPT, ts, event(code, true)))
		add(ms(at+120), udpRTP(6000, port, eventPT, ts, event(code, true)))
	}
	// Call on 10000: a prompt to 1000 ms, # in silence (End at 1580),
	// answered at 1583; then 1 pressed during that prompt.
	prompt(10000, 0, 1000)
	key(10000, 1500, 11, 100)
	prompt(10000, 1583, 3000)
	key(10000, 2000, 1, 200)
	// Call on 10002: keys 2, # with no prompt between; the answer at
	// 2600 belongs to # (End at 2480).
	key(10002, 2000, 2, 300)
	key(10002, 2400, 11, 400)
	prompt(10002, 2600, 2700)

	a := tr.calls[10000]
	if a == nil || len(a.keys) != 2 {
		t.Fatalf("call 10000: %+v", a)
	}
	if k := a.keys[0]; k.digit != '#' || k.inPrompt || !k.answered || k.latency != 3*time.Millisecond {
		t.Errorf("call 10000 key 0: %+v", k)
	}
	if k := a.keys[1]; k.digit != '1' || !k.inPrompt {
		t.Errorf("call 10000 key 1: %+v", k)
	}
	b := tr.calls[10002]
	if b == nil || len(b.keys) != 2 {
		t.Fatalf("call 10002: %+v", b)
	}
	if k := b.keys[0]; k.digit != '2' || k.answered {
		t.Errorf("call 10002 key 0: %+v", k)
	}
	if k := b.keys[1]; k.digit != '#' || k.inPrompt || !k.answered || k.latency != 120*time.Millisecond {
		t.Errorf("call 10002 key 1: %+v", k)
	}
	if b.fromPhone != 14 || b.toPhone != 5 {
		t.Errorf("call 10002 counted %d from, %d to the phone", b.fromPhone, b.toPhone)
	}
}
