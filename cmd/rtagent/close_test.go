package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit/rig"
)

// A server that closes with 3000 (authentication) ends the run with exit code 1 and
// "authentication failed" with the server's message; the key is never echoed.
func TestAuthFailureExitsOne(t *testing.T) {
	_, url := rig.StartSim(t, sim.Options{})

	// Custom headers replace the default authentication (R1.5), so the simulator
	// sees no key and answers invalid_api_key + close 3000.
	io, _, errOut := testIO("")
	code := execute(context.Background(), io, []string{
		"run", "--url", url, "--header", "X-Secret: sk-test-SECRET-0123456789",
		"--say", "hello", "--agents", "../../agents.yaml", "--timeout", "20s",
	})
	if code != exitFailure {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitFailure, errOut)
	}
	msg := errOut.String()
	if !strings.HasPrefix(msg, "rtagent: authentication failed: ") {
		t.Errorf("stderr %q, want an authentication failure", msg)
	}
	if strings.Count(msg, "\n") != 1 {
		t.Errorf("want one line, got %q", msg)
	}
	if strings.Contains(msg, "SECRET") {
		t.Errorf("the header value leaked: %q", msg)
	}
}

// With an OPENAI_API_KEY set, it is never printed, even when the server rejects it.
func TestKeyNeverEchoed(t *testing.T) {
	io, out, errOut := testIO("")
	f := newFactory(io, func(k string) string {
		if k == "OPENAI_API_KEY" {
			return "sk-live-SECRET-abcdef"
		}
		return ""
	})
	cmd := newRootCmd(f)
	// An endpoint nobody listens on: the connection fails.
	cmd.SetArgs([]string{"run", "--url", "ws://127.0.0.1:1/v1/realtime", "--say", "hi", "--agents", "../../agents.yaml", "--timeout", "10s"})
	err := cmd.ExecuteContext(context.Background())
	code := reportError(io.ErrOut, err)
	if code != exitFailure {
		t.Fatalf("exit code %d, want 1 (stderr %q)", code, errOut)
	}
	if strings.Contains(out.String()+errOut.String(), "SECRET") {
		t.Fatalf("the key leaked:\n%s%s", out, errOut)
	}
}

// testIO returns streams backed by buffers, for tests.
func testIO(stdin string) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: bytes.NewBufferString(stdin), Out: out, ErrOut: errOut}, out, errOut
}
