package sipp

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// A SIPp message trace (-trace_msg): each message follows a line of dashes
// with the time, then "UDP message sent (N bytes):" or "UDP message received
// [N] bytes :" (src/logger.cpp, TRACE_MSG in src/socket.cpp).

const traceSeparator = "----------------------------------------------- "

// traceTimeLayout is the time on a separator line, in local time.
const traceTimeLayout = "2006-01-02 15:04:05.000000"

// tracedMessage is one SIP message of a trace.
type tracedMessage struct {
	At       time.Time
	Sent     bool
	Start    string // the start line
	CallID   string
	CSeqVerb string // the method in CSeq
	// Headers holds the first value of each header, by lower-case full
	// name ("call-id" for "i").
	Headers map[string]string
}

// status returns the status code and reason of a response, or 0.
func (m tracedMessage) status() (int, string) {
	rest, ok := strings.CutPrefix(m.Start, "SIP/2.0 ")
	if !ok {
		return 0, ""
	}
	code, reason, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if err != nil {
		return 0, ""
	}
	return n, reason
}

// method returns the method of a request, or "".
func (m tracedMessage) method() string {
	if strings.HasPrefix(m.Start, "SIP/2.0 ") {
		return ""
	}
	method, _, _ := strings.Cut(m.Start, " ")
	return method
}

// parseTrace reads the messages of a SIPp message trace.
func parseTrace(text string) []tracedMessage {
	var out []tracedMessage
	var cur *tracedMessage
	state := 0 // 0: before a message, 1: want the direction, 2: want the start line, 3: headers, 4: body
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if stamp, ok := strings.CutPrefix(line, traceSeparator); ok {
			out = append(out, tracedMessage{})
			cur = &out[len(out)-1]
			cur.At, _ = time.ParseInLocation(traceTimeLayout, strings.TrimSpace(stamp), time.Local)
			state = 1
			continue
		}
		switch state {
		case 1:
			if strings.Contains(line, "message sent") {
				cur.Sent = true
				state = 2
			} else if strings.Contains(line, "message received") {
				state = 2
			}
		case 2:
			if line != "" {
				cur.Start = line
				state = 3
			}
		case 3:
			if line == "" {
				state = 4
				continue
			}
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			value = strings.TrimSpace(value)
			name = strings.ToLower(strings.TrimSpace(name))
			if full, ok := compactHeaders[name]; ok {
				name = strings.ToLower(full)
			}
			if cur.Headers == nil {
				cur.Headers = map[string]string{}
			}
			if _, dup := cur.Headers[name]; !dup {
				cur.Headers[name] = value
			}
			switch name {
			case "call-id":
				cur.CallID = value
			case "cseq":
				if f := strings.Fields(value); len(f) == 2 {
					cur.CSeqVerb = f[1]
				}
			}
		}
	}
	// Drop what was cut off before its start line.
	kept := out[:0]
	for _, m := range out {
		if m.Start != "" {
			kept = append(kept, m)
		}
	}
	return kept
}

// summarize fills in what a trace says about the call: the final response
// to the INVITE, when it came, and who hung up.
func summarize(msgs []tracedMessage, r *Result) {
	var invitedAt time.Time
	for _, m := range msgs {
		switch {
		case m.Sent && m.method() == "INVITE":
			if invitedAt.IsZero() {
				invitedAt = m.At
				r.CallID = m.CallID
			}
		case !m.Sent && m.CSeqVerb == "INVITE":
			code, reason := m.status()
			if code >= 200 && r.Status == 0 {
				r.Status, r.Reason = code, reason
				r.Answered = code >= 200 && code < 300
				if !invitedAt.IsZero() && !m.At.IsZero() {
					r.AnswerDelay = m.At.Sub(invitedAt)
				}
			}
		case !m.Sent && m.method() == "BYE":
			r.RemoteHangup = true
		}
	}
}
