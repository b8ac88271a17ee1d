// Package menus holds the caller-facing menu tree of the voicemail system as
// data, and the engine that walks it.
//
// The engine is a pure function: [Engine.Step] takes the call's [State] and
// one [Event] (a digit, the end of a prompt, a timer, the result of a lookup)
// and returns the next State and the [Cmd]s to carry out (play, stop a
// prompt, start a timer, check a password, hang up). It does no I/O and reads
// no clock, so every path is a table test, and the State is a plain struct
// that serialises to Redis so that another instance can resume the call.
//
// The tree follows Asterisk's app_voicemail (apps/app_voicemail.c:
// vm_authenticate, vm_intro, vm_instructions) and docs/caller-guide.md: the
// same keys, the same vm-* prompts, the same timeouts (docs/menus.md).
package menus
