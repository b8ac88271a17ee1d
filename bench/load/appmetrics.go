package load

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The app's own side of a key, as the app measures it: its histograms
// voicemail_dtmf_to_prompt_seconds, from a key's ARI event coming in to
// Asterisk accepting the next prompt's play command, and
// voicemail_dtmf_to_play_sent_seconds, to that command written out (the
// app's own share). The tool reads them from the app's operations server
// before and after each step.

const (
	dtmfMetric = "voicemail_dtmf_to_prompt_seconds"
	sentMetric = "voicemail_dtmf_to_play_sent_seconds"
)

// appClock is the app's two key-to-prompt histograms.
type appClock struct{ accepted, sent histogram }

// sub is what was observed between before and c.
func (c appClock) sub(before appClock) appClock {
	return appClock{accepted: c.accepted.sub(before.accepted), sent: c.sent.sub(before.sent)}
}

// histogram is a Prometheus histogram's cumulative bucket counts by upper
// bound (seconds; +Inf as math.Inf).
type histogram map[float64]float64

// freeLoopbackPort returns a port on 127.0.0.1 free right now, for the
// app's operations server.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("load: a port for the app's operations server: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// scrapeDTMF reads the app's key-to-prompt histograms from addr's
// /metrics; an app without the sent one leaves it empty.
func scrapeDTMF(ctx context.Context, addr string) (appClock, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return appClock{}, fmt.Errorf("load: app metrics: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return appClock{}, fmt.Errorf("load: app metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return appClock{}, fmt.Errorf("load: app metrics: %s", resp.Status)
	}
	hs, err := parseHistograms(bufio.NewScanner(resp.Body), dtmfMetric, sentMetric)
	if err != nil {
		return appClock{}, err
	}
	return appClock{accepted: hs[dtmfMetric], sent: hs[sentMetric]}, nil
}

// parseHistograms reads the _bucket lines of each of names from the text
// exposition format.
func parseHistograms(sc *bufio.Scanner, names ...string) (map[string]histogram, error) {
	hs := make(map[string]histogram, len(names))
	for _, n := range names {
		hs[n] = histogram{}
	}
	for sc.Scan() {
		var h histogram
		var line string
		for _, n := range names {
			if rest, ok := strings.CutPrefix(sc.Text(), n+`_bucket{le="`); ok {
				h, line = hs[n], rest
				break
			}
		}
		if h == nil {
			continue
		}
		le, rest, ok := strings.Cut(line, `"} `)
		if !ok {
			continue
		}
		bound, err1 := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
		n, err2 := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("load: metric line %q", sc.Text())
		}
		h[bound] = n
	}
	return hs, sc.Err()
}

// sub is the histogram of what was observed between before and h.
func (h histogram) sub(before histogram) histogram {
	out := histogram{}
	for b, n := range h {
		out[b] = n - before[b]
	}
	return out
}

// count is the number of observations.
func (h histogram) count() float64 {
	var top float64
	for _, n := range h {
		top = max(top, n)
	}
	return top
}

// quantile is the upper bound of the bucket that holds quantile q (0–1):
// the observation is at most that. +Inf when it lies beyond the last
// bound; 0 when there are none.
func (h histogram) quantile(q float64) float64 {
	total := h.count()
	if total == 0 {
		return 0
	}
	bounds := slices.Sorted(func(yield func(float64) bool) {
		for b := range h {
			if !yield(b) {
				return
			}
		}
	})
	for _, b := range bounds {
		if h[b] >= q*total {
			return b
		}
	}
	return bounds[len(bounds)-1]
}

// within is the share of observations at most bound (a bucket's bound).
func (h histogram) within(bound float64) float64 {
	if total := h.count(); total > 0 {
		return h[bound] / total
	}
	return 0
}
