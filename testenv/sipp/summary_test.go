package sipp

import "testing"

func TestParseSummary(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       Summary
		bad        bool
	}{
		{
			name: "asterisk", body: "Messages-Waiting: yes\r\nVoice-Message: 2/1 (0/0)\r\n",
			want: Summary{MessagesWaiting: true, New: 2, Old: 1},
		},
		{
			name: "none waiting", body: "Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n",
			want: Summary{},
		},
		{
			name: "account, lower case, bare LF", body: "messages-waiting: YES\nmessage-account: sip:1001@127.0.0.1\nvoice-message: 12/30\n",
			want: Summary{MessagesWaiting: true, New: 12, Old: 30, Account: "sip:1001@127.0.0.1"},
		},
		{name: "no Messages-Waiting", body: "Voice-Message: 1/0\r\n", bad: true},
		{name: "bad Messages-Waiting", body: "Messages-Waiting: maybe\r\n", bad: true},
		{name: "bad counts", body: "Messages-Waiting: yes\r\nVoice-Message: 2\r\n", bad: true},
		{name: "negative count", body: "Messages-Waiting: yes\r\nVoice-Message: -1/0\r\n", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSummary(tc.body)
			if tc.bad {
				if err == nil {
					t.Fatalf("parseSummary(%q) = %+v, want an error", tc.body, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = tc.body
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseSummary(f *testing.F) {
	f.Add("Messages-Waiting: yes\r\nVoice-Message: 2/1 (0/0)\r\n")
	f.Add("Messages-Waiting: no\nMessage-Account: sip:1@h\nVoice-Message: 0/0\n")
	f.Fuzz(func(t *testing.T, body string) {
		s, err := parseSummary(body)
		if err != nil {
			return
		}
		if s.New < 0 || s.Old < 0 || s.Raw != body {
			t.Errorf("parseSummary(%q) = %+v", body, s)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add("NOTIFY sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 4\r\n\r\nbody")
	f.Add("OPTIONS sip:a SIP/2.0\nv: x\n l: 0\n\n")
	f.Fuzz(func(t *testing.T, msg string) {
		req, err := parseRequest(msg)
		if err != nil {
			return
		}
		_ = req.response(200, "OK")
		if len(req.Body) > len(msg) {
			t.Errorf("body longer than the message")
		}
	})
}
