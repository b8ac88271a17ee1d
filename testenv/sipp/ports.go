package sipp

import (
	"fmt"
	"net"
	"sync"
)

// Local UDP ports for sipp. The kernel picks them (port 0), so that many
// calls, from this process and others, can run at once; a port this process
// handed out stays reserved until its call ends, and Call tries again with
// other ports when sipp still fails to bind one (another process took it in
// between).

// callPorts are the ports one sipp run binds on 127.0.0.1.
type callPorts struct {
	SIP, Control int
	// Media is the RTP port of the SDP offer; sipp also binds Media+2 (for
	// video), and Asterisk sends RTCP to Media+1.
	Media int
}

var reserved = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// reservePorts picks free ports. Release them with releasePorts.
func reservePorts() (callPorts, error) {
	reserved.Lock()
	defer reserved.Unlock()
	var held []net.PacketConn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	// take binds a free port, not reserved by this process, and keeps it
	// bound until all are picked.
	take := func(port int) (int, error) {
		for range 20 {
			c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				if port != 0 {
					return 0, err
				}
				continue
			}
			p := c.LocalAddr().(*net.UDPAddr).Port
			if reserved.ports[p] {
				_ = c.Close()
				if port != 0 {
					return 0, fmt.Errorf("port %d reserved", p)
				}
				continue
			}
			held = append(held, c)
			return p, nil
		}
		return 0, fmt.Errorf("no free UDP port on 127.0.0.1")
	}
	var ps callPorts
	var err error
	if ps.SIP, err = take(0); err != nil {
		return callPorts{}, err
	}
	if ps.Control, err = take(0); err != nil {
		return callPorts{}, err
	}
	// The media port: an even port whose next three are free too.
	for range 50 {
		var p int
		if p, err = take(0); err != nil {
			return callPorts{}, err
		}
		if p%2 != 0 || p+3 > 65535 {
			continue
		}
		ok := true
		for _, q := range []int{p + 1, p + 2, p + 3} {
			if _, err := take(q); err != nil {
				ok = false
				break
			}
		}
		if ok {
			ps.Media = p
			break
		}
	}
	if ps.Media == 0 {
		return callPorts{}, fmt.Errorf("no four free consecutive UDP ports on 127.0.0.1")
	}
	for _, p := range ps.all() {
		reserved.ports[p] = true
	}
	return ps, nil
}

func (ps callPorts) all() []int {
	return []int{ps.SIP, ps.Control, ps.Media, ps.Media + 1, ps.Media + 2, ps.Media + 3}
}

// releasePorts makes ports available again.
func releasePorts(ps callPorts) {
	reserved.Lock()
	defer reserved.Unlock()
	for _, p := range ps.all() {
		delete(reserved.ports, p)
	}
}

// Ports are the ports one sipp run binds on 127.0.0.1: SIP, its control
// port, and Media (the RTP port of the SDP offer) with the three after it.
// They are free when reserved, and no other reservation of this process
// gets them until Release.
type Ports struct {
	SIP, Control, Media int
	ps                  callPorts
}

// ReservePorts picks the ports for a sipp run of one's own (as the load
// tool's, which places many calls from one sipp).
func ReservePorts() (Ports, error) {
	ps, err := reservePorts()
	if err != nil {
		return Ports{}, fmt.Errorf("sipp: reserve ports: %w", err)
	}
	return Ports{SIP: ps.SIP, Control: ps.Control, Media: ps.Media, ps: ps}, nil
}

// Release makes the ports available again.
func (p Ports) Release() { releasePorts(p.ps) }
