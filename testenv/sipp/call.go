package sipp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAudio is the capture whose A-law audio a caller talks: 7 s of
// speech from Debian's sip-tester package, looped as long as needed.
const DefaultAudio = "/usr/share/sip-tester/g711a.pcap"

// DefaultTimeout is how much longer than its talk time a call may take when
// CallOptions.Timeout is 0 (ringing, answer, hangup).
const DefaultTimeout = 30 * time.Second

// DTMFTail is how long a caller keeps talking after its last DTMF digit
// before it may hang up, so the digit is heard.
const DTMFTail = 500 * time.Millisecond

// CallOptions describe one call from a SIP phone into the test Asterisk.
type CallOptions struct {
	// Target is host:port of Asterisk's SIP transport (testenv.Env.SIP).
	// It must be a loopback address. Required.
	Target string
	// From is the caller's user, which Asterisk takes as the caller ID
	// number, e.g. "1001" for *97 as Alice. Required.
	From string
	// FromName is the caller ID name; none by default.
	FromName string
	// To is the dialled extension, e.g. "1001" or "*97". Required.
	To string
	// Talk is how long the caller stays on the call after the answer,
	// sending audio, before it hangs up (BYE); Asterisk may hang up first.
	// It is raised to cover the DTMF steps plus DTMFTail. 0 hangs up at
	// once.
	Talk time.Duration
	// DTMF are keys to press after the answer, sent as RFC 4733 events.
	DTMF []DTMFStep
	// Timeout bounds the whole call; default Talk (as raised for DTMF)
	// plus DefaultTimeout. The context passed to Call bounds it too.
	Timeout time.Duration
	// Audio is a pcap file of A-law RTP (payload type 8) to talk; default
	// DefaultAudio.
	Audio string
}

// DTMFStep is a group of keys pressed after a pause.
type DTMFStep struct {
	// After is the pause before the first key: from the answer for the
	// first step, from the end of the previous step (its last key's
	// DigitGap) for the others.
	After time.Duration
	// Digits are the keys, 0-9, *, #, A-D, each pressed for DigitDuration
	// with DigitGap after it.
	Digits string
}

// Result is what happened to a call.
type Result struct {
	// Answered tells whether Asterisk answered the INVITE (2xx).
	Answered bool
	// Status is the final response to the INVITE (200, 486, …), 0 if
	// none came; Reason is its reason phrase.
	Status int
	Reason string
	// CallID is the SIP Call-ID of the call.
	CallID string
	// AnswerDelay is the time from the INVITE to its final response.
	AnswerDelay time.Duration
	// Duration is how long the whole sipp run took.
	Duration time.Duration
	// RemoteHangup tells that Asterisk hung up (sent BYE) before the
	// caller's talk time ran out.
	RemoteHangup bool
	// ExitCode is sipp's exit status (0: the scenario ran to its end).
	ExitCode int
	// Output is set when the call failed: sipp's command line, its
	// standard error, and the tails of its error log and message trace.
	Output string
}

// bindRetries is how often Call picks new ports when sipp cannot bind one.
const bindRetries = 3

// Call places one call with sipp (one scenario run, -m 1) and returns when
// it is over: hung up by either side, rejected, or out of time. A call that
// is not answered gives ErrNotAnswered with the Result filled in; a sipp
// that fails otherwise gives ErrSippFailed; the end of ctx or of
// opts.Timeout gives an error wrapping context.DeadlineExceeded or
// context.Canceled, after hanging up (BYE) a call that was answered. The
// sipp binary must be in PATH (Debian's sip-tester) and may need root: it
// sends RTP through a raw socket.
func Call(ctx context.Context, opts CallOptions) (Result, error) {
	plan, err := checkCall(opts)
	if err != nil {
		return Result{}, err
	}
	sippPath, err := exec.LookPath("sipp")
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v (install Debian's sip-tester)", ErrSippFailed, err)
	}
	audioPath := opts.Audio
	if audioPath == "" {
		audioPath = DefaultAudio
	}
	audio, err := loadAudio(audioPath)
	if err != nil {
		return Result{}, fmt.Errorf("%w: audio: %v", ErrBadOptions, err)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = plan.Length + DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "testenv-sipp-")
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrSippFailed, err)
	}
	defer os.RemoveAll(dir)
	if err := writeCallFiles(dir, opts, plan, audio); err != nil {
		return Result{}, err
	}
	var res Result
	for attempt := 1; ; attempt++ {
		res, err = runSipp(ctx, sippPath, dir, opts.Target, timeout)
		if !errors.Is(err, errBind) || attempt == bindRetries || ctx.Err() != nil {
			break
		}
	}
	if errors.Is(err, errBind) {
		err = fmt.Errorf("%w: %w", ErrSippFailed, err)
	}
	if err != nil {
		return res, fmt.Errorf("sipp: call %s from %s: %w", opts.To, opts.From, err)
	}
	return res, nil
}

