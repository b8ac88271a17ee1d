package main

import (
	"fmt"
	"path"
	"strings"
)

// expectation is what a caller must hear, in order: steps, each a run of
// prompts heard one right after the other. Other prompts may come before,
// between and after the steps.
type expectation []step

// step is a run of consecutive prompts, one pattern each.
type step []pattern

// pattern matches one prompt name: any of its globs (path.Match, so "*"
// does not cross a "/"). Names are as democall prints them: "vm-savedto",
// "digits/at", "recording:voicemail/default/1001/msg/m…".
type pattern []string

// parseExpect reads an expectation: steps separated by commas, the
// patterns of a step by spaces, the globs of a pattern by "|":
//
//	vm-received digits/today|digits/yesterday digits/at, vm-savedto vm-Work
//
// An empty text expects nothing.
func parseExpect(text string) (expectation, error) {
	var exp expectation
	for _, s := range strings.Split(text, ",") {
		fields := strings.Fields(s)
		if len(fields) == 0 {
			continue
		}
		st := make(step, 0, len(fields))
		for _, f := range fields {
			var p pattern
			for _, g := range strings.Split(f, "|") {
				if g == "" {
					return nil, fmt.Errorf("expect %q: empty alternative in %q", text, f)
				}
				if _, err := path.Match(g, ""); err != nil {
					return nil, fmt.Errorf("expect %q: pattern %q: %w", text, g, err)
				}
				p = append(p, g)
			}
			st = append(st, p)
		}
		exp = append(exp, st)
	}
	return exp, nil
}

func (p pattern) match(name string) bool {
	for _, g := range p {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

func (p pattern) String() string { return strings.Join(p, "|") }

func (s step) String() string {
	parts := make([]string, len(s))
	for i, p := range s {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}

// find returns the index of the first run of heard at or after from that
// matches s, or -1.
func (s step) find(heard []string, from int) int {
	for i := from; i+len(s) <= len(heard); i++ {
		ok := true
		for j, p := range s {
			if !p.match(heard[i+j]) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// check reports whether heard holds every step of exp in order. Each step
// is looked for after the previous step found (the earliest run, which
// leaves the most room for the rest); a missing step is reported and the
// next ones are still looked for. The error lists every step, where it
// was heard or that it was not, then every prompt heard, numbered.
func (exp expectation) check(heard []string) error {
	var report strings.Builder
	missing, from := 0, 0
	for _, s := range exp {
		at := s.find(heard, from)
		if at < 0 {
			missing++
			fmt.Fprintf(&report, "  NOT HEARD  %s\n", s)
			continue
		}
		if len(s) == 1 {
			fmt.Fprintf(&report, "  heard      %s (prompt %d)\n", s, at+1)
		} else {
			fmt.Fprintf(&report, "  heard      %s (prompts %d-%d)\n", s, at+1, at+len(s))
		}
		from = at + len(s)
	}
	if missing == 0 {
		return nil
	}
	fmt.Fprintf(&report, "what the caller heard (%d prompts):\n", len(heard))
	for i, h := range heard {
		fmt.Fprintf(&report, "  %3d  %s\n", i+1, h)
	}
	return fmt.Errorf("%d of %d expected steps not heard, in order:\n%s", missing, len(exp), strings.TrimSuffix(report.String(), "\n"))
}
