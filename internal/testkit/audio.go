package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SpeechWAV is text spoken by espeak-ng's klatt voice and resampled by sox
// to what Asterisk records of a call: WAV, 8 kHz, mono, 16-bit. The caller
// checks first that both tools are installed (testenv/up installs them).
func SpeechWAV(tb testing.TB, text string) []byte {
	tb.Helper()
	dir := tb.TempDir()
	raw, out := filepath.Join(dir, "say.wav"), filepath.Join(dir, "say8k.wav")
	run(tb, "espeak-ng", "-v", "en-us+klatt", "-s", "150", "-w", raw, text)
	run(tb, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", out)
	return readFile(tb, out)
}

// ToneFile is a 440 Hz tone made by sox, seconds long, at rate Hz with
// channels channels, 16-bit, in the format of name's extension (wav,
// mp3). The caller checks first that sox is installed.
func ToneFile(tb testing.TB, name string, seconds, rate, channels int) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), name)
	run(tb, "sox", "-n", "-r", fmt.Sprint(rate), "-c", fmt.Sprint(channels), "-b", "16", out,
		"synth", fmt.Sprint(seconds), "sine", "440")
	return readFile(tb, out)
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
