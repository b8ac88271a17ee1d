package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// listenPIN is the PIN of the listening mailboxes: their own, not the
// default, so no first-login walk-through applies.
const listenPIN = "2580"

// Mailbox numbers: slot i listens in listenBase+i and deposits into
// depositBase+i, in this app's context and in app_voicemail's (testenv/up
// writes avmload's mailboxes 10000-10999 and 11000-11999, PIN 2580), so a
// SIP caller's From user is the mailbox of its *97 in both.
const (
	listenBase  = 10000
	depositBase = 11000
	// slotLimit is the number of mailboxes of each kind.
	slotLimit = 1000
)

// runner holds what one run shares.
type runner struct {
	// appStarted is when the app under test was started (its collection
	// trace counts from then).
	appStarted time.Time
	// opsAddr is the app's operations server (its /metrics).
	opsAddr string
	o       *Options
	log     *zap.Logger
	client  *ari.Client
	caller  *testenv.Caller
	redis   *redisServer
	store   *state.Store
	app     *appProcess
	astPID  int
	// tempDir is the run's temporary directory.
	tempDir string
	// seed is the stored recording the listening mailboxes' messages play.
	seed  string
	runID string
	callN atomic.Int64
	seq   atomic.Int64
	live  atomic.Int64
}

// Run provisions, starts the app under test, runs every step and returns
// the report; it cleans up after itself (the app, the caller app, the
// recordings it made, the Redis data) whatever happens.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	r := &runner{o: &o, log: o.Log, runID: randomHex(3)}
	rep := &Report{Options: o, Started: time.Now()}
	client, err := ari.New(ari.Config{URL: o.ARIURL, Username: o.ARIUser, Password: o.ARIPass, Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	r.client = client
	info, err := client.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: ARI at %s: %w (run testenv/up)", o.ARIURL, err)
	}
	rep.Asterisk = info.System.Version
	if _, err := client.Application(ctx, o.App); err == nil {
		return nil, fmt.Errorf("load: the Stasis app %q is registered already: another load run (or instance) is using it", o.App)
	}

	dir, err := os.MkdirTemp("", "vmload-")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	rep.TempDir = dir
	r.tempDir = dir
	defer func() {
		if !o.KeepTemp {
			_ = os.RemoveAll(dir)
		}
	}()

	r.redis, err = startRedis(ctx, o.Redis, o.RedisDB, dir)
	if err != nil {
		return nil, err
	}
	defer r.redis.close(context.Background())
	rep.Redis = r.redis.Addr
	r.store, err = state.New(state.Config{}, r.redis.rdb)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}

	bin := o.AppBinary
	if bin == "" {
		o.Log.Info("building the app", zap.String("module", o.ModuleDir))
		pkg := "./cmd/voicemail"
		if o.AppProfile != "" {
			pkg = "./bench/cmd/vmappprof"
		}
		if bin, err = buildApp(ctx, o.ModuleDir, pkg, dir); err != nil {
			return nil, err
		}
		rep.AppVersion = moduleVersion(ctx, o.ModuleDir)
	}
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	r.opsAddr = "127.0.0.1:" + strconv.Itoa(port)
	cfgPath, err := writeAppConfig(dir, &o, r.redis.Addr, r.redis.DB, r.mailboxes(), r.opsAddr)
	if err != nil {
		return nil, err
	}

	// The caller app connects first and leaves last, so no call of the
	// app under test outlives the app that follows it.
	r.caller, err = newCaller(ctx, client, o.Log)
	if err != nil {
		return nil, err
	}
	defer r.caller.Close()

	o.Log.Info("starting the app", zap.String("app", o.App), zap.Int("mailboxes", len(r.mailboxes())))
	started := time.Now()
	// The runtime's collection trace gives the live heap (gctrace.go).
	env := []string{"GODEBUG=gctrace=1"}
	if o.AppProfile != "" {
		env = append(env, "VMLOAD_CPUPROFILE="+o.AppProfile+".cpu", "VMLOAD_MEMPROFILE="+o.AppProfile+".mem",
			"VMLOAD_TRACE="+o.AppProfile+".trace")
	}
	r.app, err = startApp(bin, cfgPath, dir, env...)
	if err != nil {
		return nil, err
	}
	r.appStarted = started
	rep.AppLog = r.app.logPath
	defer func() {
		if err := r.app.stop(); err != nil {
			o.Log.Warn("stopping the app", zap.Error(err))
		}
		rep.AppLogLevels = countLogLevels(r.app.logPath)
	}()
	if err := r.waitRegistered(ctx); err != nil {
		return nil, err
	}
	rep.AppStartup = time.Since(started)
	defer r.cleanRecordings()
	if slices.Contains(o.targets(), TargetAVM) {
		defer r.avmCleanup()
	}

	if o.Flow != FlowDeposit && slices.Contains(o.targets(), TargetOurs) {
		if err := r.makeSeed(ctx); err != nil {
			return nil, err
		}
	}
	r.astPID = findProcess("asterisk")
	// Let the start-up message-waiting publications settle, then measure
	// what the app, Asterisk and Redis use with no call of ours, to take
	// it out of the steps' figures.
	if err := sleepCtx(ctx, o.Settle); err != nil {
		return nil, err
	}
	idleStart, err := r.measure(ctx)
	if err != nil {
		return nil, err
	}
	if err := sleepCtx(ctx, idleWindow); err != nil {
		return nil, err
	}
	idleEnd, err := r.measure(ctx)
	if err != nil {
		return nil, err
	}
	rep.Idle = idleEnd.sub(idleStart)
	rep.AppIdleRSS = idleEnd.app.RSS
	if o.AppProfile != "" {
		if err := r.app.startProfile(); err != nil {
			return nil, fmt.Errorf("load: start the app's CPU profile: %w", err)
		}
	}

	// Each target goes on until its first step with a failed call (or
	// every step, with KeepGoing).
	stopped := map[string]bool{}
	for _, c := range o.Steps {
		for _, target := range o.targets() {
			if stopped[target] {
				continue
			}
			o.Log.Info("step", zap.Int("concurrency", c), zap.String("target", target))
			st, err := r.step(ctx, c, target)
			if err != nil {
				return rep, err
			}
			rep.Steps = append(rep.Steps, st)
			if st.failed() > 0 && !o.KeepGoing {
				stopped[target] = true
			}
			if r.app.Exited() {
				return rep, errors.New("load: the app exited during the run; see " + r.app.logPath)
			}
		}
	}
	return rep, nil
}

