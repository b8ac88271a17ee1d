package load

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sniffer captures, on the loopback interface, the RTP between one phone
// port and Asterisk (startSniffer), or the ARI frames between the app and
// Asterisk (startARISniffer), with the kernel's receive timestamps
// (SO_TIMESTAMPNS), and hands it to a keyTracker or keeps the frames. It
// needs CAP_NET_RAW (the load tool runs as root, as sipp does).
//
// A packet on lo is seen twice, once leaving (PACKET_OUTGOING) and once
// arriving (PACKET_HOST); a classic BPF filter in the kernel keeps the
// arriving copy of UDP datagrams from or to the port and drops the rest
// before they are copied to this process.
type sniffer struct {
	fd      int
	stop    atomic.Bool
	done    chan struct{}
	mu      sync.Mutex
	tracker *keyTracker
	// handle takes one captured datagram, under mu.
	handle func(b []byte, at time.Time)
	// frames are what an ARI sniffer kept.
	frames []ariFrame
	// dropped counts packets the kernel dropped (PACKET_STATISTICS).
	dropped uint32
}

// snapLen is how much of each datagram is kept: IPv4, UDP, RTP and an
// RFC 4733 payload.
const snapLen = 96

// skfPktType is SKF_AD_OFF + SKF_AD_PKTTYPE (linux/filter.h): the
// ancillary load of the packet type.
const skfPktType = 0xfffff000 + 4

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startSniffer starts capturing the RTP of phonePort.
func startSniffer(phonePort uint16) (*sniffer, error) {
	s := &sniffer{done: make(chan struct{}), tracker: newKeyTracker(phonePort)}
	s.handle = func(b []byte, at time.Time) {
		if p, ok := parseRTP(b, at); ok {
			s.tracker.add(p)
		}
	}
	if err := s.open(portFilter(17, phonePort, snapLen), 32<<20); err != nil {
		return nil, err
	}
	return s, nil
}

// startARISniffer starts capturing the ChannelDtmfReceived events and
// play requests on Asterisk's HTTP port ariPort (splitKeys).
func startARISniffer(ariPort uint16) (*sniffer, error) {
	s := &sniffer{done: make(chan struct{})}
	s.handle = func(b []byte, at time.Time) {
		if f, ok := parseARI(b, at, ariPort); ok {
			s.frames = append(s.frames, f)
		}
	}
	if err := s.open(portFilter(6, ariPort, ariSnapLen), 8<<20); err != nil {
		return nil, err
	}
	return s, nil
}

// open binds the packet socket to lo with filter and starts reading.
func (s *sniffer) open(filter *unix.SockFprog, rcvbuf int) error {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return fmt.Errorf("load: packet socket (needs root): %w", err)
	}
	fail := func(what string, err error) error {
		_ = unix.Close(fd)
		return fmt.Errorf("load: sniffer: %s: %w", what, err)
	}
	// The filter first, so that nothing else queues up.
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, filter); err != nil {
		return fail("filter", err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return fail("lo", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: lo.Index}); err != nil {
		return fail("bind lo", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("timestamps", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf)
	}
	tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fail("timeout", err)
	}
	s.fd = fd
	go s.run()
	return nil
}

// portFilter accepts the arriving copy (PACKET_HOST) of unfragmented IPv4
// datagrams of protocol proto (UDP 17, TCP 6) from or to port, cut to
// snap; with SOCK_DGRAM the program sees the packet from its IP header on.
func portFilter(proto uint32, port uint16, snap uint32) *unix.SockFprog {
	const (
		drop   = 11
		accept = 12
	)
	jump := func(at, to int) uint8 { return uint8(to - at - 1) }
	prog := []unix.SockFilter{
		/* 0 */ {Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: skfPktType},
		/* 1 */ {Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.PACKET_HOST, Jt: 0, Jf: jump(1, drop)},
		/* 2 */ {Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: 9},
		/* 3 */ {Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: proto, Jt: 0, Jf: jump(3, drop)},
		/* 4 */ {Code: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 6},
		/* 5 */ {Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, K: 0x1fff, Jt: jump(5, drop), Jf: 0},
		/* 6 */ {Code: unix.BPF_LDX | unix.BPF_B | unix.BPF_MSH, K: 0},
		/* 7 */ {Code: unix.BPF_LD | unix.BPF_H | unix.BPF_IND, K: 0},
		/* 8 */ {Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: uint32(port), Jt: jump(8, accept), Jf: 0},
		/* 9 */ {Code: unix.BPF_LD | unix.BPF_H | unix.BPF_IND, K: 2},
		/* 10 */ {Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: uint32(port), Jt: jump(10, accept), Jf: jump(10, drop)},
		/* 11 */ {Code: unix.BPF_RET | unix.BPF_K, K: 0},
		/* 12 */ {Code: unix.BPF_RET | unix.BPF_K, K: snap},
	}
	return &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
}

func (s *sniffer) run() {
	defer close(s.done)
	buf := make([]byte, 2048)
	oob := make([]byte, 256)
	for !s.stop.Load() {
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		at := time.Now()
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
					ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
					at = time.Unix(ts.Sec, ts.Nsec)
				}
			}
		}
		s.mu.Lock()
		s.handle(buf[:n], at)
		s.mu.Unlock()
	}
}

// close stops the capture and returns what it tracked (an ARI sniffer's
// frames are in s.frames once it returns).
func (s *sniffer) close() *keyTracker {
	s.stop.Store(true)
	<-s.done
	if st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
		s.dropped = st.Drops
	}
	_ = unix.Close(s.fd)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracker
}
