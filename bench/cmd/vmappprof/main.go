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
	cpuPath, memPath, tracePath := os.Getenv("VMLOAD_CPUPROFILE"), os.Getenv("VMLOAD_MEMPROFILE"), os.Getenv("VMLOAD_TRACE")
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	profiling := make(chan *os.File, 1)
	tracing := make(chan *os.File, 1)
	go func() {
		<-usr1
		if tracePath != "" {
			f, err := os.Create(tracePath)
			if err == nil {
				err = trace.Start(f)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "vmappprof: trace:", err)
				f = nil
			}
			tracing <- f
		}
		if cpuPath == "" {
			profiling <- nil
			return
		}
		f, err := os.Create(cpuPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "vmappprof: cpu profile:", err)
			f = nil
		}
		profiling <- f
	}()

	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	select {
	case f := <-profiling:
		if f != nil {
			pprof.StopCPUProfile()
			_ = f.Close()
		}
	default:
	}
	select {
	case f := <-tracing:
		if f != nil {
			trace.Stop()
			_ = f.Close()
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
