package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime/sim"
)

// Devices lists the audio devices. The listing runs in a child process
// (audio.Probe), so a crash inside the audio libraries is reported, not suffered.
func Devices(ctx context.Context, log *slog.Logger) ([]audio.Device, error) {
	devs, err := audio.Probe(ctx)
	if err != nil {
		log.Warn("audio probe failed", "err", err)
		return nil, err
	}
	return devs, nil
}

// ServeSim starts the built-in simulator on addr as a standalone server (`rtagent
// sim`). It returns the URL clients connect to; close stops it.
func ServeSim(addr string, fast bool, faults string, log *slog.Logger) (url string, close func() error, err error) {
	so := SimOptions(fast, log)
	if err := so.ApplyFaultSpec(faults); err != nil {
		return "", nil, usageErrorf("--faults: %v", err)
	}
	srv := sim.New(so)
	url, err = srv.Start(addr)
	if err != nil {
		return "", nil, fmt.Errorf("starting the simulator on %s: %w", addr, err)
	}
	return url, srv.Close, nil
}
