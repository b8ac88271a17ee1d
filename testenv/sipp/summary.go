package sipp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Summary is one message-summary NOTIFY (RFC 3842) as a phone's
// message-waiting light would read it.
type Summary struct {
	// MessagesWaiting is the Messages-Waiting header: the light is on.
	MessagesWaiting bool
	// New and Old are the voice message counts (Voice-Message: New/Old).
	New, Old int
	// Account is the Message-Account URI of the body or, as Asterisk
	// sends none by default, the To URI of the NOTIFY (the watcher
	// endpoint, e.g. "sip:mwi-1001@127.0.0.1").
	Account string
	// Raw is the whole body.
	Raw string
	// At is when the watcher received it.
	At time.Time
}

// String formats s as Asterisk's Voice-Message line does ("2/1").
func (s Summary) String() string {
	return fmt.Sprintf("%d/%d (waiting %v)", s.New, s.Old, s.MessagesWaiting)
}

// parseSummary parses an application/simple-message-summary body. Asterisk
// writes (res/res_pjsip_mwi_body_generator.c):
//
//	Messages-Waiting: yes
//	Message-Account: sip:1001@127.0.0.1
//	Voice-Message: 2/1 (0/0)
func parseSummary(body string) (Summary, error) {
	s := Summary{Raw: body}
	var sawWaiting bool
	for _, line := range strings.Split(body, "\n") {
		name, value, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "messages-waiting":
			switch strings.ToLower(value) {
			case "yes":
				s.MessagesWaiting = true
			case "no":
			default:
				return Summary{}, fmt.Errorf("sipp: message-summary: Messages-Waiting %q", value)
			}
			sawWaiting = true
		case "message-account":
			s.Account = value
		case "voice-message":
			counts, _, _ := strings.Cut(value, " ")
			n, o, ok := strings.Cut(counts, "/")
			var err1, err2 error
			s.New, err1 = strconv.Atoi(n)
			s.Old, err2 = strconv.Atoi(o)
			if !ok || err1 != nil || err2 != nil || s.New < 0 || s.Old < 0 {
				return Summary{}, fmt.Errorf("sipp: message-summary: Voice-Message %q", value)
			}
		}
	}
	if !sawWaiting {
		return Summary{}, fmt.Errorf("sipp: message-summary: no Messages-Waiting")
	}
	return s, nil
}
