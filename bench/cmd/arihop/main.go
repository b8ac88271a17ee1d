// Command arihop measures the hop that every key of a call costs this app
// beyond what app_voicemail pays: a play request to Asterisk, over HTTP as
// the app sends it (ari.Client) and over the event WebSocket (ARI's REST
// over WebSocket, Asterisk 22.4 and later), with a quiet spell between
// requests as at one call, where each hop wakes sleeping threads. For each
// way it prints the time to Asterisk's answer and to the PlaybackStarted
// event, and the same for GET /asterisk/ping; the ways alternate, so both
// see the same machine.
//
//	eval "$(testenv/where)"; go run ./bench/cmd/arihop [-n 40] [-gap 300ms]
//
// It needs testenv/up's Asterisk; its channel is a Local channel into
// -endpoint (testenv's talk extension answers and waits), which it hangs
// up at the end. With -sip the channel is a SIP call from sipp (as root:
// sipp sends RTP through a raw socket) that talks all along, as a phone
// does, into [vm-load]'s *97: the tool then registers as Stasis app
// voicemail-load, so no load run may use it meanwhile. -hold says where
// the channel waits between plays: "none" (in Stasis alone, as the app's
// calls do) or "bridge" (in a mixing bridge of its own, where res_stasis
// waits on its command queue instead of the channel). The figures are in
// BENCHMARKS.md ("2026-12-05, second session"; "2026-12-05, 11:30–").
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// appName is the tool's Stasis app with a Local channel; with -sip it is
// sipApp, where [vm-load]'s *97 sends SIP callers.
const (
	appName = "vm-arihop"
	sipApp  = "voicemail-load"
	// sipCaller is the number the SIP call comes from.
	sipCaller = "1001"
	// maxSIPTalk bounds a SIP call: sipp writes all its audio out first.
	maxSIPTalk = 10 * time.Minute
)

// sipTalk is how long the SIP call talks: longer than n plays and pings
// of each way, gap apart, take.
func sipTalk(n int, gap time.Duration) time.Duration {
	return time.Duration(n)*4*(gap+50*time.Millisecond) + 20*time.Second
}

func main() {
	n := flag.Int("n", 40, "requests of each kind and way (1 to 10000)")
	gap := flag.Duration("gap", 300*time.Millisecond, "quiet spell before each request (0 to 10s)")
	endpoint := flag.String("endpoint", "Local/talk@sipp-test", "channel to play to: a Local channel into an extension that answers and waits")
	sip := flag.Bool("sip", false, "play to a SIP call from sipp instead (as root; registers as Stasis app "+sipApp+")")
	hold := flag.String("hold", "none", "where the channel waits between plays: none or bridge")
	flag.Parse()
	if *n < 1 || *n > 10000 || *gap < 0 || *gap > 10*time.Second || !strings.HasPrefix(*endpoint, "Local/") ||
		!slices.Contains([]string{"none", "bridge"}, *hold) || (*sip && sipTalk(*n, *gap) > maxSIPTalk) {
		fmt.Fprintln(os.Stderr, "arihop: -n 1..10000, -gap 0..10s, -endpoint Local/EXTEN@CONTEXT, -hold none|bridge; with -sip, n × gap within about 10 minutes")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, options{n: *n, gap: *gap, endpoint: *endpoint, sip: *sip, hold: *hold}); err != nil {
		fmt.Fprintln(os.Stderr, "arihop:", err)
		os.Exit(1)
	}
}

// frame is what the tool reads of an event: enough to tell which request
// or playback it answers.
type frame struct {
	Type       string `json:"type"`
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
	Reason     string `json:"reason_phrase"`
	Channel    struct {
		ID     string `json:"id"`
		Caller struct {
			Number string `json:"number"`
		} `json:"caller"`
	} `json:"channel"`
	Playback struct {
		ID string `json:"id"`
	} `json:"playback"`
}

// events reads the tool's event WebSocket and hands each awaited frame,
// with when it came, to whoever waits for it.
type events struct {
	conn    *websocket.Conn
	mu      sync.Mutex
	waiters map[string]chan arrival
	started chan string // StasisStart's channel ids
	// caller, when set, is the only caller number whose StasisStart is
	// the tool's: with -sip the app is shared with the dialplan.
	caller string
}

type arrival struct {
	at time.Time
	f  frame
}

func (e *events) await(key string) chan arrival {
	ch := make(chan arrival, 1)
	e.mu.Lock()
	e.waiters[key] = ch
	e.mu.Unlock()
	return ch
}

