package audioconv_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/testenv"
)

// tools makes sure sox (with MP3) and lame are installed (testenv/up
// installs them).
func tools(t *testing.T) *audioconv.Sox {
	t.Helper()
	for _, tool := range []string{"sox", "lame"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" is not installed (testenv/up installs it)")
		}
	}
	s := audioconv.NewSox("", audioconv.Limits{MaxDuration: 20 * time.Second})
	if err := s.Check(context.Background()); err != nil {
		testenv.Missing(t, err.Error())
	}
	return s
}

// makeAudio runs sox to make a test file: sox -n FORMAT... FILE EFFECT....
func makeAudio(t *testing.T, name string, format []string, effects ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	args := append(append(append([]string{"-n"}, format...), path), effects...)
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %v: %v: %s", args, err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// toMP3 encodes a WAV file with lame.
func toMP3(t *testing.T, wav []byte) []byte {
	t.Helper()
	cmd := exec.Command("lame", "--quiet", "-", "-")
	cmd.Stdin = bytes.NewReader(wav)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lame: %v", err)
	}
	return out
}

// checkTelephone checks that b is a WAV file of 8 kHz mono 16-bit PCM
// whose data lasts want, give or take tol, and returns its samples.
func checkTelephone(t *testing.T, b []byte, want, tol time.Duration) []int16 {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
		t.Fatalf("not a canonical WAV header: % x", b[:min(len(b), 44)])
	}
	if f, ch, rate, bits := le.Uint16(b[20:]), le.Uint16(b[22:]), le.Uint32(b[24:]), le.Uint16(b[34:]); f != 1 || ch != 1 || rate != 8000 || bits != 16 {
		t.Fatalf("format %d, %d channels, %d Hz, %d bits; want PCM mono 8000 Hz 16 bits", f, ch, rate, bits)
	}
	n := le.Uint32(b[40:])
	if int(n) != len(b)-44 && int(n) != len(b)-45 {
		t.Fatalf("data size %d, file has %d bytes after the header", n, len(b)-44)
	}
	got := time.Duration(n/2) * time.Second / 8000
	if got < want-tol || got > want+tol {
		t.Fatalf("lasts %s, want %s ± %s", got, want, tol)
	}
	s := make([]int16, n/2)
	for i := range s {
		s[i] = int16(le.Uint16(b[44+2*i:]))
	}
	return s
}

// zeroCrossings counts sign changes: a 440 Hz tone has 880 a second.
func zeroCrossings(s []int16) int {
	n := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			n++
		}
	}
	return n
}

func TestToTelephoneConvertsWAVAndMP3(t *testing.T) {
	s := tools(t)
	ctx := context.Background()
	stereo44 := makeAudio(t, "in.wav", []string{"-r", "44100", "-c", "2", "-b", "16"}, "synth", "2", "sine", "440", "vol", "0.5")
	float48 := makeAudio(t, "f.wav", []string{"-r", "48000", "-c", "1", "-e", "floating-point", "-b", "32"}, "synth", "2", "sine", "440")
	ulaw8 := makeAudio(t, "u.wav", []string{"-r", "8000", "-c", "1", "-e", "u-law"}, "synth", "2", "sine", "440")
	for _, tt := range []struct {
		name string
		in   []byte
		kind audioconv.Kind
		tol  time.Duration
	}{
		{"WAV 44.1 kHz stereo 16-bit", stereo44, audioconv.KindWAV, 5 * time.Millisecond},
		{"WAV 48 kHz float", float48, audioconv.KindWAV, 5 * time.Millisecond},
		{"WAV 8 kHz mu-law", ulaw8, audioconv.KindWAV, 5 * time.Millisecond},
		// MP3 adds encoder delay and padding: some tens of ms.
		{"MP3 of the stereo WAV", toMP3(t, stereo44), audioconv.KindMP3, 150 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.ToTelephone(ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Input != tt.kind {
				t.Errorf("input %q, want %q", res.Input, tt.kind)
			}
			samples := checkTelephone(t, res.WAV, 2*time.Second, tt.tol)
			if res.Duration < 2*time.Second-tt.tol || res.Duration > 2*time.Second+tt.tol {
				t.Errorf("Duration %s", res.Duration)
			}
			// The tone survives: about 880 zero crossings a second.
			if zc := zeroCrossings(samples) / 2; zc < 840 || zc > 920 {
				t.Errorf("%d zero crossings a second, want about 880 (a 440 Hz tone)", zc)
			}
		})
	}
}

func TestToTelephoneRefuses(t *testing.T) {
	s := tools(t)
	ctx := context.Background()
	long := makeAudio(t, "long.wav", []string{"-r", "8000", "-c", "1"}, "synth", "25", "sine", "440")
	short := makeAudio(t, "short.wav", []string{"-r", "8000", "-c", "1"}, "synth", "0.2", "sine", "440")
	wav := makeAudio(t, "ok.wav", []string{"-r", "8000", "-c", "1"}, "synth", "1", "sine", "440")
	truncated := append([]byte(nil), toMP3(t, wav)[:4]...)
	small := audioconv.NewSox("", audioconv.Limits{MaxBytes: 1000})
	for _, tt := range []struct {
		name string
		s    *audioconv.Sox
		in   []byte
		want error
	}{
		{"too long", s, long, audioconv.ErrTooLong},
		{"too short", s, short, audioconv.ErrTooShort},
		{"too large", small, wav, audioconv.ErrTooLarge},
		{"text", s, []byte("hello, this is not audio at all"), audioconv.ErrUnsupported},
		{"empty", s, nil, audioconv.ErrUnsupported},
		{"a WAV header and nothing", s, wav[:12], audioconv.ErrUnsupported},
		{"an MP3 frame header and nothing", s, truncated, audioconv.ErrUnsupported},
		{"no sox", audioconv.NewSox(filepath.Join(t.TempDir(), "nosox"), audioconv.Limits{}), wav, audioconv.ErrConverter},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.ToTelephone(ctx, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		kind audioconv.Kind
		ok   bool
	}{
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), audioconv.KindWAV, true},
		{"riff but avi", []byte("RIFF\x24\x00\x00\x00AVI LIST"), "", false},
		{"id3v2.3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00"), audioconv.KindMP3, true},
		{"mpeg1 layer3 128k 44.1k", []byte{0xFF, 0xFB, 0x90, 0x64}, audioconv.KindMP3, true},
		{"mpeg1 layer2", []byte{0xFF, 0xFD, 0x90, 0x64}, "", false},
		{"bad bitrate", []byte{0xFF, 0xFB, 0xF0, 0x64}, "", false},
		{"ogg", []byte("OggS\x00\x02\x00\x00"), "", false},
		{"short", []byte("RI"), "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := audioconv.Sniff(tt.in)
			if k != tt.kind || ok != tt.ok {
				t.Fatalf("Sniff = %q, %v; want %q, %v", k, ok, tt.kind, tt.ok)
			}
		})
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{0xFF, 0xFB, 0x90, 0x64})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, ok := audioconv.Sniff(b)
		if ok != (k != "") {
			t.Fatalf("Sniff(% x) = %q, %v", b, k, ok)
		}
		if k == audioconv.KindWAV && !bytes.HasPrefix(b, []byte("RIFF")) {
			t.Fatalf("WAV without RIFF: % x", b)
		}
	})
}
