package testkit

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Bounds of CheckRoutines.
const (
	// routinesGrace is how long the check waits for goroutines that are
	// still ending (a connection closing, a timer's last tick).
	routinesGrace = 5 * time.Second
	// routinesEvery is how often it looks again meanwhile.
	routinesEvery = 50 * time.Millisecond
)

// ignoredRoutines are stack fragments of goroutines that are no test's to
// end: the testing and runtime machinery, the signal handler, and keep-alive
// connections that net/http pools by design (they close after the
// transport's idle timeout, or when a client's CloseIdleConnections runs).
var ignoredRoutines = []string{
	"testing.(*T).Run(",
	"testing.Main(",
	"testing.runTests(",
	"testing.(*M).",
	"testing.tRunner(",
	"os/signal.signal_recv",
	"os/signal.loop",
	"net/http.(*persistConn).readLoop",
	"net/http.(*persistConn).writeLoop",
	"testkit.goroutines(",
}

// RoutinesOption changes what CheckRoutines ignores.
type RoutinesOption func(*[]string)

// IgnoreRoutines makes CheckRoutines ignore goroutines whose stack
// contains any of fragments, e.g. "testenv.NewCaller" for a caller shared
// by every test of a package.
func IgnoreRoutines(fragments ...string) RoutinesOption {
	return func(ignored *[]string) { *ignored = append(*ignored, fragments...) }
}

// CheckRoutines notes the goroutines running now and returns a function
// that fails the test if goroutines started since are still running: after
// a grace period for those that are ending, it reports each one's stack.
// Call the function last, with defer or, when the test's own cleanups stop
// what it started, with t.Cleanup registered before them:
//
//	t.Cleanup(testkit.CheckRoutines(t)) // first: runs after the others
//
// Goroutines that existed before (a package's shared fixtures) are not the
// test's; neither are those IgnoreRoutines names or the ones of the
// testing and runtime machinery and of pooled HTTP connections.
func CheckRoutines(tb testing.TB, opts ...RoutinesOption) func() {
	tb.Helper()
	ignored := slices.Clone(ignoredRoutines)
	for _, o := range opts {
		o(&ignored)
	}
	before := map[string]bool{}
	for _, g := range goroutines(ignored) {
		before[g.id] = true
	}
	return func() {
		tb.Helper()
		deadline := time.Now().Add(routinesGrace)
		for {
			var leaked []string
			for _, g := range goroutines(ignored) {
				if !before[g.id] {
					leaked = append(leaked, g.stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				tb.Errorf("%d goroutines still running %s after the test:\n\n%s", len(leaked), routinesGrace, strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(routinesEvery)
		}
	}
}

// goroutine is one goroutine of a stack dump.
type goroutine struct {
	// id is its "goroutine N" header, unique for the process's life.
	id    string
	stack string
}

// goroutines returns every goroutine but the caller's and the ignored.
func goroutines(ignored []string) []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for _, stack := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(stack, "\n")
		id, _, ok := strings.Cut(header, " [")
		if !ok || !strings.HasPrefix(id, "goroutine ") {
			continue
		}
		if slices.ContainsFunc(ignored, func(f string) bool { return strings.Contains(stack, f) }) {
			continue
		}
		out = append(out, goroutine{id: id, stack: stack})
	}
	return out
}
