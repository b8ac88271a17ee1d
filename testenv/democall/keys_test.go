package main

import (
	"reflect"
	"testing"
	"time"
)

func TestParseKeys(t *testing.T) {
	const think = 1500 * time.Millisecond
	for _, tc := range []struct {
		text string
		want []press
	}{
		{"", nil},
		{"1234#,#", []press{{keys: "1234#", wait: think}, {keys: "#", wait: think}}},
		{"#@12s, 9@500ms", []press{{keys: "#", wait: 12 * time.Second}, {keys: "9", wait: 500 * time.Millisecond}}},
		{"1234#@vm-password,2@vm-Work|vm-Old", []press{
			{keys: "1234#", cue: pattern{"vm-password"}, wait: think},
			{keys: "2", cue: pattern{"vm-Work", "vm-Old"}, wait: think},
		}},
		{"*@digits/*", []press{{keys: "*", cue: pattern{"digits/*"}, wait: think}}},
	} {
		got, err := parseKeys(tc.text, think)
		if err != nil {
			t.Errorf("parseKeys(%q): %v", tc.text, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseKeys(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
	for _, bad := range []string{"@1s", "1@", "1@vm-[", "1@vm-a||vm-b"} {
		if _, err := parseKeys(bad, think); err == nil {
			t.Errorf("parseKeys(%q) passed", bad)
		}
	}
}
