package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/scenario"
)

type replayOptions struct {
	Trace   string
	Addr    string
	Timeout time.Duration
}

func newReplayCmd(f *factory) *cobra.Command {
	opts := &replayOptions{}
	cmd := &cobra.Command{
		Use:   "replay TRACE.jsonl",
		Short: "Serve a recorded session (--trace) on loopback and report where a client diverges",
		Long: "Serves the server side of a trace recorded with --trace: each recorded server frame is\n" +
			"sent once the client frames recorded before it have arrived, and each client frame is\n" +
			"compared with the recording (ids and timestamps ignored, audio appends not compared).\n" +
			"It stops when the client is done or on Ctrl-C; exit status 1 if the client diverged.\n" +
			"Audio the trace elided is replayed as silence: record with --trace-audio to replay voice.",
		Example: `  rtagent run --say hello --say 'transfer to billing' --trace session.jsonl   # against the real API
  rtagent replay session.jsonl --addr 127.0.0.1:8765
  rtagent run --url ws://127.0.0.1:8765/v1/realtime --say hello --say 'transfer to billing'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Trace = args[0]
			if opts.Timeout <= 0 {
				return usageErrorf("--timeout must be positive")
			}
			return runReplay(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8765", "address to listen on")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", time.Minute, "longest wait for each recorded client frame")
	return cmd
}

func runReplay(ctx context.Context, f *factory, opts *replayOptions) error {
	frames, err := scenario.LoadTrace(opts.Trace)
	if err != nil {
		return usageErrorf("%v", err)
	}
	rp := scenario.NewReplay(frames)
	rp.ReadTimeout = opts.Timeout
	var mu sync.Mutex // the connection's goroutine prints divergences
	printf := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(f.IO.Out, terminalText(fmt.Sprintf(format, a...))) // divergences quote frames
	}
	rp.OnDivergence = func(d scenario.Divergence) { printf("DIVERGED %s\n", d) }
	url, err := rp.Start(opts.Addr)
	if err != nil {
		return fmt.Errorf("replay: listening on %s: %w", opts.Addr, err)
	}
	client, server := rp.Frames()
	printf("rtagent replay of %s (%d client, %d server frames) listening on %s\n", opts.Trace, client, server, url)
	interrupted := false
	select {
	case <-rp.Done():
	case <-ctx.Done():
		interrupted = true
	}
	_ = rp.Close()
	divs := rp.Divergences()
	switch {
	case len(divs) > 0:
		printf("replay: the client diverged from the recording in %d place(s)\n", len(divs))
		return errSilent{code: exitFailure}
	case interrupted:
		printf("replay: interrupted; no divergence so far\n")
		return errInterrupted
	default:
		printf("replay: the client followed the recording: no divergence\n")
		return nil
	}
}
