package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

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
// sim`). It returns the URL clients connect to; stop stops it. notify, if set, is
// told (from the connection's goroutine) when a client connects and disconnects.
func ServeSim(addr string, fast bool, faults string, log *slog.Logger, notify func(string)) (url string, stop func() error, err error) {
	so := SimOptions(fast, log)
	if err := so.ApplyFaultSpec(faults); err != nil {
		return "", nil, usageErrorf("--faults: %v", err)
	}
	srv := sim.New(so)
	if notify == nil {
		url, err = srv.Start(addr)
		if err != nil {
			return "", nil, fmt.Errorf("starting the simulator on %s: %w", addr, err)
		}
		return url, srv.Close, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("starting the simulator on %s: %w", addr, err)
	}
	var seq atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc(sim.Path, func(w http.ResponseWriter, r *http.Request) {
		n := seq.Add(1)
		who := fmt.Sprintf("client %d from %s", n, r.RemoteAddr)
		if ua := r.UserAgent(); ua != "" {
			who += " (" + ua + ")"
		}
		notify(who + " connected")
		start := time.Now()
		srv.ServeHTTP(w, r) // blocks until the session ends
		notify(fmt.Sprintf("client %d disconnected after %s", n, time.Since(start).Round(time.Millisecond)))
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sim: serve", "err", err)
		}
	}()
	stop = func() error {
		err := srv.Close() // ends the sessions: their handlers return
		_ = hs.Close()
		<-done
		return err
	}
	return "ws://" + ln.Addr().String() + sim.Path, stop, nil
}
