package load

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a run measured.
type Report struct {
	Options Options
	Started time.Time
	// Asterisk is the version ARI reports (/asterisk/info).
	Asterisk string
	// AppVersion is the git commit the app was built from ("+dirty": with
	// uncommitted changes); "" for a given binary.
	AppVersion string
	// Redis is the address of the Redis the app used.
	Redis string
	// AppStartup is from starting the app to Asterisk listing its Stasis
	// app (provisioning included).
	AppStartup time.Duration
	// AppIdleRSS is the app's resident memory before the first step.
	AppIdleRSS int64
	// Idle is what the app, Asterisk and Redis used over idleWindow
	// before the first step, with no call of this run.
	Idle usage
	// AppLog is the app's log file (kept only with Options.KeepTemp).
	AppLog  string
	TempDir string
	// AppLogLevels counts the app's log lines by level.
	AppLogLevels map[string]int
	Steps        []*StepReport
}

// StepReport is one concurrency level.
type StepReport struct {
	Concurrency int
	// Target is the application called (TargetOurs or TargetAVM), Caller
	// the kind of caller.
	Target, Caller string
	// SIP is what the SIP callers measured (CallerSIP).
	SIP   *sippResult
	Calls []callResult
	// Wall is from the first call's start to the last call's end.
	Wall time.Duration
	// PeakLive is the most calls in progress at once, sampled every 100ms.
	PeakLive int
	// Used is the CPU time (user+system) of the app, Asterisk and this
	// tool, and the difference of Redis's INFO, over the step and its
	// settling time.
	Used usage
	// AppRSSBefore and AppRSSPeak are the app's resident memory before the
	// step and at its highest during it.
	AppRSSBefore, AppRSSPeak int64
	// HeapBefore and HeapPeak are the live Go heap the app's last
	// collection before the step found, and the most one during the step
	// found (GODEBUG=gctrace=1, MB precision).
	HeapBefore, HeapPeak int64
	// AppDTMF is the app's own key-to-prompt histogram over the step (its
	// voicemail_dtmf_to_prompt_seconds: key event in → play accepted).
	AppDTMF histogram
	// AppSent is the app's clock to the play written out, its own share
	// (voicemail_dtmf_to_play_sent_seconds: key event in → play sent).
	AppSent histogram
	// RedisShared is set when the Redis is not private to the run: other
	// clients' commands are counted too.
	RedisShared bool
}

// name is the step's row label: its concurrency, after the target with
// SIP callers.
func (s *StepReport) name() string {
	if s.Caller == CallerSIP {
		return s.Target + " " + strconv.Itoa(s.Concurrency)
	}
	return strconv.Itoa(s.Concurrency)
}

func (s *StepReport) failed() int {
	n := 0
	for _, c := range s.Calls {
		if !c.ok {
			n++
		}
	}
	return n
}

// callSeconds is the sum of the calls' durations: the integral of live
// calls over time.
func (s *StepReport) callSeconds() time.Duration {
	var d time.Duration
	for _, c := range s.Calls {
		d += c.end.Sub(c.start)
	}
	return d
}

func (s *StepReport) samples() []latencySample {
	var out []latencySample
	for _, c := range s.Calls {
		out = append(out, latencies(c.flow, c.events)...)
	}
	return out
}

// MaxZeroFailure is the highest concurrency of the steps that ran, in
// order, without a failed call; 0 if the first step failed.
func (r *Report) MaxZeroFailure() int {
	return r.MaxZeroFailureOf("")
}

// MaxZeroFailureOf is MaxZeroFailure for the steps of one target ("" for
// all).
func (r *Report) MaxZeroFailureOf(target string) int {
	best := 0
	for _, s := range r.Steps {
		if target != "" && s.Target != target {
			continue
		}
		if s.failed() > 0 {
			break
		}
		best = max(best, s.Concurrency)
	}
	return best
}