func (e *events) read(ctx context.Context) error {
	for {
		_, b, err := e.conn.Read(ctx)
		if err != nil {
			return err
		}
		at := time.Now()
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("event: %w", err)
		}
		var key string
		switch f.Type {
		case "StasisStart":
			if e.caller != "" && f.Channel.Caller.Number != e.caller {
				continue
			}
			select {
			case e.started <- f.Channel.ID:
			default:
			}
			continue
		case "RESTResponse":
			key = "rsp:" + f.RequestID
		case "PlaybackStarted":
			key = "started:" + f.Playback.ID
		case "PlaybackFinished":
			key = "finished:" + f.Playback.ID
		default:
			continue
		}
		e.mu.Lock()
		ch := e.waiters[key]
		delete(e.waiters, key)
		e.mu.Unlock()
		if ch != nil {
			ch <- arrival{at, f}
		}
	}
}

// wait waits for ch, bounded.
func wait(ctx context.Context, ch chan arrival, what string) (arrival, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		return arrival{}, fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

// overWS sends a REST request over the event WebSocket and returns its
// answer's arrival; a status of 300 or more is an error.
func (e *events) overWS(ctx context.Context, id, method, uri string) (arrival, error) {
	rsp := e.await("rsp:" + id)
	msg, err := json.Marshal(map[string]string{"type": "RESTRequest", "request_id": id, "method": method, "uri": uri})
	if err != nil {
		return arrival{}, err
	}
	if err := e.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return arrival{}, fmt.Errorf("%s %s over the WebSocket: %w", method, uri, err)
	}
	a, err := wait(ctx, rsp, method+" "+uri+" over the WebSocket")
	if err == nil && (a.f.StatusCode < 200 || a.f.StatusCode >= 300) {
		err = fmt.Errorf("%s %s over the WebSocket: %d %s (Asterisk before 22.4 has no REST over WebSocket)", method, uri, a.f.StatusCode, a.f.Reason)
	}
	return a, err
}

// options are the tool's flags.
type options struct {
	n        int
	gap      time.Duration
	endpoint string
	sip      bool
	hold     string
}

