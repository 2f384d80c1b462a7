package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startDriver starts rt's session with a driver that hands every event to
// onEvent, and waits until the session is ready for the first line.
func startDriver(ctx context.Context, t *testing.T, rt *Runtime, onEvent func(session.Event) error) *Driver {
	t.Helper()
	drv := NewDriver(rt.Session, onEvent)
	if err := rt.Session.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go drv.Consume()
	if err := drv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return drv
}

// stopDriver ends the session (every event consumed) and closes the runtime.
func stopDriver(t *testing.T, drv *Driver, rt *Runtime) {
	t.Helper()
	if err := drv.CloseAndDrain(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
}

// agentsFile writes yaml as agents.yaml in a fresh temporary directory and
// returns its path.
func agentsFile(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agents.yaml")
	writeFile(t, path, yaml)
	return path
}

// openTraced opens the example agents on the fast simulator with o's other
// options, the trace written to a temporary file (returned); the context
// ends after 30 s.
func openTraced(t *testing.T, o Options) (context.Context, *Runtime, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	o.AgentsFile, o.Sim, o.Fast = exampleAgents(t), true, true
	o.Trace = filepath.Join(t.TempDir(), "trace.jsonl")
	rt, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, rt, o.Trace
}
