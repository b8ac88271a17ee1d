package audioconv

import "bytes"

// Kind is an input format, as its first bytes tell it.
type Kind string

// The formats accepted.
const (
	KindWAV Kind = "wav"
	KindMP3 Kind = "mp3"
)

// Sniff tells the format of b by its first bytes: a RIFF/WAVE header, or an
// MP3 stream (an ID3v2 tag, or an MPEG audio layer III frame header). ok is
// false for anything else. The name or content type a client gives is not
// trusted.
func Sniff(b []byte) (k Kind, ok bool) {
	switch {
	case len(b) >= 12 && bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WAVE")):
		return KindWAV, true
	case len(b) >= 10 && bytes.Equal(b[0:3], []byte("ID3")) && b[3] >= 2 && b[3] <= 4:
		return KindMP3, true
	case len(b) >= 4 && isMP3Frame(b):
		return KindMP3, true
	}
	return "", false
}

// isMP3Frame reports whether b starts with an MPEG audio frame header of
// layer III: 11 sync bits, a version that exists, layer III, a bitrate
// index neither 0 (free) nor 15 (bad), and a sample rate index other than 3.
func isMP3Frame(b []byte) bool {
	if b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version := (b[1] >> 3) & 0x3
	layer := (b[1] >> 1) & 0x3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 0x3
	return version != 1 && layer == 1 && bitrate != 0 && bitrate != 15 && rate != 3
}
