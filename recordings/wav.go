package recordings

import (
	"encoding/binary"
	"fmt"
	"time"
)

// wavDuration reads the length of the audio in a WAV (RIFF/WAVE) file: the
// size of its "data" chunk over the byte rate of its "fmt " chunk.
// Asterisk's wav format (formats/format_wav.c) writes the sizes in the
// header only when it closes the file, so a "data" size of 0, or one larger
// than what is there, means the rest of the file. Errors wrap ErrBadAudio.
func wavDuration(b []byte) (time.Duration, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, fmt.Errorf("%w: no RIFF/WAVE header", ErrBadAudio)
	}
	var byteRate uint32
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := b[off+8:]
		switch id {
		case "fmt ":
			if size < 16 || uint64(len(body)) < 16 {
				return 0, fmt.Errorf("%w: short fmt chunk", ErrBadAudio)
			}
			byteRate = binary.LittleEndian.Uint32(body[8:12])
			if byteRate == 0 {
				return 0, fmt.Errorf("%w: byte rate 0", ErrBadAudio)
			}
		case "data":
			if byteRate == 0 {
				return 0, fmt.Errorf("%w: data chunk before fmt chunk", ErrBadAudio)
			}
			if size == 0 || size > uint64(len(body)) {
				size = uint64(len(body))
			}
			return time.Duration(size * uint64(time.Second) / uint64(byteRate)), nil
		}
		// Chunks are padded to an even size.
		next := uint64(off) + 8 + size + size%2
		if next > uint64(len(b)) {
			break
		}
		off = int(next)
	}
	return 0, fmt.Errorf("%w: no data chunk", ErrBadAudio)
}

// WAVDuration returns the length of the audio of a WAV file as Asterisk
// writes it (see wavDuration). Errors wrap ErrBadAudio.
func WAVDuration(b []byte) (time.Duration, error) { return wavDuration(b) }
