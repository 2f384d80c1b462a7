package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/realtime/sim"
)

type simOptions struct {
	Addr   string
	Fast   bool
	Faults string
}

func newSimCmd(f *factory) *cobra.Command {
	opts := &simOptions{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the offline realtime simulator as a standalone server",
		Long: "Serves the built-in simulator, which speaks the OpenAI Realtime GA protocol with a\n" +
			"deterministic policy, until interrupted. Point any client at the URL it prints.",
		Example: `  rtagent sim --addr 127.0.0.1:8765
  rtagent chat --url ws://127.0.0.1:8765/v1/realtime   # a loopback URL needs no key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSim(cmd.Context(), f, opts) },
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8765", "address to listen on")
	cmd.Flags().BoolVar(&opts.Fast, "fast", false, "send audio as fast as possible instead of in real time")
	cmd.Flags().StringVar(&opts.Faults, "faults", "", "inject faults to rehearse network trouble: "+sim.FaultSpecHelp)
	return cmd
}

func runSim(ctx context.Context, f *factory, opts *simOptions) error {
	var mu sync.Mutex // connections report from their own goroutines
	notify := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(f.IO.ErrOut, "%s rtagent sim: %s\n", time.Now().Format("15:04:05"), msg)
	}
	url, stop, err := app.ServeSim(opts.Addr, opts.Fast, opts.Faults, f.Logger, notify)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "rtagent simulator listening on %s\n", url)
	<-ctx.Done()
	err = stop()
	notify("stopped")
	if err != nil {
		return err
	}
	// Ctrl-C is how a server is stopped: a normal exit, not an interruption.
	return errSilent{code: exitOK}
}
