// Package sipp places real SIP calls into the test Asterisk of testenv/up and
// watches the message-waiting NOTIFYs it sends, as phones would.
//
// [Call] runs SIPp (Debian's sip-tester, which testenv/up installs) once per
// call: an INVITE with an A-law SDP offer, then after the answer a single RTP
// stream of speech (sip-tester's g711a.pcap, looped) with the requested keys
// as RFC 4733 events, then BYE when Talk runs out, unless Asterisk hangs up
// first. Each call binds its own ports on 127.0.0.1, so many can run at once.
// Asterisk takes the call as the PJSIP endpoint "sipp" (identified by the
// X-Testenv-Caller header, no registration) into the context sipp-in of
// testenv/asterisk: *97 and *98, 1XXX (ring the phone, then voicemail), and
// the extensions this package's own tests use.
//
//	env := testenv.Require(t)
//	res, err := sipp.Call(ctx, sipp.CallOptions{
//		Target: env.SIP, From: "1001", FromName: "Alice", To: "*97",
//		Talk: 10 * time.Second,
//		DTMF: []sipp.DTMFStep{{After: 2 * time.Second, Digits: "1234#"}},
//	})
//	// res.Answered, res.Status (200, 486, …), res.RemoteHangup; on failure
//	// res.Output holds sipp's stderr and message trace.
//
// DTMF step times are offsets: the first from the answer, each next one from
// the end of the previous step. Every key lasts DigitDuration with DigitGap
// after it. Keys may repeat and go in any order: the stream's RTP timestamps
// always increase, which Asterisk requires of telephone-events.
//
// [Watch] is a phone's message-waiting light: it answers Asterisk's
// unsolicited message-summary NOTIFYs on the static contact of an MWI
// endpoint (mwi-1001 on 127.0.0.1:5071, mwi-1002 on 127.0.0.1:5072; see
// [WatcherAddr]) and hands them out in order:
//
//	addr, _ := sipp.WatcherAddr("1001")
//	w, err := sipp.Watch(ctx, addr)
//	defer w.Close()
//	// … something publishes 1001's counts (a deposit, the app's MWI) …
//	s, err := w.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 1 })
//
// Every wait takes a context; nothing here sleeps in place of checking.
// Sending RTP from SIPp needs root (it uses a raw socket).
package sipp
