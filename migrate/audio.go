package migrate

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoAudio is returned when a message or greeting has no audio file in a
// format this package reads.
var ErrNoAudio = errors.New("migrate: no audio in a readable format")

// maxAudioSize bounds an audio file read (an hour of 8 kHz WAV is 58 MB).
const maxAudioSize = 256 << 20

// soxInput is how sox reads each format app_voicemail stores (format=),
// in the order import prefers them: the app plays 8 kHz 16-bit mono WAV,
// Asterisk's "wav" format, so that one is copied as it is.
var soxInput = []struct {
	ext  string
	args []string
}{
	{"wav", []string{"-t", "wav"}},
	{"sln", []string{"-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", "8000"}},
	{"sln16", []string{"-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", "16000"}},
	{"ulaw", []string{"-t", "ul", "-c", "1", "-r", "8000"}},
	{"pcm", []string{"-t", "ul", "-c", "1", "-r", "8000"}},
	{"alaw", []string{"-t", "al", "-c", "1", "-r", "8000"}},
	{"WAV", []string{"-t", "wav"}}, // wav49: GSM in a WAV file
	{"wav49", []string{"-t", "wav"}},
	{"gsm", []string{"-t", "gsm", "-c", "1", "-r", "8000"}},
}

// pickFormat returns the format of formats import reads best, or "".
func pickFormat(formats []string) string {
	for _, in := range soxInput {
		for _, f := range formats {
			if f == in.ext {
				return f
			}
		}
	}
	return ""
}

// Audio converts audio files to the WAV this app plays, and back.
type Audio struct {
	// Sox is the sox program; "" for "sox" on the PATH.
	Sox string
}

func (a Audio) sox() string {
	if a.Sox == "" {
		return "sox"
	}
	return a.Sox
}

// ToWAV returns the audio of path (whose format is ext, as app_voicemail
// names it) as 8 kHz 16-bit mono PCM WAV: a file already in that form is
// read as it is, any other is converted with sox.
func (a Audio) ToWAV(ctx context.Context, path, ext string) ([]byte, error) {
	if ext == "wav" {
		b, err := readLimited(path)
		if err != nil {
			return nil, err
		}
		if isPlainWAV(b) {
			return b, nil
		}
	}
	var in []string
	for _, f := range soxInput {
		if f.ext == ext {
			in = f.args
		}
	}
	if in == nil {
		return nil, fmt.Errorf("%w: %s: format %q", ErrNoAudio, filepath.Base(path), ext)
	}
	tmp, err := os.MkdirTemp("", "vm-migrate-")
	if err != nil {
		return nil, fmt.Errorf("migrate: convert %s: %w", filepath.Base(path), err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	out := filepath.Join(tmp, "out.wav")
	args := append(append([]string{"-q"}, in...), path, "-t", "wav", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out)
	if err := a.run(ctx, args); err != nil {
		return nil, fmt.Errorf("migrate: convert %s: %w", filepath.Base(path), err)
	}
	b, err := readLimited(out)
	if err != nil {
		return nil, err
	}
	if !isPlainWAV(b) {
		return nil, fmt.Errorf("migrate: convert %s: sox did not write 8 kHz 16-bit mono WAV", filepath.Base(path))
	}
	return b, nil
}

// FromWAV writes the WAV wav as path in format ext: "wav" as it is, "gsm"
// (raw GSM 6.10) or "WAV" (wav49, GSM in WAV) with sox.
func (a Audio) FromWAV(ctx context.Context, wav []byte, path, ext string) error {
	if ext == "wav" {
		return os.WriteFile(path, wav, 0o664)
	}
	var outArgs []string
	switch ext {
	case "gsm":
		outArgs = []string{"-t", "gsm"}
	case "WAV":
		outArgs = []string{"-t", "wav", "-e", "gsm-full-rate"}
	default:
		return fmt.Errorf("migrate: export format %q: want wav, gsm or WAV", ext)
	}
	tmp, err := os.MkdirTemp("", "vm-migrate-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	in := filepath.Join(tmp, "in.wav")
	if err := os.WriteFile(in, wav, 0o600); err != nil {
		return err
	}
	args := append(append([]string{"-q", "-t", "wav", in}, outArgs...), path)
	if err := a.run(ctx, args); err != nil {
		return fmt.Errorf("migrate: write %s: %w", filepath.Base(path), err)
	}
	return os.Chmod(path, 0o664)
}

func (a Audio) run(ctx context.Context, args []string) error {
	cmd := exec.CommandContext(ctx, a.sox(), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return fmt.Errorf("%s: %w: %s", a.sox(), err, msg)
	}
	return nil
}

func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if fi.Size() > maxAudioSize {
		return nil, fmt.Errorf("migrate: %s: %d bytes, more than %d", filepath.Base(path), fi.Size(), maxAudioSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return b, nil
}

// isPlainWAV reports whether b is a RIFF WAVE file of 8 kHz 16-bit mono
// PCM, what Asterisk's format_wav writes and plays.
func isPlainWAV(b []byte) bool {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return false
	}
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := p + 8
		if id == "fmt " {
			if size < 16 || body+16 > len(b) {
				return false
			}
			f := b[body : body+16]
			return binary.LittleEndian.Uint16(f[0:2]) == 1 && binary.LittleEndian.Uint16(f[2:4]) == 1 &&
				binary.LittleEndian.Uint32(f[4:8]) == 8000 && binary.LittleEndian.Uint16(f[14:16]) == 16
		}
		if size < 0 || body+size < body {
			return false
		}
		p = body + size + size%2
	}
	return false
}