// Print writes the report as plain tables.
func (r *Report) Print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "vmload: caller=%s target=%s ", o.Caller, o.Target)
	fmt.Fprintf(w, "flow=%s steps=%v rounds=%d think=%s listen=%s talk=%s listen-end=%s pin-scheme=%s pin-cost=%d app-log=%s",
		o.Flow, o.Steps, o.Rounds, o.Think, o.Listen, o.Talk, o.ListenEnd, o.PINScheme, o.PINHashCost, o.AppLogLevel)
	if o.Caller == CallerSIP {
		fmt.Fprintf(w, " arrivals=%s follow=%t", o.Arrivals, o.Follow)
		if o.Arrivals == ArrivalsPoisson {
			fmt.Fprintf(w, " seed=%d", o.Seed)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "machine: %d CPUs, %s; Asterisk %s; Redis %s db %d (%s); app %s built with %s, start-up %s, idle RSS %s\n",
		runtime.NumCPU(), memTotal(), r.Asterisk, r.Redis, o.RedisDB, redisKind(o.Redis), cmp.Or(r.AppVersion, o.AppBinary), runtime.Version(), round(r.AppStartup), mib(r.AppIdleRSS))
	fmt.Fprintln(w)

	idle := r.Idle
	idleBusy := "-"
	if idle.MachineTotal > 0 {
		idleBusy = fmt.Sprintf("%.0f%%", 100*idle.MachineBusy.Seconds()/idle.MachineTotal.Seconds())
	}
	fmt.Fprintf(w, "idle use before the first step (%s, no call of this run): app %s/s, Asterisk %s/s, Redis %s/s of CPU, machine %s busy; the cost figures below are net of it\n\n",
		round(idle.Span), perSec(idle.AppCPU, idle.Span), perSec(idle.AsteriskCPU, idle.Span), perSec(idle.Redis.CPU, idle.Span), idleBusy)

	fmt.Fprintln(w, "Calls per step (a call succeeds when every expected prompt was heard in order, it ended with cause 16, and Redis shows its effect)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tcalls\tok\tfailed\tsuccess\tpeak live\tcall p50\tcall max\tstep wall\t")
	for _, s := range r.Steps {
		n := len(s.Calls)
		ok := n - s.failed()
		var durs dist
		for _, c := range s.Calls {
			durs = append(durs, c.end.Sub(c.start))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t%d\t%s\t%s\t%s\t\n",
			s.name(), n, ok, n-ok, pct(ok, n), s.PeakLive, round(durs.percentile(50)), round(durs.max()), round(s.Wall))
	}
	_ = tw.Flush()
	if o.Caller == CallerSIP {
		for _, t := range o.targets() {
			fmt.Fprintf(w, "highest concurrency with zero failed calls, %s: %d (of the steps run)\n", t, r.MaxZeroFailureOf(t))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "highest concurrency with zero failed calls: %d (of the steps run)\n\n", r.MaxZeroFailure())
	}

	fmt.Fprintln(w, "Cost per step (CPU = user+system time from /proc, net of idle use; per live call = CPU time / call time;")
	fmt.Fprintln(w, "machine busy = all CPUs over the step; others = busy time of every other process and the kernel: when high, the figures are contended)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tapp CPU/call\tapp CPU/live call\tapp RSS before\tapp RSS peak\tRSS/live call\theap/live call\tredis cmds/call\tscripts/call\tredis in/call\tredis CPU/call\tasterisk CPU/call\tloadgen CPU/call\tmachine busy\tof it others\t")
	for _, s := range r.Steps {
		n := len(s.Calls)
		u := s.Used
		perCall := func(d time.Duration) string {
			if n == 0 {
				return "-"
			}
			return ms(d / time.Duration(n))
		}
		appCPU := netOfIdle(u.AppCPU, idle.AppCPU, u.Span, idle.Span)
		liveShare := "-"
		if cs := s.callSeconds(); cs > 0 {
			liveShare = fmt.Sprintf("%.2f%%", 100*appCPU.Seconds()/cs.Seconds())
		}
		rssPerLive, heapPerLive := "-", "-"
		if s.PeakLive > 0 {
			rssPerLive = kib((s.AppRSSPeak - s.AppRSSBefore) / int64(s.PeakLive))
			if s.Target != TargetAVM && s.HeapPeak > 0 {
				heapPerLive = kib((s.HeapPeak - s.HeapBefore) / int64(s.PeakLive))
			}
		}
		ast := "-"
		if u.AsteriskOK && idle.AsteriskOK {
			ast = perCall(netOfIdle(u.AsteriskCPU, idle.AsteriskCPU, u.Span, idle.Span))
		}
		shared := ""
		if s.RedisShared {
			shared = "*"
		}
		busy, others := "-", "-"
		if u.MachineTotal > 0 {
			busy = fmt.Sprintf("%.0f%%", 100*u.MachineBusy.Seconds()/u.MachineTotal.Seconds())
			// Everything but the app, Asterisk, Redis and this tool: other
			// processes and the kernel's own work.
			rest := u.MachineBusy - u.AppCPU - u.AsteriskCPU - u.Redis.CPU - u.LoadgenCPU
			others = fmt.Sprintf("%.0f%%", max(0, 100*rest.Seconds()/u.MachineTotal.Seconds()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			s.name(), perCall(appCPU), liveShare, mib(s.AppRSSBefore), mib(s.AppRSSPeak), rssPerLive, heapPerLive,
			ratio(u.Redis.total(), n)+shared, ratio(u.Redis.Calls["evalsha"]+u.Redis.Calls["eval"], n)+shared,
			bytesPer(u.Redis.NetIn, n)+shared, perCall(netOfIdle(u.Redis.CPU, idle.Redis.CPU, u.Span, idle.Span))+shared,
			ast, perCall(u.LoadgenCPU), busy, others)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)

	fmt.Fprintln(w, "DTMF-to-prompt latency (ChannelDtmfReceived → next PlaybackStarted on the voicemail channel, Asterisk timestamps, ms precision)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tkeys → first prompt\tn\tp50\tp95\tp99\tmax\t")
	for _, s := range r.Steps {
		if s.Target == TargetAVM {
			continue // no ARI events
		}
		samples := s.samples()
		if len(samples) == 0 && o.Caller == CallerSIP && !o.Follow {
			fmt.Fprintf(tw, "%s\tnot followed (-follow)\t\t\t\t\t\t\n", s.name())
			continue
		}
		var all dist
		byLabel := map[string]dist{}
		var labels []string
		for _, x := range samples {
			if !x.toRecording {
				all = append(all, x.d)
			}
			if _, seen := byLabel[x.label]; !seen {
				labels = append(labels, x.label)
			}
			byLabel[x.label] = append(byLabel[x.label], x.d)
		}
		row := func(label string, d dist) {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", s.name(), label, len(d),
				ms(d.percentile(50)), ms(d.percentile(95)), ms(d.percentile(99)), ms(d.max()))
		}
		row("all keys → prompt", all)
		for _, l := range labels {
			row(l, byLabel[l])
		}
	}
	_ = tw.Flush()
	for _, s := range r.Steps {
		if s.Target == TargetAVM {
			continue
		}
		for _, c := range []struct {
			what string
			h    histogram
		}{{"own clock (key event in → play accepted)", s.AppDTMF}, {"own share (key event in → play sent)", s.AppSent}} {
			if c.h.count() > 0 {
				fmt.Fprintf(w, "  %s: the app's %s, %0.f keys: p50 ≤ %s, p95 ≤ %s, p99 ≤ %s; %.1f%% within 5 ms\n",
					s.name(), c.what, c.h.count(), bound(c.h.quantile(0.50)), bound(c.h.quantile(0.95)), bound(c.h.quantile(0.99)), 100*c.h.within(0.005))
			}
		}
	}
	fmt.Fprintln(w)

	if o.Caller == CallerSIP {
		r.printCallerLatency(w)
	}

	if last := r.lastStep(); last != nil && len(last.Used.Redis.Calls) > 0 {
		fmt.Fprintf(w, "Redis commands per call at concurrency %d (INFO commandstats; commands inside Lua scripts are counted, EVALSHA once per script)\n", last.Concurrency)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "command\tcalls\tper call\t")
		type kv struct {
			k string
			v int64
		}
		var cmds []kv
		for k, v := range last.Used.Redis.Calls {
			cmds = append(cmds, kv{k, v})
		}
		slices.SortFunc(cmds, func(a, b kv) int { return cmp.Or(cmp.Compare(b.v, a.v), strings.Compare(a.k, b.k)) })
		for _, c := range cmds {
			fmt.Fprintf(tw, "%s\t%d\t%s\t\n", c.k, c.v, ratio(c.v, len(last.Calls)))
		}
		_ = tw.Flush()
		fmt.Fprintln(w)
	}

	reasons := map[string]int{}
	for _, s := range r.Steps {
		for _, c := range s.Calls {
			if !c.ok {
				reasons[fmt.Sprintf("step %s %s: %s", s.name(), c.flow, c.reason)]++
			}
		}
	}
	if len(reasons) > 0 {
		fmt.Fprintln(w, "Failures")
		keys := make([]string, 0, len(reasons))
		for k := range reasons {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %3d × %s\n", reasons[k], k)
		}
		fmt.Fprintln(w)
	}
	if len(r.AppLogLevels) > 0 {
		fmt.Fprintf(w, "app log lines by level: %v", r.AppLogLevels)
		if o.KeepTemp {
			fmt.Fprintf(w, " (%s)", r.AppLog)
		}
		fmt.Fprintln(w)
	}
}