// mailboxes are the mailboxes to provision: one per slot and flow.
func (r *runner) mailboxes() []appMailbox {
	var out []appMailbox
	for slot := range r.o.maxSlots() {
		switch r.flowOf(slot) {
		case FlowListen:
			out = append(out, appMailbox{ID: r.listenBox(slot).String(), PIN: listenPIN})
		case FlowDeposit:
			out = append(out, appMailbox{ID: r.depositBox(slot).String()})
		}
	}
	return out
}

// flowOf is the flow of a slot.
func (r *runner) flowOf(slot int) string {
	if r.o.Flow != FlowMixed {
		return r.o.Flow
	}
	if slot%2 == 0 {
		return FlowListen
	}
	return FlowDeposit
}

func (r *runner) listenBox(slot int) state.MailboxID {
	return state.MailboxID{Number: strconv.Itoa(listenBase + slot), Context: r.o.MailboxContext}
}

func (r *runner) depositBox(slot int) state.MailboxID {
	return state.MailboxID{Number: strconv.Itoa(depositBase + slot), Context: r.o.MailboxContext}
}

func (r *runner) nextCallID() string {
	return "vmload-" + r.runID + "-" + strconv.FormatInt(r.callN.Add(1), 10)
}

// waitRegistered waits until Asterisk lists the app: it provisions its
// mailboxes before it connects, so they exist then.
func (r *runner) waitRegistered(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		if _, err := r.client.Application(ctx, r.o.App); err == nil {
			return nil
		}
		if r.app.Exited() {
			return errors.New("load: the app exited at start-up; see " + r.app.logPath)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("load: the app did not register %q with Asterisk: %w; see %s", r.o.App, err, r.app.logPath)
		}
	}
}

