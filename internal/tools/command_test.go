package tools

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc"
	"github.com/rtagent/rtagent/internal/tools/proc/proctest"
)

// script returns the absolute path of a test script; scripts run through /bin/sh so
// they do not depend on their executable bit.
func script(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newCommand(t *testing.T, def Definition, cfg CommandConfig) Tool {
	t.Helper()
	tool, err := NewCommand(def, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// Shell metacharacters in the arguments are data on stdin, byte for byte, and never
// interpreted.
func TestCommandArgumentsAreData(t *testing.T) {
	dir := t.TempDir()
	copyPath := filepath.Join(dir, "stdin.copy")
	tool := newCommand(t, Definition{Name: "lookup"}, CommandConfig{
		Argv: []string{"/bin/sh", script(t, "capture_stdin.sh"), copyPath},
		Dir:  dir,
	})
	args := "{\"q\": \"a; touch pwned1 && touch pwned2 | touch pwned3 $(touch pwned4) `touch pwned5` " +
		"\\\"dq\\\" 'sq' \\n > pwned6 < /etc/passwd & ${HOME} \\\\ *\",\n  \"n\":\t1}"
	res := Invoke(context.Background(), tool, args)
	if res.Err != nil {
		t.Fatalf("Invoke: %v (%s)", res.Err, res.Output)
	}
	if res.Output != args {
		t.Errorf("output = %q\nwant     %q", res.Output, args)
	}
	seen, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(seen) != args {
		t.Errorf("the program saw %q\nwant          %q", seen, args)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "stdin.copy" {
			t.Errorf("side effect: %s was created", e.Name())
		}
	}
}

// Argv elements are passed to the program as they are, never through a shell.
func TestCommandArgvIsNotShell(t *testing.T) {
	dir := t.TempDir()
	arg := "$(touch pwned); `touch pwned2` && echo hi | cat"
	tool := newCommand(t, Definition{Name: "echoargv"}, CommandConfig{
		Argv: []string{"/bin/echo", arg},
		Dir:  dir,
	})
	res := Invoke(context.Background(), tool, "{}")
	if res.Err != nil || res.Output != arg {
		t.Fatalf("got %q, %v; want %q", res.Output, res.Err, arg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("side effects: %v", entries)
	}
}

func TestCommandTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	tool := newCommand(t, Definition{Name: "hang", Timeout: time.Second}, CommandConfig{
		Argv: []string{"/bin/sh", script(t, "hang.sh"), pidFile},
	})
	res := Invoke(context.Background(), tool, "{}")
	if !res.TimedOut || res.Output != "Tool hang timed out after 1s" {
		t.Fatalf("got %+v", res)
	}
	// Returned promptly: the timeout plus the kill, not a pipe held by the grandchild.
	if res.Duration > time.Second+3*time.Second {
		t.Errorf("Invoke took %v", res.Duration)
	}
	proctest.WaitDead(t, proctest.ReadPid(t, pidFile))
}

func TestCommandCancelKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	tool := newCommand(t, Definition{Name: "hang"}, CommandConfig{
		Argv: []string{"/bin/sh", script(t, "hang.sh"), pidFile},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- Invoke(ctx, tool, "{}") }()
	pid := proctest.WaitPidFile(t, pidFile)
	cancel()
	res := <-done
	if res.TimedOut || res.Err == nil || !strings.HasPrefix(res.Output, "Error running tool hang: context canceled") {
		t.Fatalf("got %+v", res)
	}
	proctest.WaitDead(t, pid)
}

func TestCommandFloodIsCapped(t *testing.T) {
	tool := newCommand(t, Definition{Name: "flood"}, CommandConfig{
		Argv: []string{"/bin/sh", script(t, "flood.sh")},
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := Invoke(context.Background(), tool, "{}")
	runtime.ReadMemStats(&after)
	if res.Err != nil {
		t.Fatalf("Invoke: %v", res.Err)
	}
	if len(res.Output) > MaxOutputBytes {
		t.Errorf("output is %d bytes", len(res.Output))
	}
	kept := strings.Index(res.Output, "…")
	if kept < MaxOutputBytes-100 || strings.Trim(res.Output[:kept], "a") != "" {
		t.Fatalf("kept %d bytes: %.100q", kept, res.Output)
	}
	if want := proc.Marker(int64(100_000_000 - kept)); !strings.HasSuffix(res.Output, want) {
		t.Errorf("output ends %q, want %q", res.Output[kept:], want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for a capped output", alloc)
	}
	if res.Duration > 20*time.Second {
		t.Errorf("took %v", res.Duration)
	}
	t.Logf("100 MB drained in %v", res.Duration)
}

func TestCommandFailure(t *testing.T) {
	var stderr bytes.Buffer
	tool := newCommand(t, Definition{Name: "lookup_order"}, CommandConfig{
		Argv:   []string{"/bin/sh", script(t, "fail.sh")},
		Stderr: &stderr,
	})
	res := Invoke(context.Background(), tool, "{}")
	want := "Error running tool lookup_order: exit status 3: order 42 not found"
	if res.Err == nil || res.Output != want {
		t.Errorf("output = %q, want %q", res.Output, want)
	}
	if got := stderr.String(); got != "looking up the order\norder 42 not found\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestCommandEnv(t *testing.T) {
	t.Setenv("RTAGENT_TEST_SECRET", "hunter2-secret")
	tool := newCommand(t, Definition{Name: "env"}, CommandConfig{Argv: []string{"/usr/bin/env"}})
	res := Invoke(context.Background(), tool, "{}")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if strings.Contains(res.Output, "hunter2") {
		t.Errorf("the default environment leaked a variable: %q", res.Output)
	}
	if !strings.Contains(res.Output, "PATH=") {
		t.Errorf("PATH missing from the minimal environment: %q", res.Output)
	}
	tool = newCommand(t, Definition{Name: "env"}, CommandConfig{
		Argv: []string{"/usr/bin/env"}, Env: []string{"ORDER_DB=test"},
	})
	if res := Invoke(context.Background(), tool, "{}"); res.Output != "ORDER_DB=test" {
		t.Errorf("explicit env: %q", res.Output)
	}
}

func TestCommandMaxOutputBytes(t *testing.T) {
	tool := newCommand(t, Definition{Name: "cat"}, CommandConfig{Argv: []string{"/bin/cat"}, MaxOutputBytes: 64})
	args := `{"text":"` + strings.Repeat("x", 200) + `"}`
	res := Invoke(context.Background(), tool, args)
	if len(res.Output) > 64 || !strings.Contains(res.Output, "…[truncated: ") {
		t.Errorf("output = %q", res.Output)
	}
}

func TestNewCommandErrors(t *testing.T) {
	if _, err := NewCommand(Definition{Name: "x"}, CommandConfig{}); err == nil {
		t.Error("empty argv accepted")
	}
	if _, err := NewCommand(Definition{}, CommandConfig{Argv: []string{"/bin/cat"}}); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := NewCommand(Definition{Name: "x", Parameters: raw(`{"type": 5}`)}, CommandConfig{Argv: []string{"/bin/cat"}}); err == nil {
		t.Error("invalid schema accepted")
	}
}

// A relative program path is resolved against Dir, as agents.yaml's command paths are.
func TestCommandRelativeToDir(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	tool := newCommand(t, Definition{Name: "rel"}, CommandConfig{Argv: []string{"./fail.sh"}, Dir: dir})
	res := Invoke(context.Background(), tool, "{}")
	if res.Output != "Error running tool rel: exit status 3: order 42 not found" {
		t.Errorf("got %q", res.Output)
	}
}
