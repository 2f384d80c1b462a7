package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/testkit"
)

// cli runs one rtagent command line in-process with an empty environment (no
// key) and the log in dir.
func cli(ctx context.Context, dir string, ios *IOStreams, args ...string) int {
	f := newFactory(ios, func(string) string { return "" })
	cmd := newRootCmd(f)
	cmd.SetArgs(append([]string{"--log-file", filepath.Join(dir, "rtagent.log")}, args...))
	return reportError(ios.ErrOut, cmd.ExecuteContext(ctx))
}

// replayAgainst serves trace with `rtagent replay --addr 127.0.0.1:0`, plays the
// client `rtagent run --url <its URL> --agents agents say...` against it, and
// returns the replay's exit code and output.
func replayAgainst(t *testing.T, trace, agents string, says []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	pr, pw := io.Pipe()
	var errOut bytes.Buffer
	codec := make(chan int, 1)
	go func() {
		code := cli(ctx, dir, &IOStreams{In: strings.NewReader(""), Out: pw, ErrOut: &errOut}, "replay", trace, "--addr", "127.0.0.1:0", "--timeout", "3s")
		pw.Close()
		codec <- code
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("rtagent replay printed nothing; exit %d, stderr %s", <-codec, errOut.String())
	}
	first := lines.Text()
	_, url, ok := strings.Cut(first, " listening on ")
	if !ok {
		t.Fatalf("first line %q names no URL", first)
	}
	var rest bytes.Buffer
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for lines.Scan() {
			rest.WriteString(lines.Text() + "\n")
		}
	}()
	args := []string{"run", "--url", url, "--agents", agents, "--timeout", "20s"}
	for _, s := range says {
		args = append(args, "--say", s)
	}
	runIO, runOut, runErr := testIO("")
	runCode := cli(ctx, dir, runIO, args...)
	var code int
	select {
	case code = <-codec:
	case <-ctx.Done():
		t.Fatalf("rtagent replay did not end after the client closed; client exit %d\n%s%s", runCode, runOut, runErr)
	}
	<-drained
	t.Logf("client exit %d:\n%s%s", runCode, runOut, runErr)
	return code, first + "\n" + rest.String() + errOut.String()
}

// A session with a tool call and a handoff, recorded with --trace on the
// simulator, replays through `rtagent replay` with no divergence; the same
// session with an edited agents file (a renamed tool) diverges, and the replay
// says where and exits 1.
func TestReplayCommandRecordedSession(t *testing.T) {
	root := testkit.Root(t)
	dir := t.TempDir()
	agents := filepath.Join(root, "agents.yaml")
	trace := filepath.Join(dir, "session.jsonl")
	says := []string{"hello", "lookup_order order_id=A-1234", "transfer to billing"}
	args := []string{"run", "--sim", "--fast", "--agents", agents, "--trace", trace, "--format", "jsonl"}
	for _, s := range says {
		args = append(args, "--say", s)
	}
	recIO, recOut, recErr := testIO("")
	if code := cli(t.Context(), dir, recIO, args...); code != exitOK {
		t.Fatalf("recording: exit %d\n%s%s", code, recOut, recErr)
	}
	for _, want := range []string{`"type":"tool_end"`, `"type":"handoff"`} {
		if !strings.Contains(recOut.String(), want) {
			t.Fatalf("the recorded session lacks %s:\n%s", want, recOut)
		}
	}

	code, out := replayAgainst(t, trace, agents, says)
	if code != exitOK || !strings.Contains(out, "no divergence") || strings.Contains(out, "DIVERGED") {
		t.Fatalf("the same client and agents file: exit %d, want 0 and no divergence:\n%s", code, out)
	}

	// An edited copy of the agents file: lookup_order renamed to find_order.
	edited := filepath.Join(dir, "agents.yaml")
	orig, err := os.ReadFile(agents)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(edited, bytes.ReplaceAll(orig, []byte("name: lookup_order"), []byte("name: find_order")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "tools"), filepath.Join(dir, "tools")); err != nil {
		t.Fatal(err)
	}
	code, out = replayAgainst(t, trace, edited, says)
	t.Logf("replay of the edited session:\n%s", out)
	if code != exitFailure {
		t.Fatalf("a renamed tool: exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		`DIVERGED trace line `,
		`session.update: session.tools[2].name: recorded "lookup_order", got "find_order"`,
		"replay: the client diverged from the recording in ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q:\n%s", want, out)
		}
	}
}
