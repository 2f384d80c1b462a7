// Package interop runs the official @openai/agents-realtime client (npm, version
// pinned in testdata/package-lock.json) with node against rtagent's simulator.
package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime/sim"
)

// TestAgentsRealtimeSDKAgainstSim: a text turn, a function tool, a handoff between
// two agents, audio output and interrupt() during audio, with no SDK error and no
// server error event.
func TestAgentsRealtimeSDKAgainstSim(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the @openai/agents-realtime interop test (install Node.js ≥ 20 and npm to run it)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: skipping the @openai/agents-realtime interop test")
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@openai", "agents-realtime", "package.json")); err != nil {
		install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	srv := sim.New(sim.Options{Pace: 4})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// The SDK puts the model in the URL only for its default endpoint.
	cmd := exec.CommandContext(ctx, node, "interop.mjs", url+"?model=gpt-realtime")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("client steps:\n%s", stdout.String())
	if err != nil {
		t.Fatalf("@openai/agents-realtime client against the simulator: %v\n%s", err, stderr.String())
	}
}
