// Command rtagent is a terminal client for realtime voice agents.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, systemIO(), os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs one command line and returns the process exit code.
func execute(ctx context.Context, io *IOStreams, args []string) int {
	f := &factory{IO: io, Getenv: os.Getenv}
	cmd := newRootCmd(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil && ctx.Err() != nil {
		err = errInterrupted
	}
	return reportError(io.ErrOut, err)
}
