package recordings

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// wavFile builds a WAV file as Asterisk's wav format writes it: 8 kHz,
// 16-bit mono (16000 bytes a second), with extra chunks before "data" if
// given, and dataSize in the header (-1: the real size).
func wavFile(audioBytes int, dataSize int64, extra ...[]byte) []byte {
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	var b []byte
	b = append(b, "RIFF"...)
	b = append(b, le32(0)...) // patched below
	b = append(b, "WAVE"...)
	b = append(b, "fmt "...)
	b = append(b, le32(16)...)
	b = append(b, le16(1)...)     // PCM
	b = append(b, le16(1)...)     // mono
	b = append(b, le32(8000)...)  // sample rate
	b = append(b, le32(16000)...) // byte rate
	b = append(b, le16(2)...)     // block align
	b = append(b, le16(16)...)    // bits
	for _, e := range extra {
		b = append(b, e...)
	}
	if dataSize < 0 {
		dataSize = int64(audioBytes)
	}
	b = append(b, "data"...)
	b = append(b, le32(uint32(dataSize))...)
	b = append(b, make([]byte, audioBytes)...)
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	return b
}

func TestWAVDuration(t *testing.T) {
	list := append([]byte("LIST"), 3, 0, 0, 0, 'a', 'b', 'c', 0) // odd size, padded
	tests := []struct {
		name string
		in   []byte
		want time.Duration
		err  bool
	}{
		{"empty audio", wavFile(0, -1), 0, false},
		{"3 s", wavFile(48000, -1), 3 * time.Second, false},
		{"2.5 s", wavFile(40000, -1), 2500 * time.Millisecond, false},
		{"chunk before data", wavFile(16000, -1, list), time.Second, false},
		{"header not finalized (0)", wavFile(32000, 0), 2 * time.Second, false},
		{"header larger than the file", wavFile(16000, 1<<31), time.Second, false},
		{"header smaller than the file", wavFile(32000, 16000), time.Second, false},
		{"nothing", nil, 0, true},
		{"not RIFF", []byte("OggS............"), 0, true},
		{"RIFF but not WAVE", []byte("RIFF\x04\x00\x00\x00AVI "), 0, true},
		{"no chunks", []byte("RIFF\x04\x00\x00\x00WAVE"), 0, true},
		{"fake server's stub", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), 0, true},
		{"data before fmt", append([]byte("RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00"), 0, 0), 0, true},
		{"short fmt", []byte("RIFF\x10\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"), 0, true},
	}
	zeroRate := wavFile(100, -1)
	binary.LittleEndian.PutUint32(zeroRate[28:32], 0)
	tests = append(tests, struct {
		name string
		in   []byte
		want time.Duration
		err  bool
	}{"byte rate 0", zeroRate, 0, true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wavDuration(tt.in)
			if tt.err {
				if !errors.Is(err, ErrBadAudio) {
					t.Fatalf("wavDuration = %v, %v; want ErrBadAudio", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("wavDuration = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// FuzzWAVDuration checks that no input makes wavDuration panic, and that a
// duration it returns is not negative and no longer than the file allows.
func FuzzWAVDuration(f *testing.F) {
	f.Add(wavFile(48000, -1))
	f.Add(wavFile(1000, 0))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := wavDuration(b)
		if err != nil {
			if !errors.Is(err, ErrBadAudio) {
				t.Fatalf("error %v does not wrap ErrBadAudio", err)
			}
			return
		}
		if d < 0 || d > time.Duration(len(b))*time.Second {
			t.Fatalf("duration %v from %d bytes", d, len(b))
		}
	})
}