// makeSeed records about 4 s of a prompt into a stored recording of our
// own, which every seeded message plays: Local/talk@vm-load plays vm-intro
// on its dialplan side while the caller app records the other side.
func (r *runner) makeSeed(ctx context.Context) error {
	r.seed = "vmload/seed-" + r.runID
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Recorded on A: placed so that ARI can record it.
	cl, err := r.dial(ctx, "talk", `"Load seed" <8000>`, testenv.Recordable())
	if err != nil {
		return fmt.Errorf("load: seed recording: %w", err)
	}
	defer r.caller.Forget(cl.Call)
	defer cl.hangup(context.WithoutCancel(ctx))
	if err := cl.waitAnswered(ctx); err != nil {
		return fmt.Errorf("load: seed recording: %w", err)
	}
	if _, err := r.client.Record(ctx, cl.A, ari.RecordOptions{Name: r.seed, Format: "wav", MaxDurationSeconds: 4, IfExists: "overwrite"}); err != nil {
		return fmt.Errorf("load: seed recording: %w", err)
	}
	for {
		if _, err := r.client.GetStored(ctx, r.seed); err == nil {
			if _, err := r.client.GetLiveRecording(ctx, r.seed); errors.Is(err, ari.ErrNotFound) {
				return nil
			}
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("load: seed recording %s did not finish: %w", r.seed, err)
		}
	}
}

// cleanRecordings deletes the seed and every deposited message's audio.
func (r *runner) cleanRecordings() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var names []string
	if r.seed != "" {
		names = append(names, r.seed)
	}
	for slot := range r.o.maxSlots() {
		if r.flowOf(slot) != FlowDeposit {
			continue
		}
		msgs, err := r.store.Messages(ctx, r.depositBox(slot), state.FolderNew)
		if err != nil {
			r.log.Warn("listing deposits to delete", zap.Error(err))
			continue
		}
		for _, m := range msgs {
			names = append(names, m.Recording)
		}
	}
	for _, n := range names {
		if err := r.client.DeleteStored(ctx, n); err != nil && !errors.Is(err, ari.ErrNotFound) {
			r.log.Warn("deleting a recording", zap.String("recording", n), zap.Error(err))
		}
	}
}

