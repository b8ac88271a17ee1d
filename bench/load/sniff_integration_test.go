package load

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/clusterpbx/voicemail/testenv"
)

// TestSnifferLoopback sends a prompt and a key between two real UDP
// sockets on 127.0.0.1 and checks that the sniffer pairs them, sees each
// packet once, and times the answer from the kernel's timestamps.
func TestSnifferLoopback(t *testing.T) {
	phone, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	ast, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ast.Close()
	phonePort := uint16(phone.LocalAddr().(*net.UDPAddr).Port)
	astPort := uint16(ast.LocalAddr().(*net.UDPAddr).Port)
	s, err := startSniffer(phonePort)
	if errors.Is(err, unix.EPERM) {
		testenv.Missing(t, "no CAP_NET_RAW: "+err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	rtp := func(b []byte) []byte { return b[28:] } // udpRTP minus IP and UDP
	for range 5 {
		if _, err := ast.WriteToUDP(rtp(udpRTP(0, 0, 8, 0, make([]byte, 160))), phone.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for i := range 7 {
		if _, err := phone.WriteToUDP(rtp(udpRTP(0, 0, eventPT, 77, event(11, i >= 4))), ast.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(30 * time.Millisecond)
	if _, err := ast.WriteToUDP(rtp(udpRTP(0, 0, 8, 0, make([]byte, 160))), phone.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	tr := s.close()
	c := tr.calls[astPort]
	if c == nil {
		t.Fatalf("no call on port %d: %+v", astPort, tr.calls)
	}
	if c.toPhone != 6 || c.fromPhone != 7 {
		t.Errorf("saw %d packets to and %d from the phone, want 6 and 7 (each once)", c.toPhone, c.fromPhone)
	}
	if len(c.keys) != 1 || c.keys[0].inPrompt || !c.keys[0].answered {
		t.Fatalf("keys: %+v", c.keys)
	}
	if l := c.keys[0].latency; l < 20*time.Millisecond || l > 200*time.Millisecond {
		t.Errorf("latency %v, want about 30ms", l)
	}
}
