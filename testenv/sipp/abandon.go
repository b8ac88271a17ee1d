package sipp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// A Call whose context ends is cut short: sipp is killed, and SIPp has no
// way to hang up at once (SIGINT and SIGTERM exit without a BYE, its quit
// keys wait for the scenario). So that Asterisk does not keep the channel
// (in the voicemail app, say) until its RTP timeout, hangUpAbandoned sends
// the BYE sipp would have sent, from sipp's SIP port, built from its
// message trace.

// byeTimeout bounds the wait for Asterisk's answer to an abandoned call's
// BYE.
const byeTimeout = 2 * time.Second

// hangUpAbandoned ends an answered call that sipp left up. It does nothing
// when the call was not answered or a BYE was already exchanged.
func hangUpAbandoned(msgs []tracedMessage, sipPort int, target string) error {
	var invite, ok200 *tracedMessage
	for i := range msgs {
		m := &msgs[i]
		switch {
		case m.method() == "BYE" || m.CSeqVerb == "BYE":
			return nil
		case m.Sent && m.method() == "INVITE" && invite == nil:
			invite = m
		case !m.Sent && m.CSeqVerb == "INVITE":
			if code, _ := m.status(); code >= 200 && code < 300 && ok200 == nil {
				ok200 = m
			}
		}
	}
	if invite == nil || ok200 == nil {
		return nil
	}
	uri := headerURI(ok200.Headers["contact"])
	if uri == "" {
		_, rest, _ := strings.Cut(invite.Start, " ")
		uri, _, _ = strings.Cut(rest, " ")
	}
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(sipPort))
	bye := fmt.Sprintf("BYE %s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-testenv-%x;rport\r\n"+
		"From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\n"+
		"Max-Forwards: 70\r\nUser-Agent: testenv-sipp\r\nContent-Length: 0\r\n\r\n",
		uri, local, rand.Uint64(), invite.Headers["from"], ok200.Headers["to"], invite.CallID)

	laddr, err := net.ResolveUDPAddr("udp4", local)
	if err != nil {
		return err
	}
	raddr, err := net.ResolveUDPAddr("udp4", target)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	var conn *net.UDPConn
	for { // The port frees when the killed sipp is reaped.
		if conn, err = net.DialUDP("udp4", laddr, raddr); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bind %s: %w", local, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	buf := make([]byte, 65535)
	// Retransmit as RFC 3261 timer E would, until a final response.
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		if _, err := conn.Write([]byte(bye)); err != nil {
			return err
		}
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		for {
			n, err := conn.Read(buf)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("no answer to BYE: %w", ctx.Err())
				}
				break // retransmit
			}
			resp := string(buf[:n])
			if strings.HasPrefix(resp, "SIP/2.0 ") && strings.Contains(resp, "BYE") && !strings.HasPrefix(resp, "SIP/2.0 1") {
				return nil
			}
		}
	}
}
