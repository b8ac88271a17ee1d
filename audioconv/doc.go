// Package audioconv turns audio that administrators and owners upload (a
// WAV or MP3 file) into what Asterisk plays and the app stores: WAV, 8 kHz,
// mono, 16-bit signed PCM, as Asterisk's wav format writes recordings. It
// checks the upload first (size, format by its first bytes, then the
// duration of what it decodes to) and converts with Debian's sox (MP3
// through libsox-fmt-mp3), one process per file, bounded in time.
//
// Consumers declare the one method they need (ToTelephone) as their own
// interface: the admin API, the CLI and the web UI share Sox.
package audioconv
