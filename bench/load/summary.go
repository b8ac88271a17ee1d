package load

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// Summary is one step of a run in figures, one JSON line each
// (Report.WriteSummary): what bench/cmd/vmtable reads to make the
// side-by-side table of BENCHMARKS.md, so that the table is always made
// from measured runs and never typed in.
type Summary struct {
	// Run is when the run started (RFC 3339), App the app's commit,
	// Asterisk Asterisk's version.
	Run, App, Asterisk string
	Flow, Target       string
	Arrivals           string
	Seed               int64 `json:",omitempty"`
	PINScheme          string
	Concurrency        int
	Calls, OK          int
	PeakLive           int
	// MachineBusy is all CPUs' busy share over the step, in percent;
	// AsteriskCores the cores Asterisk used on average.
	MachineBusy, AsteriskCores float64
	// AppCPUPerCallMS, RSSPerLiveKiB, HeapPerLiveKiB (the live Go heap's
	// growth per live call) and RedisCmdsPerCall are this app's costs (0
	// for app_voicemail).
	AppCPUPerCallMS, RSSPerLiveKiB, HeapPerLiveKiB, RedisCmdsPerCall float64
	// Caller are the caller-side latencies by answer (key → first RTP
	// packet), AppSide this app's ChannelDtmfReceived → PlaybackStarted
	// by keys and prompt.
	Caller, AppSide []Latency
	// AppOwn is the app's own clock over the step (key event in → play
	// accepted, its voicemail_dtmf_to_prompt_seconds): the bucket bounds
	// holding p50, p95 and p99, in ms, and the share within 5 ms.
	AppOwn *AppOwn `json:",omitempty"`
	// AppSent is the same to the play command written out, the app's
	// own share (voicemail_dtmf_to_play_sent_seconds); nil from an app
	// that did not measure it.
	AppSent *AppOwn `json:",omitempty"`
	// InPrompt and Unanswered count the keys not timed; Dropped the
	// packets the capture lost.
	InPrompt, Unanswered int
	Dropped              uint32
}

// AppOwn is a histogram's quantiles, as bucket bounds in ms (+Inf as -1).
type AppOwn struct {
	N             int
	P50, P95, P99 float64
	WithinFiveMS  float64
}

func appOwnOf(h histogram) *AppOwn {
	if h.count() == 0 {
		return nil
	}
	ms := func(s float64) float64 {
		if math.IsInf(s, 1) {
			return -1
		}
		return s * 1000
	}
	return &AppOwn{N: int(h.count()), P50: ms(h.quantile(0.5)), P95: ms(h.quantile(0.95)), P99: ms(h.quantile(0.99)), WithinFiveMS: h.within(0.005)}
}

// Latency is one distribution in milliseconds.
type Latency struct {
	Label              string
	N                  int
	P50, P95, P99, Max float64
}

func latencyOf(label string, d dist) Latency {
	f := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	return Latency{Label: label, N: len(d), P50: f(d.percentile(50)), P95: f(d.percentile(95)), P99: f(d.percentile(99)), Max: f(d.max())}
}

// summary is the figures of step s.
func (r *Report) summary(s *StepReport) Summary {
	o := r.Options
	out := Summary{
		Run: r.Started.UTC().Format(time.RFC3339), App: r.AppVersion, Asterisk: r.Asterisk,
		Target: s.Target, Arrivals: o.Arrivals, PINScheme: o.PINScheme,
		Concurrency: s.Concurrency, Calls: len(s.Calls), OK: len(s.Calls) - s.failed(), PeakLive: s.PeakLive,
	}
	if len(s.Calls) > 0 {
		out.Flow = s.Calls[0].flow
	}
	if o.Arrivals == ArrivalsPoisson {
		out.Seed = o.Seed
	}
	u, idle := s.Used, r.Idle
	if u.MachineTotal > 0 {
		out.MachineBusy = 100 * u.MachineBusy.Seconds() / u.MachineTotal.Seconds()
	}
	if u.AsteriskOK && u.Span > 0 {
		out.AsteriskCores = u.AsteriskCPU.Seconds() / u.Span.Seconds()
	}
	if n := len(s.Calls); n > 0 && s.Target != TargetAVM {
		out.AppCPUPerCallMS = float64(netOfIdle(u.AppCPU, idle.AppCPU, u.Span, idle.Span)) / float64(time.Millisecond) / float64(n)
		out.RedisCmdsPerCall = float64(u.Redis.total()) / float64(n)
		if s.PeakLive > 0 {
			out.RSSPerLiveKiB = float64(s.AppRSSPeak-s.AppRSSBefore) / 1024 / float64(s.PeakLive)
			out.HeapPerLiveKiB = float64(s.HeapPeak-s.HeapBefore) / 1024 / float64(s.PeakLive)
		}
	}
	if s.SIP != nil {
		byLabel, labels := grouped(s.SIP.keys, func(k keySample) (string, time.Duration) { return k.label, k.d })
		var menu dist
		for _, l := range labels {
			out.Caller = append(out.Caller, latencyOf(l, byLabel[l]))
			if l != labelPIN {
				menu = append(menu, byLabel[l]...)
			}
		}
		if len(labels) > 2 {
			out.Caller = append(out.Caller, latencyOf(labelMenu, menu))
		}
		out.InPrompt, out.Unanswered, out.Dropped = s.SIP.inPrompt, s.SIP.unanswered, s.SIP.dropped
	}
	if s.Target != TargetAVM {
		out.AppOwn = appOwnOf(s.AppDTMF)
		out.AppSent = appOwnOf(s.AppSent)
		byLabel, labels := grouped(s.samples(), func(x latencySample) (string, time.Duration) { return x.label, x.d })
		for _, l := range labels {
			out.AppSide = append(out.AppSide, latencyOf(l, byLabel[l]))
		}
	}
	return out
}

// WriteSummary writes one JSON line per step (Summary).
func (r *Report) WriteSummary(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, s := range r.Steps {
		if err := enc.Encode(r.summary(s)); err != nil {
			return fmt.Errorf("load: summary: %w", err)
		}
	}
	return nil
}

// grouped gathers the durations of xs by label, the labels in the order
// they first came.
func grouped[T any](xs []T, of func(T) (string, time.Duration)) (map[string]dist, []string) {
	by, labels := map[string]dist{}, []string(nil)
	for _, x := range xs {
		l, d := of(x)
		if _, seen := by[l]; !seen {
			labels = append(labels, l)
		}
		by[l] = append(by[l], d)
	}
	return by, labels
}
