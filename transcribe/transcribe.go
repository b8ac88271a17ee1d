// Package transcribe turns a voicemail message into text offline, with
// Debian's pocketsphinx (pocketsphinx_continuous) and its en-us model
// (pocketsphinx-en-us): nothing is downloaded, nothing leaves the machine.
//
// The en-us model is a 16 kHz model; telephone audio is 8 kHz. Measured on
// espeak-ng speech (docs/email.md): decoding 8 kHz audio as it is gives no
// words at all, and 8 kHz audio resampled to 16 kHz gives nonsense as long
// as its silences are digital zeros (the decoder's noise and cepstral
// normalisation estimates break on them); with a faint noise floor added
// (about -50 dBFS, what a real line has anyway) it gives usable text.
// Transcribe does both: sox resamples, then a faint deterministic noise is
// added before the decoder runs.
package transcribe

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
	"time"
)

// ErrTranscriber is returned when a tool is missing or failed, or the time
// bound passed.
var ErrTranscriber = errors.New("transcribe: transcriber failed")

// Config is where the tools are. Zero fields take the defaults.
type Config struct {
	// Pocketsphinx is pocketsphinx_continuous. Default
	// "pocketsphinx_continuous".
	Pocketsphinx string
	// Sox resamples to 16 kHz. Default "sox".
	Sox string
	// Model is the acoustic model directory, LM and dictionary's parent
	// ("" = the decoder's built-in default, Debian's
	// /usr/share/pocketsphinx/model/en-us).
	Model string
	// Timeout bounds one transcription. Default 60 s.
	Timeout time.Duration
}

// Sphinx transcribes with pocketsphinx. It is safe for concurrent use
// (one process per message).
type Sphinx struct{ cfg Config }

// New returns a transcriber with cfg.
func New(cfg Config) *Sphinx {
	if cfg.Pocketsphinx == "" {
		cfg.Pocketsphinx = "pocketsphinx_continuous"
	}
	if cfg.Sox == "" {
		cfg.Sox = "sox"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	return &Sphinx{cfg: cfg}
}

// Check reports whether both tools are there: an error wrapping
// ErrTranscriber if not.
func (s *Sphinx) Check() error {
	for _, tool := range []string{s.cfg.Pocketsphinx, s.cfg.Sox} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrTranscriber, tool, err)
		}
	}
	return nil
}

// Transcribe returns the words spoken in wav (a WAV file of any rate, as
// Asterisk records: 8 kHz mono), lower case, "" when it heard none.
// Errors wrap ErrTranscriber; the time bound is the shorter of ctx's and
// Config.Timeout.
func (s *Sphinx) Transcribe(ctx context.Context, wav []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	// sox: the WAV file to 16 kHz mono 16-bit raw samples.
	sox := exec.CommandContext(ctx, s.cfg.Sox, "--no-show-progress", "-V1", "-t", "wav", "--ignore-length", "-",
		"-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-c", "1", "-r", "16000", "-")
	sox.Stdin = bytes.NewReader(wav)
	var raw, stderr bytes.Buffer
	sox.Stdout, sox.Stderr = &raw, &stderr
	if err := sox.Run(); err != nil {
		return "", fmt.Errorf("%w: sox: %v: %s", ErrTranscriber, err, strings.TrimSpace(stderr.String()))
	}
	samples := raw.Bytes()
	addNoiseFloor(samples)
	dir, err := os.MkdirTemp("", "transcribe-")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrTranscriber, err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "message.wav")
	if err := os.WriteFile(in, wav16(samples), 0o600); err != nil {
		return "", fmt.Errorf("%w: %v", ErrTranscriber, err)
	}
	args := []string{"-infile", in, "-samprate", "16000", "-logfn", os.DevNull}
	if s.cfg.Model != "" {
		args = append(args, "-hmm", filepath.Join(s.cfg.Model, "en-us"),
			"-lm", filepath.Join(s.cfg.Model, "en-us.lm.bin"),
			"-dict", filepath.Join(s.cfg.Model, "cmudict-en-us.dict"))
	}
	ps := exec.CommandContext(ctx, s.cfg.Pocketsphinx, args...)
	var out bytes.Buffer
	stderr.Reset()
	ps.Stdout, ps.Stderr = &out, &stderr
	if err := ps.Run(); err != nil {
		return "", fmt.Errorf("%w: %s: %v: %s", ErrTranscriber, s.cfg.Pocketsphinx, err, clip(stderr.String()))
	}
	// One line per utterance.
	return strings.Join(strings.Fields(out.String()), " "), nil
}

// noiseAmplitude is the peak of the noise floor added: about -50 dBFS,
// below a telephone line's own. The speech is halved first (-6 dB), which
// measured better on the en-us model (docs/email.md).
const noiseAmplitude = 100

// speechShift halves the speech.
const speechShift = 1

// addNoiseFloor adds a faint white noise to 16-bit little-endian samples,
// in place, from a fixed seed (the same message gives the same text).
func addNoiseFloor(b []byte) {
	x := uint32(2463534242)
	for i := 0; i+1 < len(b); i += 2 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		n := int32(x%(2*noiseAmplitude+1)) - noiseAmplitude
		v := int32(int16(binary.LittleEndian.Uint16(b[i:])))>>speechShift + n
		v = max(min(v, 32767), -32768)
		binary.LittleEndian.PutUint16(b[i:], uint16(int16(v)))
	}
}

// wav16 wraps 16 kHz mono 16-bit samples in a WAV header.
func wav16(samples []byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 44, 44+len(samples))
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(36+len(samples)))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)
	le.PutUint16(b[22:], 1)
	le.PutUint32(b[24:], 16000)
	le.PutUint32(b[28:], 32000)
	le.PutUint16(b[32:], 2)
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(len(samples)))
	return append(b, samples...)
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