// step runs conc concurrent slots of Options.Rounds calls each, and
// measures.
func (r *runner) step(ctx context.Context, conc int, app string) (*StepReport, error) {
	st := &StepReport{Concurrency: conc, Target: app, Caller: r.o.Caller}
	// Seed the listening mailboxes (untimed, before the readings) and note
	// the folder the listens will file into.
	target := state.FolderWork
	if r.o.ListenEnd == "exit" {
		target = state.FolderOld
	}
	before := map[state.MailboxID]int{}
	if app == TargetAVM {
		if err := r.avmPrepare(conc); err != nil {
			return nil, err
		}
	}
	for slot := range conc {
		if app != TargetOurs {
			break
		}
		if r.flowOf(slot) != FlowListen {
			continue
		}
		box := r.listenBox(slot)
		// SIP rounds seed their message each (sippRounds), so each
		// call hears one new message, as app_voicemail's do.
		seeds := r.o.Rounds
		if r.o.Caller == CallerSIP {
			seeds = 1
		}
		for range seeds {
			if err := r.seedMessage(ctx, box); err != nil {
				return nil, err
			}
		}
		n, err := r.folderCount(ctx, box, target)
		if err != nil {
			return nil, err
		}
		before[box] = n
	}

	m0, err := r.measure(ctx)
	if err != nil {
		return nil, err
	}
	// The app's own histogram; an app without it (or a failed read) leaves
	// the step without those figures.
	dtmf0, dtmfErr := scrapeDTMF(ctx, r.opsAddr)

	// Sample the app's memory and the live calls while the step runs.
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampled sync.WaitGroup
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if s, err := readProc(r.app.PID()); err == nil {
				st.AppRSSPeak = max(st.AppRSSPeak, s.RSS)
			}
			st.PeakLive = max(st.PeakLive, int(r.live.Load()))
			select {
			case <-sampleCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	start := time.Now()
	var sip *sippResult
	var calls []callResult
	if r.o.Caller == CallerSIP {
		sip, err = r.sippRounds(ctx, app, conc)
		if err != nil {
			stopSampling()
			sampled.Wait()
			return nil, err
		}
		calls = sip.calls
	} else {
		calls = r.localCalls(ctx, conc)
	}
	for _, c := range calls {
		if !c.ok {
			r.log.Warn("call failed", zap.String("target", app), zap.String("flow", c.flow), zap.Stringer("mailbox", c.mailbox), zap.String("reason", c.reason))
		}
	}
	st.Wall = time.Since(start)
	if err := sleepCtx(ctx, r.o.Settle); err != nil {
		stopSampling()
		sampled.Wait()
		return nil, err
	}
	stopSampling()
	sampled.Wait()
	st.Calls, st.SIP = calls, sip
	if sip != nil {
		st.PeakLive = max(st.PeakLive, sip.peakLive)
	}

	m1, err := r.measure(ctx)
	if err != nil {
		return nil, err
	}
	st.Used = m1.sub(m0)
	st.AppRSSBefore = m0.app.RSS
	st.AppRSSPeak = max(st.AppRSSPeak, m1.app.RSS)
	st.HeapBefore, st.HeapPeak = heapOver(readGCTrace(r.app.logPath, r.appStarted), start, time.Now())
	if dtmfErr == nil {
		if dtmf1, err := scrapeDTMF(ctx, r.opsAddr); err == nil {
			d := dtmf1.sub(dtmf0)
			st.AppDTMF, st.AppSent = d.accepted, d.sent
		} else {
			r.log.Warn("app metrics", zap.Error(err))
		}
	} else {
		r.log.Warn("app metrics", zap.Error(dtmfErr))
	}
	st.RedisShared = r.redis.PID == 0

	if app == TargetAVM {
		if r.o.Caller != CallerSIP {
			r.avmVerify(st.Calls)
		}
		// sippRounds checked each round before the next emptied the spool.
		return st, nil
	}
	if err := r.verify(ctx, st, target, before); err != nil {
		return nil, err
	}
	return st, nil
}

// sippRounds places Options.Rounds rounds of conc SIP calls, one round
// after another, and merges what they measured: at one call a single key
// is one sample of a figure that moves by Asterisk's 20 ms frame, so the
// one-call step needs rounds to give a median. app_voicemail's spool is
// checked after each round, before the next round's avmPrepare empties it.
func (r *runner) sippRounds(ctx context.Context, app string, conc int) (*sippResult, error) {
	all := &sippResult{}
	for round := range r.o.Rounds {
		if err := r.nextRound(ctx, app, conc, round); err != nil {
			return nil, err
		}
		res, err := r.sippCalls(ctx, app, r.o.Flow, conc)
		if err != nil {
			return nil, err
		}
		if app == TargetAVM {
			r.avmVerify(res.calls)
		}
		all.calls = append(all.calls, res.calls...)
		all.keys = append(all.keys, res.keys...)
		all.legs = append(all.legs, res.legs...)
		all.inPrompt += res.inPrompt
		all.unanswered += res.unanswered
		all.peakLive = max(all.peakLive, res.peakLive)
		all.dropped += res.dropped
		all.streams += res.streams
		all.sippCPU += res.sippCPU
	}
	return all, nil
}

// nextRound prepares the mailboxes of a SIP round after the first (which
// step prepares): app_voicemail's spool emptied and seeded again, or one
// new message for each of this app's listening mailboxes.
func (r *runner) nextRound(ctx context.Context, app string, conc, round int) error {
	if round == 0 {
		return nil
	}
	if app == TargetAVM {
		return r.avmPrepare(conc)
	}
	for slot := range conc {
		if r.flowOf(slot) != FlowListen {
			continue
		}
		if err := r.seedMessage(ctx, r.listenBox(slot)); err != nil {
			return err
		}
	}
	return nil
}

// localCalls runs conc slots of Options.Rounds Local-channel calls each,
// the slots' first calls spread over Options.Ramp.
func (r *runner) localCalls(ctx context.Context, conc int) []callResult {
	results := make([][]callResult, conc)
	var wg sync.WaitGroup
	for slot := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sleepCtx(ctx, r.o.Ramp*time.Duration(slot)/time.Duration(conc)) != nil {
				return
			}
			for range r.o.Rounds {
				if r.flowOf(slot) == FlowListen {
					results[slot] = append(results[slot], r.listenCall(ctx, slot))
				} else {
					results[slot] = append(results[slot], r.depositCall(ctx, slot))
				}
			}
		}()
	}
	wg.Wait()
	var out []callResult
	for _, rs := range results {
		out = append(out, rs...)
	}
	return out
}