// checkCall validates opts and lays out its media.
func checkCall(opts CallOptions) (mediaPlan, error) {
	host, port, err := net.SplitHostPort(opts.Target)
	if err != nil {
		return mediaPlan{}, fmt.Errorf("%w: Target %q: %v", ErrBadOptions, opts.Target, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return mediaPlan{}, fmt.Errorf("%w: Target %q: want an IPv4 loopback address", ErrBadOptions, opts.Target)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return mediaPlan{}, fmt.Errorf("%w: Target %q: bad port", ErrBadOptions, opts.Target)
	}
	if !validUser(opts.From) {
		return mediaPlan{}, fmt.Errorf("%w: From %q: want digits, letters or *#+-_.!~", ErrBadOptions, opts.From)
	}
	if !validUser(opts.To) {
		return mediaPlan{}, fmt.Errorf("%w: To %q: want digits, letters or *#+-_.!~", ErrBadOptions, opts.To)
	}
	if !validDisplayName(opts.FromName) {
		return mediaPlan{}, fmt.Errorf("%w: FromName %q: printable ASCII without \"\\<>]", ErrBadOptions, opts.FromName)
	}
	if opts.Talk < 0 || opts.Timeout < 0 {
		return mediaPlan{}, fmt.Errorf("%w: negative Talk or Timeout", ErrBadOptions)
	}
	return planMedia(opts.Talk, DTMFTail, opts.DTMF)
}

var audioCache sync.Map // path → audioEntry

type audioEntry struct {
	once sync.Once
	data []byte
	err  error
}

// loadAudio reads the A-law samples of a capture, once per path.
func loadAudio(path string) ([]byte, error) {
	v, _ := audioCache.LoadOrStore(path, &audioEntry{})
	e := v.(*audioEntry)
	e.once.Do(func() { e.data, e.err = readRTPPayloads(path) })
	return e.data, e.err
}

// Files of a call's directory.
const (
	scenarioFile = "uac.xml"
	mediaFile    = "media.pcap"
	messageFile  = "messages.log"
	errorFile    = "errors.log"
)

func writeCallFiles(dir string, opts CallOptions, plan mediaPlan, audio []byte) error {
	f, err := os.Create(filepath.Join(dir, mediaFile))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSippFailed, err)
	}
	// Random SSRC and start values, as RFC 3550 asks, kept away from a
	// wrap within the call.
	st := rtpState{SSRC: rand.Uint32(), Seq: uint16(rand.IntN(1 << 14)), Timestamp: rand.Uint32N(1 << 30)}
	err = writeMedia(f, plan, audio, st)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: write media: %v", ErrSippFailed, err)
	}
	hold := plan.Length.Milliseconds()
	if hold < 1 {
		hold = 1 // 0 would mean no timeout in sipp
	}
	xml, err := renderUAC(uacParams{
		To:         sipUser(opts.To),
		From:       sipUser(opts.From),
		FromName:   opts.FromName,
		Media:      filepath.Join(dir, mediaFile),
		HoldMs:     hold,
		Rejections: rejections,
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, scenarioFile), xml, 0o644); err != nil {
		return fmt.Errorf("%w: %v", ErrSippFailed, err)
	}
	return nil
}

