package audioconv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// Telephone audio, as Asterisk records it with format wav (8 kHz, mono,
// 16-bit signed little-endian PCM).
const (
	SampleRate    = 8000
	bytesPerFrame = 2
)

// Limits bound an upload. Zero fields take the defaults.
type Limits struct {
	// MaxBytes bounds the file uploaded. Default 20 MiB.
	MaxBytes int
	// MaxDuration bounds the audio. Default 10 minutes.
	MaxDuration time.Duration
	// MinDuration is the shortest audio accepted. Default 500 ms.
	MinDuration time.Duration
	// Timeout bounds one conversion. Default 30 s.
	Timeout time.Duration
}

// Defaults of Limits.
const (
	DefaultMaxBytes    = 20 << 20
	DefaultMaxDuration = 10 * time.Minute
	DefaultMinDuration = 500 * time.Millisecond
	DefaultTimeout     = 30 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultMaxDuration
	}
	if l.MinDuration <= 0 {
		l.MinDuration = DefaultMinDuration
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}

// Sox converts with Debian's sox. It is safe for concurrent use.
type Sox struct {
	path   string
	limits Limits
}

// NewSox returns a converter that runs the sox at path ("" = "sox" from
// PATH) within limits. Whether sox is there is found at the first
// conversion (ErrConverter), or by Check.
func NewSox(path string, limits Limits) *Sox {
	if path == "" {
		path = "sox"
	}
	return &Sox{path: path, limits: limits.withDefaults()}
}

// Limits returns the bounds the converter applies.
func (s *Sox) Limits() Limits { return s.limits }

// Check reports whether sox runs and reads MP3 (libsox-fmt-mp3): an error
// wrapping ErrConverter if not.
func (s *Sox) Check(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, s.path, "-h").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s -h: %v", ErrConverter, s.path, err)
	}
	if !bytes.Contains(out, []byte(" mp3")) {
		return fmt.Errorf("%w: %s reads no MP3 (install libsox-fmt-mp3)", ErrConverter, s.path)
	}
	return nil
}

// Result is a converted file.
type Result struct {
	// WAV is the audio as a WAV file: 8 kHz, mono, 16-bit PCM.
	WAV []byte
	// Duration is how long it lasts.
	Duration time.Duration
	// Input is the format of what was uploaded.
	Input Kind
}

// ToTelephone checks in (size, format) and converts it to a WAV file of 8
// kHz mono 16-bit PCM: stereo is mixed down, other rates resampled with
// sox's high-quality filter (which low-passes under 4 kHz first), other
// sample sizes and encodings (8-bit, float, mu-law, MP3) decoded. Errors
// wrap ErrTooLarge, ErrUnsupported, ErrTooLong, ErrTooShort or
// ErrConverter.
func (s *Sox) ToTelephone(ctx context.Context, in []byte) (Result, error) {
	if len(in) > s.limits.MaxBytes {
		return Result{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(in), s.limits.MaxBytes)
	}
	kind, ok := Sniff(in)
	if !ok {
		return Result{}, fmt.Errorf("%w: the file starts with neither a RIFF/WAVE header nor an MP3 frame", ErrUnsupported)
	}
	ctx, cancel := context.WithTimeout(ctx, s.limits.Timeout)
	defer cancel()
	// The input's type is given (never guessed from content by sox); the
	// output is raw samples, which this package wraps in a WAV header of
	// exact sizes. --ignore-length: a WAV whose header says 0 or too much
	// (a recording not closed properly) is read to its end.
	args := []string{"--no-show-progress", "-V1", "-t", string(kind)}
	if kind == KindWAV {
		args = append(args, "--ignore-length")
	}
	args = append(args, "-",
		"-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-c", "1", "-r", fmt.Sprint(SampleRate), "-",
		// Stop reading once past the bound: trim keeps at most
		// MaxDuration plus one second of output, enough to tell.
		"trim", "0", fmt.Sprintf("%.3f", (s.limits.MaxDuration+time.Second).Seconds()))
	cmd := exec.CommandContext(ctx, s.path, args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if ctx.Err() == nil && errors.As(err, &exit) {
			// sox ran and refused the file.
			return Result{}, fmt.Errorf("%w: %s: %s", ErrUnsupported, kind, clip(stderr.String()))
		}
		return Result{}, fmt.Errorf("%w: %s: %v: %s", ErrConverter, s.path, err, clip(stderr.String()))
	}
	samples := out.Bytes()
	samples = samples[:len(samples)-len(samples)%bytesPerFrame]
	d := time.Duration(len(samples)/bytesPerFrame) * time.Second / SampleRate
	switch {
	case d > s.limits.MaxDuration:
		return Result{}, fmt.Errorf("%w: more than %s", ErrTooLong, s.limits.MaxDuration)
	case d < s.limits.MinDuration:
		return Result{}, fmt.Errorf("%w: %s, at least %s", ErrTooShort, d, s.limits.MinDuration)
	}
	return Result{WAV: WAV(samples), Duration: d, Input: kind}, nil
}

// WAV wraps 8 kHz mono 16-bit little-endian samples in a WAV header with
// exact sizes, as Asterisk's format_wav writes one.
func WAV(samples []byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 44, 44+len(samples)+1)
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(36+len(samples)+len(samples)%2))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1) // PCM
	le.PutUint16(b[22:], 1) // mono
	le.PutUint32(b[24:], SampleRate)
	le.PutUint32(b[28:], SampleRate*bytesPerFrame)
	le.PutUint16(b[32:], bytesPerFrame)
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(len(samples)))
	b = append(b, samples...)
	if len(samples)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// clip bounds a converter's message quoted in an error.
func clip(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
