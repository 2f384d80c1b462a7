package app

import (
	"fmt"
	"log/slog"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime/sim"
)

// Devices lists the audio devices (PortAudio is initialised for the call only).
func Devices(log *slog.Logger) ([]audio.Device, error) {
	terminate, err := audio.Init(log)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer terminate()
	devs, err := audio.Devices()
	if err != nil {
		return nil, fmt.Errorf("listing audio devices: %w", err)
	}
	return devs, nil
}

// ServeSim starts the built-in simulator on addr as a standalone server (`rtagent
// sim`). It returns the URL clients connect to; close stops it.
func ServeSim(addr string, fast bool, log *slog.Logger) (url string, close func() error, err error) {
	srv := sim.New(SimOptions(fast, log))
	url, err = srv.Start(addr)
	if err != nil {
		return "", nil, fmt.Errorf("starting the simulator on %s: %w", addr, err)
	}
	return url, srv.Close, nil
}
