package app

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

func exampleAgents(t *testing.T) string { return filepath.Join(testkit.Root(t), "agents.yaml") }

// Open on the simulator gives a runnable session: the driver says one line and the
// answer comes back; the trace file holds the frames; Close tears everything down.
func TestOpenSimAnswersATurn(t *testing.T) {
	ctx, rt, trace := openTraced(t, Options{Modality: "text", Approval: "never"})
	var said []string
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		if tr, ok := ev.(session.Transcript); ok && tr.Final && tr.Role == "assistant" {
			said = append(said, tr.Text)
		}
		return nil
	})
	if err := drv.Say(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	stopDriver(t, drv, rt)
	if len(said) == 0 || !strings.Contains(strings.Join(said, " "), "hello") {
		t.Errorf("assistant said %q, want an answer to hello", said)
	}
	frames := testkit.ReadTrace(t, readFile(t, trace))
	if len(testkit.FramesOf(frames, "client", "session.update")) == 0 {
		t.Errorf("the trace has no session.update")
	}
}

// Without --sim, a URL or a key, Open fails with the one usage line and starts
// nothing.
func TestOpenWithoutKey(t *testing.T) {
	_, err := Open(t.Context(), Options{AgentsFile: exampleAgents(t), Getenv: func(string) string { return "" }})
	if !errors.Is(err, ErrNoAPIKey) {
		t.Fatalf("err = %v, want ErrNoAPIKey", err)
	}
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err %T is not a usage error", err)
	}
}

// An invalid agents file is a ConfigError naming the file.
func TestOpenInvalidAgents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	writeFile(t, path, "agents:\n  - name: A\n    bogus: 1\n")
	_, err := Open(t.Context(), Options{AgentsFile: path, Sim: true})
	if !IsConfigError(err) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want a config error naming %s", err, path)
	}
}

// The runtime says where it connects, without query or credentials, and whether
// it is the simulator (Open does not connect).
func TestOpenNamesTheEndpoint(t *testing.T) {
	getenv := func(k string) string {
		if k == "OPENAI_API_KEY" {
			return "sk-test"
		}
		return ""
	}
	for _, c := range []struct {
		url, want string
	}{
		{"wss://user:pw@realtime.example.com/v1/realtime?token=SECRET", "wss://realtime.example.com/v1/realtime"},
		{"", "wss://api.openai.com/v1/realtime"},
	} {
		rt, err := Open(t.Context(), Options{AgentsFile: exampleAgents(t), URL: c.url, Getenv: getenv})
		if err != nil {
			t.Fatal(err)
		}
		if rt.Endpoint != c.want || rt.Simulated {
			t.Errorf("%q: Endpoint %q Simulated %v, want %q", c.url, rt.Endpoint, rt.Simulated, c.want)
		}
		_ = rt.Close()
	}
	rt, err := Open(t.Context(), Options{AgentsFile: exampleAgents(t), Sim: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if !rt.Simulated || !strings.HasPrefix(rt.Endpoint, "ws://127.0.0.1:") {
		t.Errorf("sim: Endpoint %q Simulated %v", rt.Endpoint, rt.Simulated)
	}
}