func run(ctx context.Context, o options) error {
	n, gap, endpoint := o.n, o.gap, o.endpoint
	app := appName
	if o.sip {
		app, endpoint = sipApp, "SIP from sipp"
	}
	env, err := testenv.Load()
	if err != nil {
		return err
	}
	client, err := ari.New(ari.Config{URL: env.ARIURL, Username: env.ARIUser, Password: env.ARIPass})
	if err != nil {
		return err
	}
	u, err := url.Parse(env.ARIURL)
	if err != nil {
		return fmt.Errorf("ARI URL: %w", err)
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u = u.JoinPath("events")
	u.RawQuery = url.Values{"app": {app}, "api_key": {env.ARIUser + ":" + env.ARIPass}, "subscribeAll": {"false"}}.Encode()
	conn, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		return fmt.Errorf("event WebSocket: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	ev := &events{conn: conn, waiters: map[string]chan arrival{}, started: make(chan string, 1)}
	if o.sip {
		ev.caller = sipCaller
	}
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	readErr := make(chan error, 1)
	go func() { readErr <- ev.read(readCtx) }()

	callDone := make(chan error, 1)
	if o.sip {
		// The phone talks for longer than the measurement; the tool hangs
		// it up when done, and ends sipp if that does not end the call.
		callCtx, cancelCall := context.WithCancel(ctx)
		go func() {
			_, err := sipp.Call(callCtx, sipp.CallOptions{Target: env.SIP, From: sipCaller, To: "load-*97", Talk: sipTalk(n, gap)})
			callDone <- err
		}()
		defer func() {
			select {
			case <-callDone:
			case <-time.After(5 * time.Second):
				cancelCall()
				<-callDone
			}
			cancelCall()
		}()
	} else if _, err := client.Originate(ctx, ari.OriginateRequest{Endpoint: endpoint, App: app, Timeout: 30}); err != nil {
		return fmt.Errorf("originate %s: %w", endpoint, err)
	}
	var channel string
	select {
	case channel = <-ev.started:
	case err := <-readErr:
		return fmt.Errorf("event WebSocket: %w", err)
	case err := <-callDone:
		callDone <- err // for the wait above
		return fmt.Errorf("the SIP call ended before it entered %s: %w", app, err)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s did not enter %s within 10s", endpoint, app)
	}
	defer func() {
		hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Hangup(hctx, channel, "normal")
	}()
	if o.sip {
		if err := client.Answer(ctx, channel); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
	}
	if o.hold == "bridge" {
		// The bridge's requests go over the event WebSocket: the app has
		// no use for bridges, so its client has no methods for them.
		bridge := "bridges/arihop-" + url.PathEscape(channel)
		if _, err := ev.overWS(ctx, "bridge-create", "POST", bridge+"?type=mixing"); err != nil {
			return fmt.Errorf("create bridge: %w", err)
		}
		defer func() {
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = ev.overWS(dctx, "bridge-destroy", "DELETE", bridge)
		}()
		if _, err := ev.overWS(ctx, "bridge-add", "POST", bridge+"/addChannel?channel="+url.QueryEscape(channel)); err != nil {
			return fmt.Errorf("add to bridge: %w", err)
		}
	}
	if o.sip {
		time.Sleep(time.Second) // the call settles: answered, audio flowing
	}

	fig := figures{answer: map[string][]time.Duration{}, started: map[string][]time.Duration{}}
	for i := range n {
		for _, way := range []string{"http", "ws"} {
			if err := fig.play(ctx, client, ev, channel, fmt.Sprintf("arihop-%d-%s", i, way), way, gap); err != nil {
				return err
			}
			if err := fig.ping(ctx, client, ev, fmt.Sprintf("ping-%d", i), way, gap); err != nil {
				return err
			}
		}
	}
	fmt.Printf("arihop: %d requests of each kind and way, %v quiet before each, Asterisk %s, channel %s, held: %s\n", n, gap, env.ARIURL, endpoint, o.hold)
	fmt.Println("  request                         answer p50 / p90 / min          PlaybackStarted p50 / p90 / min")
	for _, way := range []string{"http", "ws"} {
		name := map[string]string{"http": "over HTTP (the app's way)", "ws": "over the event WebSocket"}[way]
		fmt.Printf("  play %-26s  %s      %s\n", name, summary(fig.answer["play-"+way]), summary(fig.started[way]))
		fmt.Printf("  ping %-26s  %s\n", name, summary(fig.answer["ping-"+way]))
	}
	return nil
}

// figures collects the durations per request kind and way.
type figures struct {
	answer  map[string][]time.Duration // "play-http", "ping-ws"…
	started map[string][]time.Duration // by way
}

// play plays a second of silence to channel one way, records how long the
// answer and PlaybackStarted took, and stops it.
func (fig *figures) play(ctx context.Context, client *ari.Client, ev *events, channel, id, way string, gap time.Duration) error {
	started := ev.await("started:" + id)
	finished := ev.await("finished:" + id)
	time.Sleep(gap)
	t0 := time.Now()
	var answered time.Time
	switch way {
	case "http":
		if _, err := client.Play(ctx, channel, id, []string{"sound:silence/1"}, ""); err != nil {
			return fmt.Errorf("play over HTTP: %w", err)
		}
		answered = time.Now()
	default:
		a, err := ev.overWS(ctx, "r-"+id, "POST", "channels/"+url.PathEscape(channel)+"/play/"+url.PathEscape(id)+"?media=sound:silence/1")
		if err != nil {
			return err
		}
		answered = a.at
	}
	s, err := wait(ctx, started, "PlaybackStarted of "+id)
	if err != nil {
		return err
	}
	fig.answer["play-"+way] = append(fig.answer["play-"+way], answered.Sub(t0))
	fig.started[way] = append(fig.started[way], s.at.Sub(t0))
	if err := client.StopPlayback(ctx, id); err != nil && !errors.Is(err, ari.ErrNotFound) {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	_, err = wait(ctx, finished, "PlaybackFinished of "+id)
	return err
}

// ping times GET /asterisk/ping one way.
func (fig *figures) ping(ctx context.Context, client *ari.Client, ev *events, id, way string, gap time.Duration) error {
	time.Sleep(gap)
	t0 := time.Now()
	switch way {
	case "http":
		if _, err := client.Ping(ctx); err != nil {
			return fmt.Errorf("ping over HTTP: %w", err)
		}
		fig.answer["ping-http"] = append(fig.answer["ping-http"], time.Since(t0))
	default:
		a, err := ev.overWS(ctx, id+"-ws", "GET", "asterisk/ping")
		if err != nil {
			return err
		}
		fig.answer["ping-ws"] = append(fig.answer["ping-ws"], a.at.Sub(t0))
	}
	return nil
}

// summary is "p50 / p90 / min" of ds, in milliseconds.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("%s / %s / %s ms", ms(s[len(s)/2]), ms(s[len(s)*9/10]), ms(s[0]))
}
