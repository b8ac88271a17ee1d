package load

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"time"
)

// The app runs with GODEBUG=gctrace=1: after each garbage collection the
// Go runtime writes a line with the heap it found live, in MB, which the
// resident set does not show (it also holds garbage not yet collected and
// memory not yet returned). heapAt reads those lines from the app's log.

// gcLine matches "gc 12 @3.104s 1%: … , 4->5->2 MB, …": the collection's
// time since the app started, and the live heap it marked (the third
// figure).
var gcLine = regexp.MustCompile(`^gc \d+ @([0-9.]+)s .*?, \d+->\d+->(\d+) MB`)

// gcSample is one collection: when, and the live heap in bytes.
type gcSample struct {
	at   time.Time
	live int64
}

// readGCTrace returns the collections logged in path by an app started at
// started.
func readGCTrace(path string, started time.Time) []gcSample {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []gcSample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := gcLine.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		secs, err1 := strconv.ParseFloat(string(m[1]), 64)
		mb, err2 := strconv.ParseInt(string(m[2]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, gcSample{at: started.Add(time.Duration(secs * float64(time.Second))), live: mb << 20})
	}
	return out
}

// heapOver returns the live heap of the last collection before from (0 if
// none) and the most any collection in [from, to] found.
func heapOver(samples []gcSample, from, to time.Time) (before, peak int64) {
	for _, s := range samples {
		switch {
		case s.at.Before(from):
			before = s.live
		case !s.at.After(to):
			peak = max(peak, s.live)
		}
	}
	return before, max(peak, before)
}
