package load

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The side-by-side table of BENCHMARKS.md is made from Summary lines
// (vmload -summary) by bench/cmd/vmtable, between these two lines.
const (
	TableBegin = "<!-- vmtable:begin (made by bench/sidebyside; do not edit by hand) -->"
	TableEnd   = "<!-- vmtable:end -->"
)

// ReadSummaries reads Summary JSON lines.
func ReadSummaries(r io.Reader) ([]Summary, error) {
	var out []Summary
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var s Summary
		if err := json.Unmarshal(line, &s); err != nil {
			return nil, fmt.Errorf("load: summary line %d: %w", n, err)
		}
		if s.Flow == "" || s.Target == "" || s.Concurrency < 1 {
			return nil, fmt.Errorf("load: summary line %d: no flow, target or concurrency", n)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// stepKey names a step apart from its target.
type stepKey struct {
	flow, arrivals string
	conc           int
}

// SideBySide writes the Markdown tables comparing this app with
// app_voicemail, step by step: for each answer, both apps' caller-side
// p50 / p95 / p99 and the ratio ours / app_voicemail (below 1: ours is
// faster), the calls that succeeded, and the machine's load during each
// step; then this app's own side (event in → playback started) and its
// costs. Of several runs of the same step and target, the last one read
// counts.
func SideBySide(w io.Writer, sums []Summary) error {
	if len(sums) == 0 {
		return errors.New("load: no summaries: run bench/sidebyside (or vmload -summary) first")
	}
	steps := map[stepKey]map[string]Summary{}
	var keys []stepKey
	for _, s := range sums {
		k := stepKey{s.Flow, s.Arrivals, s.Concurrency}
		if steps[k] == nil {
			steps[k] = map[string]Summary{}
			keys = append(keys, k)
		}
		steps[k][s.Target] = s
	}
	slices.SortFunc(keys, func(a, b stepKey) int {
		return cmp.Or(cmp.Compare(b.flow, a.flow), cmp.Compare(arrivalsOrder(a.arrivals), arrivalsOrder(b.arrivals)), cmp.Compare(a.conc, b.conc))
	})

	runs := map[string]bool{}
	for _, s := range sums {
		runs[fmt.Sprintf("%s (app %s, Asterisk %s, PINs: %s)", s.Run, s.App, s.Asterisk, s.PINScheme)] = true
	}
	fmt.Fprintln(w, "Runs:")
	for _, r := range slices.Sorted(maps.Keys(runs)) {
		fmt.Fprintf(w, "* %s\n", r)
	}
	fmt.Fprintln(w)

	tableHead(w, "Caller side, key → first RTP packet of the answer, p50 / p95 / p99 in ms; ratio = ours / app_voicemail (below 1: ours answers sooner); n = keys timed (ours / app_voicemail); busy = the whole machine's CPU over the step (ours / app_voicemail).",
		"| flow | arrivals | calls | answer | ours | app_voicemail | ratio p50 / p95 / p99 | n | calls ok | busy |",
		"|---|---|---:|---|---|---|---|---|---|---|")
	for _, k := range keys {
		ours, avm := steps[k][TargetOurs], steps[k][TargetAVM]
		ok := fmt.Sprintf("%s / %s", okOf(ours), okOf(avm))
		busy := fmt.Sprintf("%s / %s", busyOf(ours), busyOf(avm))
		for _, label := range answerLabels(ours, avm) {
			o, a := findLatency(ours.Caller, label), findLatency(avm.Caller, label)
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
				k.flow, k.arrivals, k.conc, label, triple(o), triple(a), ratios(o, a), counts(o, a), ok, busy)
		}
	}
	fmt.Fprintln(w)

	tableHead(w, "This app's own side (Asterisk's timestamps, ms precision): ChannelDtmfReceived → the next PlaybackStarted, p50 / p95 / p99 in ms; its costs per call.",
		"| flow | arrivals | calls | keys → prompt: p50 / p95 / p99 (n) | the app's own clock, key in → play sent (its own share) and → play accepted: p50 / p95 / p99 at most (share within 5 ms) | app CPU per call | per live call: RSS / live heap | Redis commands per call | peak live |",
		"|---|---|---:|---|---|---:|---:|---:|---:|")
	for _, k := range keys {
		ours, ok := steps[k][TargetOurs]
		if !ok {
			continue
		}
		var parts []string
		for _, l := range ours.AppSide {
			parts = append(parts, fmt.Sprintf("`%s` %s (%d)", strings.TrimPrefix(l.Label, k.flow+" "), triple(&l), l.N))
		}
		if len(parts) == 0 {
			parts = []string{"not followed"}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %.1f ms | %.0f / %.0f KiB | %.1f | %d |\n",
			k.flow, k.arrivals, k.conc, strings.Join(parts, "<br>"), appClockCell(ours), ours.AppCPUPerCallMS, ours.RSSPerLiveKiB, ours.HeapPerLiveKiB, ours.RedisCmdsPerCall, ours.PeakLive)
	}
	return nil
}

// tableHead writes a table's introduction, then its header and alignment
// rows.
func tableHead(w io.Writer, intro, head, align string) {
	fmt.Fprintf(w, "%s\n\n%s\n%s\n", intro, head, align)
}

// ReplaceTable puts table between TableBegin and TableEnd in doc.
func ReplaceTable(doc, table []byte) ([]byte, error) {
	before, rest, ok := bytes.Cut(doc, []byte(TableBegin))
	if !ok {
		return nil, fmt.Errorf("load: no %q line in the document", TableBegin)
	}
	_, after, ok := bytes.Cut(rest, []byte(TableEnd))
	if !ok {
		return nil, fmt.Errorf("load: no %q line after the table's start", TableEnd)
	}
	var b bytes.Buffer
	b.Write(before)
	b.WriteString(TableBegin + "\n\n")
	b.Write(bytes.TrimSpace(table))
	b.WriteString("\n\n" + TableEnd)
	b.Write(after)
	return b.Bytes(), nil
}

func arrivalsOrder(a string) int {
	if a == ArrivalsSync {
		return 0
	}
	return 1
}

// answerLabels are the answers either target timed, in the order of the
// calls' keys.
func answerLabels(a, b Summary) []string {
	var out []string
	for _, l := range append(slices.Clone(a.Caller), b.Caller...) {
		if !slices.Contains(out, l.Label) {
			out = append(out, l.Label)
		}
	}
	return out
}

func findLatency(ls []Latency, label string) *Latency {
	for i := range ls {
		if ls[i].Label == label {
			return &ls[i]
		}
	}
	return nil
}

func triple(l *Latency) string {
	if l == nil || l.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f / %.1f / %.1f", l.P50, l.P95, l.P99)
}

func ratios(o, a *Latency) string {
	if o == nil || a == nil || o.N == 0 || a.N == 0 {
		return "–"
	}
	r := func(x, y float64) string {
		if y <= 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", x/y)
	}
	return r(o.P50, a.P50) + " / " + r(o.P95, a.P95) + " / " + r(o.P99, a.P99)
}

func counts(o, a *Latency) string {
	n := func(l *Latency) string {
		if l == nil {
			return "0"
		}
		return fmt.Sprint(l.N)
	}
	return n(o) + " / " + n(a)
}

func okOf(s Summary) string {
	if s.Calls == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", s.OK, s.Calls)
}

func busyOf(s Summary) string {
	if s.Calls == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", s.MachineBusy)
}

// appClockCell is the app's clock of a step: to the play sent, when the
// app measured it, and to the play accepted.
func appClockCell(s Summary) string {
	if s.AppSent == nil {
		return appOwnCell(s.AppOwn)
	}
	return "sent " + appOwnCell(s.AppSent) + "<br>accepted " + appOwnCell(s.AppOwn)
}

func appOwnCell(a *AppOwn) string {
	if a == nil {
		return "–"
	}
	f := func(ms float64) string {
		if ms < 0 {
			return "over 2 s"
		}
		return strconv.FormatFloat(ms, 'f', -1, 64)
	}
	return fmt.Sprintf("%s / %s / %s ms (%.1f %% of %d)", f(a.P50), f(a.P95), f(a.P99), 100*a.WithinFiveMS, a.N)
}
