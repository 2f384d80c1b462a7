// Package rig is the one test rig of rtagent: the built-in simulator on loopback,
// the real OpenAI model connected to it (with its raw-frame trace captured), and a
// session built on that model, in one call, torn down in order when the test ends.
//
// The rig does not import internal/session, so tests inside package session can use
// it: the caller builds the session from the model it is given. It is imported by
// tests only.
package rig

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit"
)

// Session is what the rig needs of a session.
type Session interface {
	Start(ctx context.Context) error
	Close() error
}

// Config chooses the endpoint and the trace.
type Config struct {
	// Sim configures the in-process simulator (ignored with URL).
	Sim sim.Options
	// URL is an already running endpoint; empty starts the simulator.
	URL string
	// Via, if set, reroutes the model's connection (a proxy): it gets the endpoint
	// URL and returns the one to dial.
	Via func(url string) string
	// APIKey is the model's key (default "test-key").
	APIKey string
	// NoTrace turns the trace off (long benchmarks); TraceAudio keeps base64 audio.
	NoTrace, TraceAudio bool
}

// Rig is a simulator, a model and a session.
type Rig[S Session] struct {
	Session S
	Model   realtime.Model
	Server  *sim.Server         // nil with Config.URL
	URL     string              // the endpoint (before Via)
	Trace   *testkit.SafeBuffer // the model's raw-frame trace; nil with NoTrace

	tb      testing.TB
	drained <-chan struct{}
	once    sync.Once
}

// DrainTimeout bounds how long Close waits for the event reader after closing the
// session.
const DrainTimeout = 30 * time.Second

// Open starts the simulator (unless cfg.URL), builds the model and, with
// newSession, the session on it. The session is not started: attach the event
// reader, then call Start. Close runs when the test ends.
func Open[S Session](tb testing.TB, cfg Config, newSession func(realtime.Model) (S, error)) *Rig[S] {
	tb.Helper()
	r := &Rig[S]{tb: tb, URL: cfg.URL}
	if r.URL == "" {
		r.Server, r.URL = StartSim(tb, cfg.Sim)
	}
	url := r.URL
	if cfg.Via != nil {
		url = cfg.Via(url)
	}
	ocfg := openai.Config{URL: url, APIKey: cfg.APIKey}
	if ocfg.APIKey == "" {
		ocfg.APIKey = "test-key"
	}
	if !cfg.NoTrace {
		r.Trace = &testkit.SafeBuffer{}
		ocfg.Trace, ocfg.TraceAudio = r.Trace, cfg.TraceAudio
	}
	r.Model = openai.New(ocfg)
	s, err := newSession(r.Model)
	if err != nil {
		tb.Fatal(err)
	}
	r.Session = s
	tb.Cleanup(r.Close)
	return r
}

// Start starts the session. drained (nil: none) is closed when the caller's event
// reader has seen the end of the stream; Close waits for it.
func (r *Rig[S]) Start(ctx context.Context, drained <-chan struct{}) {
	r.tb.Helper()
	if err := r.Session.Start(ctx); err != nil {
		r.tb.Fatal(err)
	}
	r.drained = drained
}

// Close closes the session, waits for the event reader, then stops the simulator.
// It is idempotent.
func (r *Rig[S]) Close() {
	r.once.Do(func() {
		_ = r.Session.Close()
		if r.drained != nil {
			select {
			case <-r.drained:
			case <-time.After(DrainTimeout):
				r.tb.Errorf("rig: the session's event stream did not end")
			}
		}
		if r.Server != nil {
			_ = r.Server.Close()
		}
	})
}

// Frames closes the rig and returns the parsed trace.
func (r *Rig[S]) Frames() []testkit.TraceFrame {
	r.tb.Helper()
	r.Close()
	if r.Trace == nil {
		r.tb.Fatal("rig: the trace is off (Config.NoTrace)")
	}
	return testkit.ReadTrace(r.tb, r.Trace.Bytes())
}

// StartSim starts the simulator on a loopback port for the test's lifetime.
func StartSim(tb testing.TB, opts sim.Options) (*sim.Server, string) {
	tb.Helper()
	srv := sim.New(opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("rig: starting the simulator: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return srv, url
}
