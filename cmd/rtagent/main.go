// Command rtagent is a terminal client for realtime voice agents.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtagent/rtagent/internal/audio"
)

func main() {
	audio.RunProbeIfChild() // rtagent started as its own audio device probe (audio.Probe)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C the command shuts down cleanly; a second one must
	// always work, so the default signal behaviour comes back.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := execute(ctx, systemIO(), os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs one command line and returns the process exit code.
func execute(ctx context.Context, io *IOStreams, args []string) int {
	f := newFactory(io, os.Getenv)
	cmd := newRootCmd(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil && ctx.Err() != nil {
		err = errInterrupted
	}
	return reportError(io.ErrOut, err)
}
