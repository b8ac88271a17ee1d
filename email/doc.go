// Package email sends the notifications of new messages, as
// app_voicemail's emails do: to the mailbox's address, with the
// recording attached (WAV, or MP3 encoded by Debian's lame), a subject and
// a plain-text body from templates with app_voicemail's variables, in the
// mailbox's language and time zone; and a short one to its pager address.
//
// The notifications wait in the outbox of package state, queued with the
// message they report. A Mailer takes them from there, sends them through
// an SMTP relay (Relay: STARTTLS or implicit TLS, AUTH, timeouts), and
// acknowledges them once the relay accepted them, or backs off and tries
// again, or gives up on them into the mailbox's dead letters. Delivery is
// at least once; a stable Message-ID lets a retried mail be recognised.
package email
