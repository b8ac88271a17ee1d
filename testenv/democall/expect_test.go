package main

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
)

// heard2 is what call 2 of testenv/demo hears: Alice logs in, listens to
// her new message and saves it to Work.
var heard2 = strings.Fields(`vm-password vm-youhave digits/1 vm-INBOX vm-message
	vm-first vm-message vm-received digits/today digits/at digits/6 digits/20
	digits/5 digits/p-m vm-from-phonenumber digits/1 digits/0 digits/0
	digits/2 recording:voicemail/default/1001/msg/m1-ab vm-prev vm-advopts
	vm-changeto vm-press digits/0 vm-for vm-INBOX vm-messages vm-message
	digits/1 vm-savedto vm-Work vm-messages vm-goodbye`)

func TestExpectationCheck(t *testing.T) {
	for _, tc := range []struct {
		name, expect string
		heard        []string
		// missing are the steps reported NOT HEARD; nil: the check passes.
		missing []string
	}{
		{name: "nothing expected", expect: "", heard: heard2},
		{name: "nothing expected, nothing heard", expect: " , ", heard: nil},
		{
			name:   "the demo's call 2",
			expect: "vm-received digits/today|digits/yesterday digits/at, digits/a-m|digits/p-m vm-from-phonenumber digits/1 digits/0 digits/0 digits/2, recording:voicemail/default/1001/msg/m1-ab, vm-savedto vm-Work",
			heard:  heard2,
		},
		{name: "glob", expect: "recording:voicemail/default/1001/msg/*", heard: heard2},
		{name: "a glob does not cross a slash", expect: "recording:*", heard: heard2, missing: []string{"recording:*"}},
		{name: "another message's audio", expect: "recording:voicemail/default/1001/msg/m2-cd", heard: heard2,
			missing: []string{"recording:voicemail/default/1001/msg/m2-cd"}},
		{name: "out of order", expect: "vm-savedto vm-Work, vm-received", heard: heard2, missing: []string{"vm-received"}},
		{name: "a step is consecutive", expect: "vm-savedto vm-goodbye", heard: heard2, missing: []string{"vm-savedto vm-goodbye"}},
		{name: "a step's run may repeat a pattern", expect: "digits/1 digits/0 digits/0 digits/2", heard: heard2},
		{name: "the earliest run leaves room for the rest", expect: "vm-message, vm-first, vm-message digits/1", heard: heard2},
		{name: "a step is not heard twice", expect: "vm-goodbye, vm-goodbye", heard: heard2, missing: []string{"vm-goodbye"}},
		{name: "steps after a missing one are still looked for", expect: "vm-nothing, vm-savedto vm-Old, vm-goodbye", heard: heard2,
			missing: []string{"vm-nothing", "vm-savedto vm-Old"}},
		{name: "a step longer than what is left", expect: "vm-goodbye vm-goodbye", heard: heard2, missing: []string{"vm-goodbye vm-goodbye"}},
		{name: "call heard nothing", expect: "vm-password", heard: nil, missing: []string{"vm-password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp, err := parseExpect(tc.expect)
			if err != nil {
				t.Fatal(err)
			}
			err = exp.check(tc.heard)
			if tc.missing == nil {
				if err != nil {
					t.Fatalf("check failed:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("check passed, want %q not heard", tc.missing)
			}
			var got []string
			for _, line := range strings.Split(err.Error(), "\n") {
				if s, ok := strings.CutPrefix(line, "  NOT HEARD  "); ok {
					got = append(got, s)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.missing, ",") {
				t.Errorf("not heard %q, want %q; error:\n%v", got, tc.missing, err)
			}
			// The error lists every prompt heard, numbered.
			lines := strings.Split(err.Error(), "\n")
			for i, h := range tc.heard {
				if want := fmt.Sprintf("  %3d  %s", i+1, h); !slices.Contains(lines, want) {
					t.Errorf("error does not list %q:\n%v", want, err)
					break
				}
			}
		})
	}
}

func TestParseExpectRejects(t *testing.T) {
	for _, text := range []string{"vm-[", "vm-a||vm-b", "vm-a|", "digits/[0-"} {
		t.Run(text, func(t *testing.T) {
			_, err := parseExpect(text)
			if err == nil {
				t.Fatalf("parseExpect(%q) passed", text)
			}
			if strings.Contains(text, "[") && !errors.Is(err, path.ErrBadPattern) {
				t.Errorf("error %v does not wrap path.ErrBadPattern", err)
			}
		})
	}
}
