package sipp

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRenderUAC(t *testing.T) {
	out, err := renderUAC(uacParams{To: sipUser("*9#"), From: "1001", FromName: "Alice", Media: "/tmp/m.pcap", HoldMs: 1500, Rejections: rejections})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	// Well-formed XML, as sipp needs.
	d := xml.NewDecoder(strings.NewReader(s))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("scenario is not well-formed XML: %v\n%s", err, s)
		}
	}
	for _, want := range []string{
		"INVITE sip:*9%23@[remote_ip]:[remote_port] SIP/2.0",
		`From: "Alice" <sip:1001@[local_ip]:[local_port]>`,
		"X-Testenv-Caller: sipp",
		`<exec play_pcap_audio="/tmp/m.pcap"/>`,
		`<recv request="BYE" timeout="1500" ontimeout="hangup"/>`,
		`<recv response="486" optional="true" next="rejected"/>`,
		"a=rtpmap:101 telephone-event/8000",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("scenario lacks %q", want)
		}
	}
	out, err = renderUAC(uacParams{To: "1", From: "2", HoldMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "From: <sip:2@") {
		t.Errorf("no display name wanted:\n%s", out)
	}
}

func TestCheckCall(t *testing.T) {
	ok := CallOptions{Target: "127.0.0.1:5060", From: "1001", To: "*97", FromName: "Alice Smith", Talk: time.Second}
	if _, err := checkCall(ok); err != nil {
		t.Fatalf("checkCall(%+v) = %v", ok, err)
	}
	for name, change := range map[string]func(*CallOptions){
		"no target":         func(o *CallOptions) { o.Target = "" },
		"remote target":     func(o *CallOptions) { o.Target = "192.0.2.1:5060" },
		"name target":       func(o *CallOptions) { o.Target = "localhost:5060" },
		"bad port":          func(o *CallOptions) { o.Target = "127.0.0.1:0" },
		"no from":           func(o *CallOptions) { o.From = "" },
		"from with a space": func(o *CallOptions) { o.From = "10 01" },
		"no to":             func(o *CallOptions) { o.To = "" },
		"to with @":         func(o *CallOptions) { o.To = "1001@default" },
		"quote in name":     func(o *CallOptions) { o.FromName = `Al"ice` },
		"CDATA end in name": func(o *CallOptions) { o.FromName = "a]]>b" },
		"newline in name":   func(o *CallOptions) { o.FromName = "a\r\nX-Evil: 1" },
		"negative talk":     func(o *CallOptions) { o.Talk = -time.Second },
		"negative timeout":  func(o *CallOptions) { o.Timeout = -time.Second },
		"not a DTMF key":    func(o *CallOptions) { o.DTMF = []DTMFStep{{Digits: "1E"}} },
	} {
		t.Run(name, func(t *testing.T) {
			o := ok
			change(&o)
			if _, err := checkCall(o); !errors.Is(err, ErrBadOptions) {
				t.Errorf("checkCall(%+v) = %v, want ErrBadOptions", o, err)
			}
		})
	}
}
