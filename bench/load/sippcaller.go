package load

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// The SIP caller: one sipp process per step and target places every call
// of the step, each with its own From user (an injection file), and plays
// one pcap whose keys sit at fixed offsets after the answer
// (sippSchedules). A loopback sniffer times each key to the first packet
// of the answering prompt.

//go:embed scenarios/load.xml
var loadScenario string

// Route prefixes of [sipp-in] (testenv/asterisk/extensions.conf): load-X
// is X in [vm-load] (this app), avm-X is X in [avm-load] (app_voicemail).
var routePrefix = map[string]string{TargetOurs: "load-", TargetAVM: "avm-"}

// sippResult is what one sipp step gave.
type sippResult struct {
	calls []callResult
	// keys are the answered keys of every call, labelled.
	keys []keySample
	// inPrompt counts keys that came while a prompt played (no latency).
	inPrompt int
	// unanswered counts scheduled answer keys with no packet after them.
	unanswered int
	// peakLive is the most calls in progress (sipp's CurrentCall).
	peakLive int
	// dropped counts packets the sniffer's socket dropped.
	dropped uint32
	// streams is the number of calls the sniffer saw.
	streams int
	// sippCPU is the user+system time of the sipp process.
	sippCPU time.Duration
	// legs split this app's timed keys where the ARI frames could be tied
	// to them (splitKeys).
	legs []keyLegs
}

// keySample is one caller-side latency.
type keySample struct {
	label string
	d     time.Duration
}

// sippCalls places conc calls of flow to target with one sipp process.
func (r *runner) sippCalls(ctx context.Context, target, flow string, conc int) (*sippResult, error) {
	sched := scheduleFor(target, flow)
	if r.o.Schedule != "" {
		var err error
		if sched, err = parseSchedule(r.o.Schedule, flow == FlowDeposit, r.o.ScheduleLength); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp(r.tempDir, "sipp-"+target+"-"+flow+"-")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	pcap := filepath.Join(dir, "media.pcap")
	f, err := os.Create(pcap)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	err = sipp.WriteSchedule(f, sched.schedule())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("load: schedule: %w", err)
	}
	hold := sched.length + r.o.CallTimeout
	xml := strings.NewReplacer("MEDIA_PCAP", pcap, "HOLD_MS", strconv.FormatInt(hold.Milliseconds(), 10)).Replace(loadScenario)
	if err := os.WriteFile(filepath.Join(dir, "load.xml"), []byte(xml), 0o644); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}

	ramp := max(r.o.Ramp, time.Duration(conc)*time.Second/time.Duration(r.o.SIPRate))
	rate := max(1, int((float64(conc)/ramp.Seconds())+0.999))
	// With Poisson arrivals every call waits for its arrival time before
	// its INVITE, counted from when sipp starts it (at rate).
	var delays []time.Duration
	if r.o.Arrivals == ArrivalsPoisson {
		delays = poissonDelays(r.o.Seed+int64(conc), conc, callLength(flow), rate)
	}

	// One line per call: the From user, the extension and the wait
	// before the INVITE.
	var inj strings.Builder
	inj.WriteString("SEQUENTIAL\n")
	res := &sippResult{}
	var spread time.Duration
	byFrom := map[string]int{}
	for slot := range conc {
		var c callResult
		c.flow, c.target = flow, target
		switch flow {
		case FlowListen:
			c.mailbox = r.listenBox(slot)
			c.callerNum = c.mailbox.Number
			c.extension = "*97"
		default:
			c.mailbox = r.depositBox(slot)
			c.callerNum = "9" + strconv.Itoa(100000+int(r.seq.Add(1)))
			c.extension = "dep" + c.mailbox.Number
		}
		var delay time.Duration
		if delays != nil {
			delay = delays[slot]
			spread = max(spread, delay)
		}
		fmt.Fprintf(&inj, "%s;%s%s;%d;\n", c.callerNum, routePrefix[target], c.extension, delay.Milliseconds())
		byFrom[c.callerNum] = len(res.calls)
		res.calls = append(res.calls, c)
	}
	if err := os.WriteFile(filepath.Join(dir, "calls.csv"), []byte(inj.String()), 0o644); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}

	ports, err := sipp.ReservePorts()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer ports.Release()
	sn, err := startSniffer(uint16(ports.Media))
	if err != nil {
		return nil, err
	}
	// This app's keys split into Asterisk's legs and the app's, from the
	// ARI frames on the same wire.
	var ariSn *sniffer
	if target == TargetOurs {
		if ariSn, err = startARISniffer(r.o.ariPort()); err != nil {
			sn.close()
			return nil, err
		}
	}
	closeSniffers := func() *keyTracker {
		if ariSn != nil {
			ariSn.close()
			res.dropped += ariSn.dropped
		}
		tr := sn.close()
		res.dropped += sn.dropped
		return tr
	}
	// App-side latency of this app, with -follow: the caller app follows
	// the SIP channels by their caller number.
	var watched []*call
	defer func() {
		for _, cl := range watched {
			r.caller.Forget(cl.Call)
		}
	}()
	if target == TargetOurs && r.o.Follow {
		for i := range res.calls {
			cl, err := r.follow(ctx, res.calls[i].callerNum)
			if err != nil {
				closeSniffers()
				return nil, err
			}
			watched = append(watched, cl)
		}
	}

	logPath := filepath.Join(dir, "calls.log")
	statPath := filepath.Join(dir, "stat.csv")
	args := []string{
		r.o.SIPTarget,
		"-sf", filepath.Join(dir, "load.xml"),
		"-inf", filepath.Join(dir, "calls.csv"),
		"-m", strconv.Itoa(conc), "-l", strconv.Itoa(conc),
		"-r", strconv.Itoa(rate), "-rp", "1000",
		"-i", "127.0.0.1", "-p", strconv.Itoa(ports.SIP), "-cp", strconv.Itoa(ports.Control),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(ports.Media),
		"-nostdin", "-f", "3600",
		"-trace_logs", "-log_file", logPath,
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_stat", "-stf", statPath, "-fd", "1",
		"-timeout", strconv.Itoa(int((ramp+spread+hold+30*time.Second)/time.Second)) + "s",
		"-timeout_error",
	}
	r.log.Info("sipp", zap.String("target", target), zap.String("flow", flow), zap.Int("calls", conc), zap.Int("rate", rate),
		zap.String("arrivals", r.o.Arrivals), zap.Duration("spread", spread), zap.String("dir", dir))
	cmd := exec.CommandContext(ctx, "sipp", args...)
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, "sipp.out"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	r.live.Store(0)
	started := time.Now()
	runErr := cmd.Run()
	_ = out.Close()
	if ps := cmd.ProcessState; ps != nil {
		res.sippCPU = ps.UserTime() + ps.SystemTime()
	}
	// The last answer (goodbye) has been sent by now.
	tr := closeSniffers()

	if err := readSippLog(logPath, started, byFrom, res.calls); err != nil {
		return nil, err
	}
	res.peakLive = peakCurrentCalls(statPath)
	for i := range res.calls {
		c := &res.calls[i]
		if c.reason == "" && !c.ok {
			c.reason = "sipp: no end of call logged"
			if runErr != nil {
				c.reason += " (sipp: " + runErr.Error() + "; see " + dir + ")"
			}
		}
		if watched != nil {
			c.events = watched[i].snapshot()
		}
	}
	res.streams = len(tr.calls)
	labels := sched.keyLabels()
	if ariSn != nil {
		res.legs = splitKeys(tr, ariSn.frames, labels)
	}
	for _, rc := range tr.calls {
		for _, k := range rc.keys {
			if k.index >= len(labels) || labels[k.index] == "" {
				continue // a digit before the last of its group
			}
			switch {
			case k.inPrompt:
				res.inPrompt++
			case !k.answered:
				res.unanswered++
			default:
				res.keys = append(res.keys, keySample{label: labels[k.index], d: k.latency})
			}
		}
		if r.o.Timeline && rc == firstCall(tr) {
			r.printTimeline(target, flow, rc)
		}
	}
	return res, nil
}

