package email

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// errBadWAV is wrapped by the errors of parseWAV.
var errBadWAV = errors.New("email: not a PCM WAV file")

// wavAudio is the part of a WAV file that matters here.
type wavAudio struct {
	format []byte // the "fmt " chunk's body
	data   []byte // the samples
}

// byteRate is the format's bytes per second.
func (w wavAudio) byteRate() uint32 { return binary.LittleEndian.Uint32(w.format[8:12]) }

// duration is how long the samples last.
func (w wavAudio) duration() time.Duration {
	return time.Duration(uint64(len(w.data)) * uint64(time.Second) / uint64(w.byteRate()))
}

// parseWAV reads a RIFF/WAVE file as Asterisk writes it (formats/
// format_wav.c): a "fmt " chunk, then "data"; a data size of 0, or one past
// the end, means the rest of the file (Asterisk writes the sizes when it
// closes the file).
func parseWAV(b []byte) (wavAudio, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return wavAudio{}, fmt.Errorf("%w: no RIFF/WAVE header", errBadWAV)
	}
	var w wavAudio
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := b[off+8:]
		switch id {
		case "fmt ":
			if size < 16 || uint64(len(body)) < size {
				return wavAudio{}, fmt.Errorf("%w: short fmt chunk", errBadWAV)
			}
			w.format = body[:size]
			if w.byteRate() == 0 {
				return wavAudio{}, fmt.Errorf("%w: byte rate 0", errBadWAV)
			}
		case "data":
			if w.format == nil {
				return wavAudio{}, fmt.Errorf("%w: data before fmt", errBadWAV)
			}
			if size == 0 || size > uint64(len(body)) {
				size = uint64(len(body))
			}
			w.data = body[:size]
			return w, nil
		}
		next := uint64(off) + 8 + size + size%2
		if next > uint64(len(b)) {
			break
		}
		off = int(next)
	}
	return wavAudio{}, fmt.Errorf("%w: no data chunk", errBadWAV)
}

// bytes writes w as a WAV file with exact sizes.
func (w wavAudio) bytes() []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	riff := 4 + 8 + len(w.format) + len(w.format)%2 + 8 + len(w.data) + len(w.data)%2
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(riff))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, le, uint32(len(w.format)))
	b.Write(w.format)
	if len(w.format)%2 == 1 {
		b.WriteByte(0)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(len(w.data)))
	b.Write(w.data)
	if len(w.data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// joinWAV returns intro followed by msg as one WAV file when both are WAV
// files of the same format (a forward's introduction before the message,
// as app_voicemail prepends it), else msg alone, untouched.
func joinWAV(intro, msg []byte) []byte {
	i, err1 := parseWAV(intro)
	m, err2 := parseWAV(msg)
	if err1 != nil || err2 != nil || !bytes.Equal(i.format, m.format) {
		return msg
	}
	joined := make([]byte, 0, len(i.data)+len(m.data))
	joined = append(append(joined, i.data...), m.data...)
	return wavAudio{format: m.format, data: joined}.bytes()
}
