package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// The key schedules of the SIP callers: when each key group is pressed,
// from the answer. Every call of a step plays the same pcap, so the keys
// cannot wait for a prompt; they are placed in the silence after each
// prompt of the app (measured with -timeline: vmload prints one call's
// prompts and keys), with a margin for the prompts to come later under
// load. A key that still lands inside a prompt is counted apart.

// keyGroup is keys pressed one after another (DigitDuration +
// DigitGap apart); the last one is answered by a prompt.
type keyGroup struct {
	at     time.Duration
	digits string
	// label names the answer measured from the last key.
	label string
}

// sippSchedule is the media of one flow's calls.
type sippSchedule struct {
	// length is the stream's length; the app ends the call before it.
	length time.Duration
	speech bool
	groups []keyGroup
}

const keyStep = sipp.DigitDuration + sipp.DigitGap

func (s sippSchedule) schedule() sipp.Schedule {
	out := sipp.Schedule{Length: s.length, Speech: s.speech}
	for _, g := range s.groups {
		for i := range len(g.digits) {
			out.Keys = append(out.Keys, sipp.ScheduledKey{At: g.at + time.Duration(i)*keyStep, Digit: g.digits[i]})
		}
	}
	return out
}

// keyLabels gives, for each key of the schedule in order, the label of
// the answer it is timed to, or "" for a key whose group goes on.
func (s sippSchedule) keyLabels() []string {
	var out []string
	for _, g := range s.groups {
		for i := range len(g.digits) {
			if i == len(g.digits)-1 {
				out = append(out, g.label)
			} else {
				out = append(out, "")
			}
		}
	}
	return out
}

// Labels of the measured answers.
const (
	labelPIN     = "PIN # → greeting (bcrypt in ours)"
	labelFirst   = "1 → message"
	labelSave    = "9 → folder menu"
	labelFolder  = "2 → saved to Work"
	labelExit    = "# → goodbye"
	labelRecDone = "# → message saved"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// scheduleFor is the schedule of flow for target.
func scheduleFor(target, flow string) sippSchedule {
	switch {
	case target == TargetOurs && flow == FlowListen:
		return sippSchedule{length: sec(60), groups: []keyGroup{
			{sec(3), listenPIN + "#", labelPIN},
			{sec(12), "1", labelFirst},
			{sec(24), "9", labelSave},
			{sec(32), "2", labelFolder},
			{sec(40), "#", labelExit},
		}}
	case target == TargetAVM && flow == FlowListen:
		return sippSchedule{length: sec(90), groups: []keyGroup{
			{sec(3), listenPIN + "#", labelPIN},
			{sec(20), "1", labelFirst},
			{sec(40), "9", labelSave},
			{sec(55), "2", labelFolder},
			{sec(70), "#", labelExit},
		}}
	case target == TargetOurs:
		return sippSchedule{length: sec(45), speech: true, groups: []keyGroup{
			{sec(20), "#", labelRecDone},
		}}
	default:
		return sippSchedule{length: sec(45), speech: true, groups: []keyGroup{
			{sec(20), "#", labelRecDone},
		}}
	}
}

// parseSchedule reads a schedule override: comma-separated SECONDS:KEYS
// groups, e.g. "3:2580#,28:1"; the last group's keys are timed. The
// stream lasts length.
func parseSchedule(spec string, speech bool, length time.Duration) (sippSchedule, error) {
	out := sippSchedule{length: length, speech: speech}
	for g := range strings.SplitSeq(spec, ",") {
		at, keys, ok := strings.Cut(strings.TrimSpace(g), ":")
		secs, err := strconv.ParseFloat(at, 64)
		if !ok || err != nil || keys == "" {
			return sippSchedule{}, fmt.Errorf("%w: schedule group %q: want SECONDS:KEYS", ErrInvalidOptions, g)
		}
		out.groups = append(out.groups, keyGroup{at: sec(secs), digits: keys, label: "keys " + keys + " at " + at + "s"})
	}
	return out, nil
}
