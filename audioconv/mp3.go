package audioconv

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
)

// MP3 encodes a WAV recording (as the app stores them) as MP3 with lame,
// for email attachments and downloads. Telephone audio is 8 kHz, which MP3
// can only carry as MPEG 2.5, a format many players refuse; so lame
// resamples it to 16 kHz (MPEG 2, which every player reads), low-passed at
// 3.8 kHz (the 8 kHz recording holds nothing above 4 kHz), mono at 24
// kbit/s: about 180 kB a minute, a fifth of the WAV file. Errors wrap
// ErrConverter.
func MP3(ctx context.Context, lame string, wav []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, lame, "--quiet", "-m", "m", "--resample", "16", "-b", "24",
		"--lowpass", "3.8", "-q", "2", "-", "-")
	cmd.Stdin = bytes.NewReader(wav)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: lame: %w: %s", ErrConverter, err, clip(string(bytes.TrimSpace(stderr.Bytes()))))
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("%w: lame wrote nothing: %s", ErrConverter, clip(string(bytes.TrimSpace(stderr.Bytes()))))
	}
	return out.Bytes(), nil
}
