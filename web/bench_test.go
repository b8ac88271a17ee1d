package web

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// benchSessions is how many owners are signed in at once.
const benchSessions = 50

// BenchmarkPages measures the pages' response times with 50 sessions
// asking at once (50 goroutines, each its own signed-in owner of a mailbox
// with 20 messages), over real Redis and a fake ARI that hands over a
// one-second WAV. It reports the latency percentiles of each page
// (BENCHMARKS.md):
//
//	go test -run '^$' -bench BenchmarkPages -benchtime 2000x ./web/
func BenchmarkPages(b *testing.B) {
	e := newBenchEnv(b)
	for _, p := range []struct{ name, path, rng string }{
		{"folder", "/folders/new", ""},
		{"settings", "/settings", ""},
		{"greetings", "/greetings", ""},
		{"audio-range", "audio", "bytes=1000-8999"},
	} {
		b.Run(p.name, func(b *testing.B) {
			var mu sync.Mutex
			var lat []time.Duration
			var next atomic.Int64
			b.SetParallelism((benchSessions + 1) / 2) // × GOMAXPROCS goroutines ≥ 50 on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				s := e.sessions[int(next.Add(1)-1)%len(e.sessions)]
				path := p.path
				if path == "audio" {
					path = "/messages/" + s.msg + "/audio"
				}
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
					req.AddCookie(&http.Cookie{Name: "vm_session", Value: s.cookie})
					if p.rng != "" {
						req.Header.Set("Range", p.rng)
					}
					start := time.Now()
					resp, err := e.client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(start))
					if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
						b.Errorf("%s: %d", path, resp.StatusCode)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) == 0 {
				return
			}
			pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

type benchSession struct{ cookie, msg string }

type benchEnv struct {
	*env
	client   *http.Client
	sessions []benchSession
}

// newBenchEnv provisions 50 mailboxes of 20 messages and signs each in.
func newBenchEnv(b *testing.B) *benchEnv {
	e := newEnvTB(b, state.Config{})
	var boxes []state.MailboxConfig
	for i := range benchSessions {
		boxes = append(boxes, state.MailboxConfig{ID: mailbox.MustParseID(strconv.Itoa(3000 + i)), Name: "Owner", PIN: "97531"})
	}
	if _, err := e.store.Provision(b.Context(), boxes); err != nil {
		b.Fatal(err)
	}
	be := &benchEnv{env: e, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchSessions}}}
	base := time.Now().Add(-time.Hour)
	for _, box := range boxes {
		var last state.Message
		for j := range 20 {
			last = e.deposit(box.ID, "Caller", base.Add(time.Duration(j)*time.Second))
		}
		br := e.browser()
		br.mustLogin(box.ID.Number, "97531")
		var cookie string
		for _, c := range br.c.Jar.Cookies(mustURLTB(b, e.srv.URL)) {
			if c.Name == "vm_session" {
				cookie = c.Value
			}
		}
		be.sessions = append(be.sessions, benchSession{cookie: cookie, msg: last.ID})
	}
	return be
}

func mustURLTB(tb testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
