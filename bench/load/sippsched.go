package load

import (
	"fmt"
	"math/rand/v2"
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
	labelPIN     = "PIN # → \"you have\""
	labelMenu    = "menu keys (1, 9, 2, #)"
	labelFirst   = "1 → message"
	labelSave    = "9 → folder menu"
	labelFolder  = "2 → saved to Work"
	labelExit    = "# → goodbye"
	labelRecDone = "# → message saved"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// scheduleFor is the schedule of flow for target. The listen schedules
// come from -timeline runs at one call (23:50 UTC, 2026-11-26; checked
// again 2026-12-04: ours' message prompt is 5 s shorter without saycid,
// which the load's configuration now sets as testenv's voicemail.conf
// does for app_voicemail), in seconds after the answer, T being the
// previous key group:
//
//	                               ours              app_voicemail
//	vm-password                    0.0–1.1           0.0–1.1
//	PIN # → you have + menu        T+0.06–T+17.8     T+0.004–T+17.8, 6 s wait
//	1 → message + menu             T–T+34.0, 6 s     T–T+33.6, 6 s wait
//	9 → folder menu                T–T+23.3, 6 s     T–T+25.8 (options with
//	                                                 0.5 s gaps), 4 s wait
//	2 → saved to Work + menu       T–T+21.8, 6 s     T–T+22.4, 6 s wait
//	# → goodbye, hang-up           T–T+0.9           T–T+0.9
//
// Each key is placed about 1.5–2 s into the wait, so that prompts may
// start that much later under load and the key still comes in silence.
func scheduleFor(target, flow string) sippSchedule {
	switch {
	case target == TargetOurs && flow == FlowListen:
		return sippSchedule{length: sec(120), groups: []keyGroup{
			{sec(3), listenPIN + "#", labelPIN},
			{sec(23), "1", labelFirst},
			{sec(23 + 35.7), "9", labelSave},
			{sec(23 + 35.7 + 25.5), "2", labelFolder},
			{sec(23 + 35.7 + 25.5 + 24), "#", labelExit},
		}}
	case target == TargetAVM && flow == FlowListen:
		return sippSchedule{length: sec(125), groups: []keyGroup{
			{sec(3), listenPIN + "#", labelPIN},
			{sec(23), "1", labelFirst},
			{sec(23 + 35.5), "9", labelSave},
			{sec(23 + 35.5 + 27.3), "2", labelFolder},
			{sec(23 + 35.5 + 27.3 + 24.8), "#", labelExit},
		}}
	default:
		// Deposits: both apps play the unavailable greeting, vm-intro and
		// the beep for 14.0 s; # 10.2 s later ends a 10 s recording.
		return sippSchedule{length: sec(45), speech: true, groups: []keyGroup{
			{sec(24.2), "#", labelRecDone},
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

// callLength is about how long one call of flow lasts at one call (the
// -timeline runs above): listening 110 s, a deposit 27 s.
func callLength(flow string) time.Duration {
	if flow == FlowListen {
		return 110 * time.Second
	}
	return 27 * time.Second
}

// poissonDelays are the waits before the INVITE of conc calls that sipp
// starts at rate a second (call i at i/rate), so that the calls arrive as
// a Poisson process of conc/length calls a second: exponential gaps, the
// first arrival a second after sipp starts. About conc calls then arrive
// over one call's length, and the step peaks near conc live calls when
// the first ones end. A draw that would come before sipp starts its call
// waits 0 (at the rates used, 1.8–19 calls a second against sipp's 50,
// hardly ever). The same seed gives the same arrivals, so that both
// targets of a step get the same ones.
func poissonDelays(seed int64, conc int, length time.Duration, rate int) []time.Duration {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x766d6c6f6164)) //nolint:gosec // a load schedule, not a secret
	mean := float64(length) / float64(conc)
	at := float64(time.Second)
	out := make([]time.Duration, conc)
	for i := range out {
		started := time.Duration(i) * time.Second / time.Duration(rate)
		out[i] = max(0, time.Duration(at)-started)
		at += rng.ExpFloat64() * mean
	}
	return out
}
