package audioconv_test

import (
	"errors"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/audioconv"
)

// TestMP3 encodes a stored recording (8 kHz mono WAV) as MP3: the result is
// an MP3 file of the same length, a fifth of the size or less; a missing
// encoder is ErrConverter.
func TestMP3(t *testing.T) {
	s := tools(t)
	wav := makeAudio(t, "msg.wav", []string{"-r", "8000", "-c", "1", "-b", "16"}, "synth", "3", "sine", "440")
	mp3, err := audioconv.MP3(t.Context(), "lame", wav)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := audioconv.Sniff(mp3); !ok || k != audioconv.KindMP3 {
		t.Fatalf("lame's output sniffed as %q, %v", k, ok)
	}
	if len(mp3)*5 > len(wav) {
		t.Errorf("MP3 of %d bytes for a %d-byte WAV: want a fifth or less", len(mp3), len(wav))
	}
	back, err := s.ToTelephone(t.Context(), mp3)
	if err != nil {
		t.Fatal(err)
	}
	if d := back.Duration; d < 2900*time.Millisecond || d > 3200*time.Millisecond {
		t.Errorf("MP3 lasts %s, want about 3 s", d)
	}
	if _, err := audioconv.MP3(t.Context(), "/nonexistent/lame", wav); !errors.Is(err, audioconv.ErrConverter) {
		t.Errorf("missing encoder: %v, want ErrConverter", err)
	}
}
