package audioconv

import "errors"

// ErrTooLarge is returned for an upload over Limits.MaxBytes: nothing was
// decoded.
var ErrTooLarge = errors.New("audioconv: file too large")

// ErrUnsupported is returned for a file that is neither a WAV (RIFF/WAVE)
// nor an MP3 file by its first bytes, or that the converter could not
// decode.
var ErrUnsupported = errors.New("audioconv: not a WAV or MP3 file it can read")

// ErrTooLong is returned when the audio lasts longer than
// Limits.MaxDuration.
var ErrTooLong = errors.New("audioconv: audio too long")

// ErrTooShort is returned when the audio lasts less than
// Limits.MinDuration (an empty or all but empty file).
var ErrTooShort = errors.New("audioconv: audio too short")

// ErrConverter is returned when the converter itself could not run (sox
// missing, killed at the time bound): the upload may be fine.
var ErrConverter = errors.New("audioconv: converter failed")
