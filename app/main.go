package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
)

// Main runs the voicemail command with args (without the program name) and
// returns the process exit code. ctx ends on SIGTERM or SIGINT.
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := LoadConfig(args, os.Getenv)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	log, err := NewLogger(cfg.Log)
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	a, err := New(cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "voicemail:", err)
		return 2
	}
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("voicemail failed", zap.Error(err))
		return 1
	}
	return 0
}
