package testkit

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// hangGrace is how long a test may outlive its Timeout before it is taken
// as hung.
const hangGrace = 30 * time.Second

// Timeout returns a context that ends after d or when the test ends,
// whichever comes first: bound every wait of the test with it. If the
// test is still running hangGrace after d, something waits on what the
// context does not bound; the process then prints every goroutine's stack
// and panics, naming the test, rather than leave it to go test's
// -timeout, which says much later and does not say which test.
func Timeout(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	name := tb.Name()
	hung := time.AfterFunc(d+hangGrace, func() {
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "testkit: %s still running %s after its %s timeout; goroutines:\n\n%s\n", name, hangGrace, d, buf)
		panic(fmt.Sprintf("testkit: %s hung: still running %s after its %s timeout", name, hangGrace, d))
	})
	tb.Cleanup(func() {
		hung.Stop()
		cancel()
	})
	return ctx
}
