// Command voicemail is the ClusterPBX voicemail ARI application. See the
// README for the dialplan and deploy/voicemail.example.yaml for settings.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/clusterpbx/voicemail/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
