// Command vmappprof is the voicemail command (cmd/voicemail) with
// profiling, for load runs: vmload -app-profile builds and runs it instead
// of cmd/voicemail. It takes the same flags and configuration. On SIGUSR1
// it starts a CPU profile into $VMLOAD_CPUPROFILE (so that start-up, with
// its bcrypt hashing of provisioned PINs, stays out of it) and an
// execution trace into $VMLOAD_TRACE (where goroutines wait: go tool trace
// -pprof=net, sync, syscall or sched); when it stops it ends both and
// writes a heap profile into $VMLOAD_MEMPROFILE.
// The variables are not VOICEMAIL_*: the app reads those as settings.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"

	"github.com/clusterpbx/voicemail/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	memPath := os.Getenv("VMLOAD_MEMPROFILE")
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	// The recordings started on SIGUSR1, each with how to stop it.
	started := make(chan []func(), 1)
	go func() {
		<-usr1
		var stops []func()
		for _, r := range []struct {
			what, path  string
			start       func(io.Writer) error
			stopWriting func()
		}{
			{"cpu profile", os.Getenv("VMLOAD_CPUPROFILE"), pprof.StartCPUProfile, pprof.StopCPUProfile},
			{"trace", os.Getenv("VMLOAD_TRACE"), trace.Start, trace.Stop},
		} {
			if r.path == "" {
				continue
			}
			f, err := os.Create(r.path)
			if err == nil {
				if err = r.start(f); err != nil {
					_ = f.Close()
				}
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "vmappprof: %s: %v\n", r.what, err)
				continue
			}
			stops = append(stops, func() { r.stopWriting(); _ = f.Close() })
		}
		started <- stops
	}()

	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	select {
	case stops := <-started:
		for _, s := range stops {
			s()
		}
	default:
	}
	if memPath != "" {
		if f, err := os.Create(memPath); err == nil {
			runtime.GC()
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	os.Exit(code)
}