// printCallerLatency writes the key → first RTP packet table of SIP steps.
func (r *Report) printCallerLatency(w io.Writer) {
	fmt.Fprintln(w, "Caller-side latency (sniffed on lo, kernel timestamps: a key's first RFC 4733 End packet → the first RTP packet Asterisk sends back after silence;")
	fmt.Fprintln(w, "keys that came while a prompt played are not timed: in prompt)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tkey → answer\tn\tp50\tp95\tp99\tmax\t")
	for _, s := range r.Steps {
		if s.SIP == nil {
			continue
		}
		byLabel := map[string]dist{}
		var labels []string
		var menu dist
		for _, k := range s.SIP.keys {
			if _, seen := byLabel[k.label]; !seen {
				labels = append(labels, k.label)
			}
			byLabel[k.label] = append(byLabel[k.label], k.d)
			if k.label != labelPIN {
				menu = append(menu, k.d)
			}
		}
		row := func(label string, d dist) {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", s.name(), label, len(d),
				ms(d.percentile(50)), ms(d.percentile(95)), ms(d.percentile(99)), ms(d.max()))
		}
		if len(labels) > 1 {
			row("all but the PIN", menu)
		}
		for _, l := range labels {
			row(l, byLabel[l])
		}
	}
	_ = tw.Flush()
	r.printLegs(w)
	for _, s := range r.Steps {
		if s.SIP == nil {
			continue
		}
		astCores := "-"
		if s.Used.AsteriskOK && s.Used.Span > 0 {
			astCores = fmt.Sprintf("%.2f", s.Used.AsteriskCPU.Seconds()/s.Used.Span.Seconds())
		}
		fmt.Fprintf(w, "  %s: %d calls seen on the wire, %d keys in a prompt (not timed), %d keys without an answer, %d packets dropped by the capture; CPU over the step in cores: Asterisk %s, sipp %.2f, this tool %.2f\n",
			s.name(), s.SIP.streams, s.SIP.inPrompt, s.SIP.unanswered, s.SIP.dropped,
			astCores, s.SIP.sippCPU.Seconds()/s.Used.Span.Seconds(), s.Used.LoadgenCPU.Seconds()/s.Used.Span.Seconds())
	}
	fmt.Fprintln(w)
}