// seedMessage files one message in box's New folder that plays the seed.
func (r *runner) seedMessage(ctx context.Context, box state.MailboxID) error {
	now := time.Now()
	_, err := r.store.Deposit(ctx, state.Message{
		ID:         state.NewMessageID(now),
		Mailbox:    box,
		Folder:     state.FolderNew,
		Recording:  r.seed,
		CallerNum:  "2001",
		CallerName: "Seed",
		Received:   now,
		Duration:   4 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("load: seed a message in %s: %w", box, err)
	}
	return nil
}

func (r *runner) folderCount(ctx context.Context, box state.MailboxID, f state.Folder) (int, error) {
	msgs, err := r.store.Messages(ctx, box, f)
	if err != nil {
		return 0, fmt.Errorf("load: folder %s of %s: %w", f, box, err)
	}
	return len(msgs), nil
}

// verify checks in Redis what each successful call should have left: a
// listened message filed into target, a deposit's message in New. A call
// whose effect is missing counts as failed.
func (r *runner) verify(ctx context.Context, st *StepReport, target state.Folder, before map[state.MailboxID]int) error {
	okListens := map[state.MailboxID]int{}
	deposits := map[state.MailboxID]map[string]bool{}
	for _, c := range st.Calls {
		if !c.ok {
			continue
		}
		switch c.flow {
		case FlowListen:
			okListens[c.mailbox]++
		case FlowDeposit:
			if deposits[c.mailbox] == nil {
				msgs, err := r.store.Messages(ctx, c.mailbox, state.FolderNew)
				if err != nil {
					return fmt.Errorf("load: verify deposits in %s: %w", c.mailbox, err)
				}
				deposits[c.mailbox] = map[string]bool{}
				for _, m := range msgs {
					deposits[c.mailbox][m.CallerNum] = true
				}
			}
		}
	}
	filed := map[state.MailboxID]int{}
	for box := range okListens {
		n, err := r.folderCount(ctx, box, target)
		if err != nil {
			return err
		}
		filed[box] = n - before[box]
	}
	for i := range st.Calls {
		c := &st.Calls[i]
		if !c.ok {
			continue
		}
		switch c.flow {
		case FlowListen:
			if filed[c.mailbox] < okListens[c.mailbox] {
				c.ok = false
				c.reason = fmt.Sprintf("redis: %d of %d listened messages filed in %s", filed[c.mailbox], okListens[c.mailbox], target)
			}
		case FlowDeposit:
			if !deposits[c.mailbox][c.callerNum] {
				c.ok = false
				c.reason = "redis: no message from " + c.callerNum + " in New"
			}
		}
	}
	return nil
}

// idleWindow is how long the idle use of the app, Asterisk and Redis is
// measured before the first step.
const idleWindow = 5 * time.Second

// reading is what the processes have used up to one moment.
type reading struct {
	at                time.Time
	app, ast, loadgen procSample
	redis             redisStats
	// astOK is set when Asterisk's process could be read.
	astOK bool
	// busy and total are the machine's CPU time, busy and all.
	busy, total time.Duration
}

// measure reads the app's, Asterisk's and this tool's /proc entries and
// Redis's INFO.
func (r *runner) measure(ctx context.Context) (reading, error) {
	m := reading{at: time.Now()}
	var err error
	if m.app, err = readProc(r.app.PID()); err != nil {
		return m, fmt.Errorf("load: app process: %w", err)
	}
	if r.astPID != 0 {
		m.ast, err = readProc(r.astPID)
		m.astOK = err == nil
	}
	m.loadgen, _ = readProc(os.Getpid())
	m.busy, m.total, _ = machineCPU()
	m.redis, err = r.redis.stats(ctx)
	return m, err
}

// usage is what the processes used between two readings.
type usage struct {
	Span                            time.Duration
	AppCPU, AsteriskCPU, LoadgenCPU time.Duration
	// AsteriskOK is set when Asterisk's CPU time was read at both ends
	// (it was not restarted in between).
	AsteriskOK bool
	Redis      redisStats
	// MachineBusy and MachineTotal are the CPU time of all CPUs: busy
	// (any process, the kernel) and in all.
	MachineBusy, MachineTotal time.Duration
}

func (m reading) sub(before reading) usage {
	return usage{
		Span:        m.at.Sub(before.at),
		AppCPU:      m.app.ThreadCPU - before.app.ThreadCPU,
		AsteriskCPU: m.ast.CPU - before.ast.CPU,
		AsteriskOK:  m.astOK && before.astOK && m.ast.CPU >= before.ast.CPU,
		LoadgenCPU:  m.loadgen.CPU - before.loadgen.CPU,
		Redis:       m.redis.sub(before.redis),

		MachineBusy:  m.busy - before.busy,
		MachineTotal: m.total - before.total,
	}
}

// netOfIdle returns used minus what idle use would have been over used's span:
// the part due to the calls.
func netOfIdle(used, idle time.Duration, span, idleSpan time.Duration) time.Duration {
	if idleSpan <= 0 {
		return used
	}
	return used - time.Duration(float64(idle)*float64(span)/float64(idleSpan))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
