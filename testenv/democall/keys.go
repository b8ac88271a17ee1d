package main

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// press is one step of -keys: the keys a caller presses, once they have
// heard their cue (if any) and listened for wait.
type press struct {
	keys string
	// cue, when set, is a prompt that must have started since the
	// previous keys were sent: the caller presses once told to.
	cue  pattern
	wait time.Duration
}

// parseKeys reads -keys: presses separated by commas, each KEYS, KEYS@D
// (after listening for D instead of think) or KEYS@PROMPT (once a prompt
// matching PROMPT, a glob with | between alternatives, has started since
// the previous keys, and the caller listened for think more):
//
//	1234#@vm-password,1@vm-onefor,9@5s,#
func parseKeys(text string, think time.Duration) ([]press, error) {
	var out []press
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p := press{keys: item, wait: think}
		if keys, after, ok := strings.Cut(item, "@"); ok {
			p.keys = keys
			if d, err := time.ParseDuration(after); err == nil {
				p.wait = d
			} else {
				for _, g := range strings.Split(after, "|") {
					if _, err := path.Match(g, ""); err != nil || g == "" {
						return nil, fmt.Errorf("keys %q: %q is neither a duration nor a prompt pattern", item, after)
					}
					p.cue = append(p.cue, g)
				}
			}
		}
		if p.keys == "" {
			return nil, fmt.Errorf("keys %q: no key to press", item)
		}
		out = append(out, p)
	}
	return out, nil
}
