package recordings

import "errors"

// ErrInvalidName is returned when a recording name cannot be built from the
// given parts (the error also wraps the mailbox sentinel for a bad mailbox or
// message id), and by Store methods for a name that is not safe to send to
// ARI, or, for Delete and the target of Copy, not one of ours (see IsOurs).
// Nothing has been sent to ARI for that name.
var ErrInvalidName = errors.New("recordings: invalid name")

// ErrBadAudio is returned by Seconds when a stored recording is not a WAV
// file it can measure: no RIFF/WAVE header, no "fmt " chunk before the
// "data" chunk, or a byte rate of zero.
var ErrBadAudio = errors.New("recordings: not a measurable WAV file")