// readSippLog fills each call's start, end and outcome from the log lines
// of the scenario (scenarios/load.xml).
func readSippLog(path string, started time.Time, byFrom map[string]int, calls []callResult) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load: sipp log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(strings.TrimSpace(sc.Text()), ";")
		if len(fields) < 3 {
			continue
		}
		i, ok := byFrom[fields[0]]
		if !ok {
			continue
		}
		c := &calls[i]
		tick, _ := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		at := started.Add(time.Duration(tick) * time.Millisecond)
		switch fields[1] {
		case "start":
			c.start = at
		case "bye":
			c.end = at
			cause := fields[2]
			if cause == "" || cause == strconv.Itoa(causeNormal) {
				c.ok = true
			} else {
				c.reason = "Asterisk hung up with cause " + cause
			}
		case "timeout":
			c.end = at
			c.reason = "no BYE from Asterisk within the call's time: the flow did not end"
		}
	}
	return sc.Err()
}

// peakCurrentCalls is the highest CurrentCall of sipp's statistics file.
func peakCurrentCalls(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.Comma = ';'
	rd.FieldsPerRecord = -1
	col, peak := -1, 0
	for {
		rec, err := rd.Read()
		if err == io.EOF || (err != nil && rec == nil) {
			return peak
		}
		if col < 0 {
			for i, h := range rec {
				if h == "CurrentCall" {
					col = i
				}
			}
			continue
		}
		if col < len(rec) {
			if n, err := strconv.Atoi(rec[col]); err == nil {
				peak = max(peak, n)
			}
		}
	}
}

// firstCall is the call of tr that started first (the lowest first key).
func firstCall(tr *keyTracker) *rtpCall {
	var best *rtpCall
	for _, c := range tr.calls {
		if len(c.keys) == 0 {
			continue
		}
		if best == nil || c.keys[0].at.Before(best.keys[0].at) {
			best = c
		}
	}
	return best
}

// printTimeline prints the keys of one call and the latencies measured
// from them, to check that a schedule's keys fall into silence.
func (r *runner) printTimeline(target, flow string, c *rtpCall) {
	fmt.Fprintf(r.o.Out, "timeline of one %s %s call (Asterisk port %d):\n", target, flow, c.asteriskPort)
	t0 := c.first
	for _, b := range c.bursts {
		fmt.Fprintf(r.o.Out, "  prompt %7.3fs – %7.3fs  %d packets, %d not audio\n", b.start.Sub(t0).Seconds(), b.end.Sub(t0).Seconds(), b.packets, b.other)
	}
	for _, k := range c.keys {
		fmt.Fprintf(r.o.Out, "  key %c at %7.3fs in-prompt=%v answered=%v after %s\n", k.digit, k.at.Sub(t0).Seconds(), k.inPrompt, k.answered, ms(k.latency))
	}
}