// errBind tells that sipp could not bind one of its ports.
var errBind = errors.New("sipp could not bind a port")

// exitBindFailed is sipp's exit status for "Fatal error binding a socket"
// (-2).
const exitBindFailed = 254

// runSipp runs the scenario in dir once and reads what happened.
func runSipp(ctx context.Context, sippPath, dir, target string, timeout time.Duration) (Result, error) {
	ports, err := reservePorts()
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrSippFailed, err)
	}
	defer releasePorts(ports)
	for _, f := range []string{messageFile, errorFile} {
		_ = os.Remove(filepath.Join(dir, f))
	}
	args := []string{
		target,
		"-sf", filepath.Join(dir, scenarioFile),
		"-m", "1", "-l", "1",
		"-i", "127.0.0.1", "-p", strconv.Itoa(ports.SIP),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(ports.Media),
		"-ci", "127.0.0.1", "-cp", strconv.Itoa(ports.Control),
		"-nostdin",
		"-f", "3600", // the statistics screen, on stdout, rarely
		"-trace_msg", "-message_file", filepath.Join(dir, messageFile),
		"-trace_err", "-error_file", filepath.Join(dir, errorFile),
		// sipp's own bound, a little after ours, in case it is not killed.
		"-timeout", strconv.FormatInt(int64((timeout+5*time.Second+time.Second-1)/time.Second), 10) + "s",
		"-timeout_error",
	}
	cmd := exec.CommandContext(ctx, sippPath, args...)
	cmd.Dir = dir
	var stdout, stderr tailBuffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	res := Result{Duration: time.Since(start), ExitCode: cmd.ProcessState.ExitCode()}
	trace, _ := os.ReadFile(filepath.Join(dir, messageFile))
	msgs := parseTrace(string(trace))
	summarize(msgs, &res)

	var failure error
	var byeErr error
	switch {
	case ctx.Err() != nil:
		failure = ctx.Err()
		byeErr = hangUpAbandoned(msgs, ports.SIP, target)
	case res.Status >= 300:
		failure = fmt.Errorf("%w: %d %s", ErrNotAnswered, res.Status, res.Reason)
	case runErr != nil && res.ExitCode == exitBindFailed && len(msgs) == 0:
		// Nothing sent yet: safe to try again with other ports.
		failure = fmt.Errorf("%w: %v", errBind, runErr)
	case runErr != nil:
		failure = fmt.Errorf("%w: %v", ErrSippFailed, runErr)
	case !res.Answered:
		failure = fmt.Errorf("%w: no final response", ErrNotAnswered)
	}
	if failure != nil {
		res.Output = failureOutput(sippPath, args, dir, stderr.String(), stdout.String())
		if byeErr != nil {
			res.Output += fmt.Sprintf("---- hanging up the abandoned call ----\n%v\n", byeErr)
		}
	}
	return res, failure
}

// failureOutput gathers what explains a failed run.
func failureOutput(sippPath string, args []string, dir, stderr, stdout string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s %s\n", sippPath, strings.Join(args, " "))
	section := func(name, text string, max int) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		if len(text) > max {
			text = "…" + text[len(text)-max:]
		}
		fmt.Fprintf(&b, "---- %s ----\n%s\n", name, text)
	}
	section("stderr", stderr, 4000)
	errLog, _ := os.ReadFile(filepath.Join(dir, errorFile))
	section("error log", string(errLog), 4000)
	msgs, _ := os.ReadFile(filepath.Join(dir, messageFile))
	section("messages", string(msgs), 6000)
	section("screen", stdout, 2000)
	return b.String()
}

// tailBuffer keeps the last 64 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const tailMax = 64 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > 2*tailMax {
		keep := append([]byte(nil), t.buf.Bytes()[t.buf.Len()-tailMax:]...)
		t.buf.Reset()
		t.buf.Write(keep)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf.Bytes()
	if len(b) > tailMax {
		b = b[len(b)-tailMax:]
	}
	return string(b)
}