// printLegs writes where this app's timed keys spent their time on the
// wire (splitKeys): Asterisk's event, the app, Asterisk's play.
func (r *Report) printLegs(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := false
	for _, s := range r.Steps {
		if s.SIP == nil || len(s.SIP.legs) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w, "  where this app's keys spent it, on the same wire: the DTMF End → ChannelDtmfReceived leaves Asterisk (event) → the play request reaches")
			fmt.Fprintln(w, "  Asterisk (app: its whole share) → the first RTP packet (play); p50 / p95 in ms, over the keys the ARI frames could be tied to (n)")
			fmt.Fprintln(tw, "step	keys	n	event	app	play	")
			header = true
		}
		var menu, pin [3]dist
		for _, k := range s.SIP.legs {
			d := &menu
			if k.label == labelPIN {
				d = &pin
			}
			d[0], d[1], d[2] = append(d[0], k.event), append(d[1], k.app), append(d[2], k.play)
		}
		for _, row := range []struct {
			name string
			d    [3]dist
		}{{"all but the PIN", menu}, {labelPIN, pin}} {
			if len(row.d[0]) == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t", s.name(), row.name, len(row.d[0]))
			for _, d := range row.d {
				fmt.Fprintf(tw, "%.2f / %.2f\t", d.percentile(50).Seconds()*1e3, d.percentile(95).Seconds()*1e3)
			}
			fmt.Fprintln(tw)
		}
	}
	_ = tw.Flush()
}

// lastStep is the highest step that ran against this app (app_voicemail
// sends no Redis commands).
func (r *Report) lastStep() *StepReport {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Target != TargetAVM {
			return r.Steps[i]
		}
	}
	return nil
}

// countLogLevels counts the JSON log lines of path by "level".
func countLogLevels(path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Level string `json:"level"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Level != "" {
			out[l.Level]++
		} else {
			out["other"]++
		}
	}
	return out
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	return fmt.Sprintf("%.1f GiB RAM", float64(statusKB(string(b), "MemTotal:"))/(1<<20))
}

func redisKind(addr string) string {
	if addr == "" {
		return "private redis-server"
	}
	return "shared: * marks figures that include other clients"
}

// perSec is d per second of span, in ms/s.
func perSec(d, span time.Duration) string {
	if span <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)/span.Seconds())
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func round(d time.Duration) string {
	return d.Round(10 * time.Millisecond).String()
}

func mib(b int64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

func kib(b int64) string { return fmt.Sprintf("%.0fKiB", float64(b)/(1<<10)) }

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func ratio(a int64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(a)/float64(n))
}

func bytesPer(b int64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fKiB", float64(b)/float64(n)/1024)
}

// bound writes a histogram bucket's upper bound in ms.
func bound(secs float64) string {
	if math.IsInf(secs, 1) {
		return "∞"
	}
	return strconv.FormatFloat(secs*1000, 'f', -1, 64) + "ms"
}
