package sipp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// The classic libpcap file format, as much of it as SIPp's play_pcap_audio
// reads (src/prepare_pcap.c): Ethernet frames with IPv4 and UDP, replayed
// with the gaps between their capture times. SIPp keeps the UDP payload as
// it is and only rewrites the ports, so the RTP headers written here are the
// ones Asterisk sees.

const (
	pcapMagic        = 0xa1b2c3d4 // microsecond timestamps
	pcapLinkEthernet = 1
	ethHeaderLen     = 14
	ipv4HeaderLen    = 20
	udpHeaderLen     = 8
	rtpHeaderLen     = 12
)

// pcapWriter writes UDP datagrams to a pcap file.
type pcapWriter struct {
	w   io.Writer
	buf []byte
}

func newPcapWriter(w io.Writer) (*pcapWriter, error) {
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], pcapMagic)
	binary.LittleEndian.PutUint16(hdr[4:], 2) // version 2.4
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(hdr[20:], pcapLinkEthernet)
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &pcapWriter{w: w}, nil
}

// writeUDP writes one datagram from 127.0.0.1:srcPort to 127.0.0.1:dstPort,
// captured at t (an offset from the start of the capture).
func (p *pcapWriter) writeUDP(t time.Duration, srcPort, dstPort uint16, payload []byte) error {
	frameLen := ethHeaderLen + ipv4HeaderLen + udpHeaderLen + len(payload)
	p.buf = append(p.buf[:0], make([]byte, 16+frameLen)...)
	rec := p.buf
	// Record header: capture time, captured and original lengths. The
	// capture starts at 1 s past the epoch; only the gaps matter.
	t += time.Second
	binary.LittleEndian.PutUint32(rec[0:], uint32(t/time.Second))
	binary.LittleEndian.PutUint32(rec[4:], uint32((t%time.Second)/time.Microsecond))
	binary.LittleEndian.PutUint32(rec[8:], uint32(frameLen))
	binary.LittleEndian.PutUint32(rec[12:], uint32(frameLen))
	frame := rec[16:]
	// Ethernet: zero MACs, IPv4.
	binary.BigEndian.PutUint16(frame[12:], 0x0800)
	ip := frame[ethHeaderLen:]
	ip[0] = 0x45 // IPv4, 20-byte header
	binary.BigEndian.PutUint16(ip[2:], uint16(ipv4HeaderLen+udpHeaderLen+len(payload)))
	ip[8] = 64 // TTL
	ip[9] = 17 // UDP
	copy(ip[12:], []byte{127, 0, 0, 1})
	copy(ip[16:], []byte{127, 0, 0, 1})
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:ipv4HeaderLen]))
	udp := ip[ipv4HeaderLen:]
	binary.BigEndian.PutUint16(udp[0:], srcPort)
	binary.BigEndian.PutUint16(udp[2:], dstPort)
	binary.BigEndian.PutUint16(udp[4:], uint16(udpHeaderLen+len(payload)))
	// The UDP checksum stays 0 (none): SIPp computes its own.
	copy(udp[udpHeaderLen:], payload)
	_, err := p.w.Write(rec)
	return err
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// errNoAudio is returned by readRTPPayloads for a capture without PCMA RTP.
var errNoAudio = errors.New("no PCMA (payload type 8) RTP in capture")

// readRTPPayloads returns the payloads of the PCMA RTP packets (payload type
// 8) of an Ethernet pcap file, in capture order: G.711 A-law samples.
func readRTPPayloads(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 24 {
		return nil, fmt.Errorf("%s: too short for a pcap file", path)
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(data) == pcapMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == pcapMagic:
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a microsecond pcap file", path)
	}
	if link := order.Uint32(data[20:]); link != pcapLinkEthernet {
		return nil, fmt.Errorf("%s: link type %d, want Ethernet", path, link)
	}
	var out []byte
	for off := 24; off+16 <= len(data); {
		incl := int(order.Uint32(data[off+8:]))
		off += 16
		if incl < 0 || off+incl > len(data) {
			return nil, fmt.Errorf("%s: truncated record", path)
		}
		frame := data[off : off+incl]
		off += incl
		if payload, ok := rtpPCMAPayload(frame); ok {
			out = append(out, payload...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoAudio)
	}
	return out, nil
}

// rtpPCMAPayload returns the RTP payload of an Ethernet/IPv4/UDP frame that
// carries PCMA.
func rtpPCMAPayload(frame []byte) ([]byte, bool) {
	if len(frame) < ethHeaderLen+ipv4HeaderLen || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
		return nil, false
	}
	ip := frame[ethHeaderLen:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ip[9] != 17 || ihl < ipv4HeaderLen || len(ip) < ihl+udpHeaderLen {
		return nil, false
	}
	udp := ip[ihl:]
	udpLen := int(binary.BigEndian.Uint16(udp[4:]))
	if udpLen < udpHeaderLen || udpLen > len(udp) {
		return nil, false
	}
	rtp := udp[udpHeaderLen:udpLen]
	if len(rtp) < rtpHeaderLen || rtp[0]>>6 != 2 || rtp[1]&0x7f != 8 {
		return nil, false
	}
	hdr := rtpHeaderLen + 4*int(rtp[0]&0x0f) // CSRCs
	if rtp[0]&0x10 != 0 {                    // header extension
		if len(rtp) < hdr+4 {
			return nil, false
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(rtp[hdr+2:]))
	}
	end := len(rtp)
	if rtp[0]&0x20 != 0 && end > hdr { // padding
		end -= int(rtp[end-1])
	}
	if hdr > end {
		return nil, false
	}
	return rtp[hdr:end], true
}
