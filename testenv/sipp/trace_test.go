package sipp

import (
	"testing"
	"time"
)

// A trace as sipp 3.6.1 writes it (-trace_msg), shortened.
const sampleTrace = `----------------------------------------------- 2026-11-26 17:37:45.541194
UDP message sent (501 bytes):

INVITE sip:busy@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:15099;branch=z9hG4bK-3106-1-0
Call-ID: 1-3106@127.0.0.1
CSeq: 1 INVITE
Content-Length: 0

----------------------------------------------- 2026-11-26 17:37:45.542371
UDP message received [315] bytes :

SIP/2.0 100 Trying
Call-ID: 1-3106@127.0.0.1
CSeq: 1 INVITE
Content-Length:  0


----------------------------------------------- 2026-11-26 17:37:45.543971
UDP message received [755] bytes :

SIP/2.0 200 OK
Call-ID: 1-3106@127.0.0.1
CSeq: 1 INVITE
Content-Type: application/sdp
Content-Length:   10

v=0
o=- 1

----------------------------------------------- 2026-11-26 17:37:47.000000
UDP message received [300] bytes :

BYE sip:2001@127.0.0.1:15099 SIP/2.0
i: 1-3106@127.0.0.1
CSeq: 5 BYE
Content-Length: 0

`

func TestSummarizeTrace(t *testing.T) {
	msgs := parseTrace(sampleTrace)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4: %+v", len(msgs), msgs)
	}
	if !msgs[0].Sent || msgs[1].Sent || msgs[3].CallID != "1-3106@127.0.0.1" || msgs[3].CSeqVerb != "BYE" {
		t.Errorf("messages %+v", msgs)
	}
	var r Result
	summarize(msgs, &r)
	want := Result{Answered: true, Status: 200, Reason: "OK", CallID: "1-3106@127.0.0.1", AnswerDelay: 2777 * time.Microsecond, RemoteHangup: true}
	if r != want {
		t.Errorf("summary %+v, want %+v", r, want)
	}
}

func TestSummarizeRejected(t *testing.T) {
	trace := `----------------------------------------------- 2026-11-26 17:37:45.541194
UDP message sent (501 bytes):

INVITE sip:busy@127.0.0.1:5060 SIP/2.0
CSeq: 1 INVITE

----------------------------------------------- 2026-11-26 17:37:45.641194
UDP message received [315] bytes :

SIP/2.0 486 Busy Here
CSeq: 1 INVITE

`
	var r Result
	summarize(parseTrace(trace), &r)
	if r.Answered || r.Status != 486 || r.Reason != "Busy Here" || r.AnswerDelay != 100*time.Millisecond {
		t.Errorf("summary %+v", r)
	}
}

func TestSummarizeCutOffTrace(t *testing.T) {
	var r Result
	summarize(parseTrace("----------------------------------------------- 2026-11-26 17:37:45.541194\nUDP message sent"), &r)
	if r != (Result{}) {
		t.Errorf("summary of nothing: %+v", r)
	}
}
