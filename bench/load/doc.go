// Package load drives whole voicemail calls through the real testenv
// Asterisk and measures what they cost the app: success rate, DTMF-to-prompt
// latency from Asterisk's event timestamps, the app's CPU time and memory
// per live call, Redis commands per call, and the highest concurrency
// without a failed call.
//
// The app under test runs as a subprocess (so /proc tells its CPU time and
// memory apart from the load generator's) with the Stasis app name
// voicemail-load, never voicemail, which the integration tests own; its
// Redis is a private redis-server unless Options.Redis names one. Calls are
// Local channels placed by testenv.Caller into the [vm-load] dialplan
// context (testenv/asterisk/extensions.conf) — or, with Options.Caller
// CallerSIP, SIP calls
// placed by one sipp process per step into [sipp-in], against this app or
// Asterisk's app_voicemail (Options.Target), with the caller-side latency
// (key to the first RTP packet of the answer) sniffed on the loopback
// interface. The command is bench/cmd/vmload; BENCHMARKS.md has the
// figures.
package load
