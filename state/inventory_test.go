package state

import (
	"maps"
	"slices"
	"testing"
)

func TestClassifyKeys(t *testing.T) {
	mb := MailboxID{Number: "1001", Context: "default"}
	tests := []struct {
		key  string
		ok   bool
		kind string
		arg  string
	}{
		{"vm:{1001@default}:f:0", true, "folder", "0"},
		{"vm:{1001@default}:f:4", true, "folder", "4"},
		{"vm:{1001@default}:f:5", true, "folder", "5"},
		{"vm:{1001@default}:f:6", false, "", ""},
		{"vm:{1001@default}:f:x", false, "", ""},
		{"vm:{1001@default}:msg:m1-i", true, "msg", "m1-i"},
		{"vm:{1001@default}:greetings", true, "greetings", ""},
		{"vm:{1001@default}:ver", true, "ver", ""},
		{"vm:{1001@default}:mwi:pub", true, "pub", ""},
		{"vm:{1001@default}:box", false, "", ""},
		{"vm:{1001@default}:auth:lock", false, "", ""},
		{"vm:{cluster}:leases", false, "", ""},
		{"vm:{cluster}:janitor:orphans", false, "", ""},
		{"vm:{../x@default}:ver", false, "", ""},
		{"vm:session:{1732634712.42}", true, "session", ""},
		{"vm:session:{broken", false, "", ""},
		{"other:{1001@default}:ver", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			k, ok := classify(tt.key)
			if ok != tt.ok {
				t.Fatalf("classify ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if k.kind != tt.kind || k.arg != tt.arg {
				t.Errorf("classify = %s %q, want %s %q", k.kind, k.arg, tt.kind, tt.arg)
			}
			if k.kind != "session" && k.id != mb {
				t.Errorf("mailbox = %v", k.id)
			}
		})
	}
}

func TestCollectRecordingNames(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"nested", `{"deposit":{"recording":"voicemail/default/1001/msg/m1"},"take":{"recording":"voicemail/default/1001/greeting/busy-x"}}`,
			[]string{"voicemail/default/1001/greeting/busy-x", "voicemail/default/1001/msg/m1"}},
		{"media URI in a list", `{"prefix":["recording:voicemail/d/1/msg/a","vm-sorry","sound:x/y"]}`,
			[]string{"voicemail/d/1/msg/a", "x/y"}},
		{"no slash is no recording", `{"a":"vm-intro","b":"m1"}`, nil},
		{"unsafe names skipped", `{"a":"../etc/passwd","b":"a//b","c":"a/b.wav"}`, nil},
		{"numbers and bools", `{"a":1,"b":true,"c":null,"d":["x/y"]}`, []string{"x/y"}},
		{"not JSON", `{"a":`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := map[string]bool{}
			collectRecordingNames(tt.doc, names)
			got := slices.Sorted(maps.Keys(names))
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("names = %v, want %v", got, tt.want)
			}
		})
	}
}
