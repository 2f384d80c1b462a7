package mcp

import (
	"bufio"
	"context"
	"fmt"
	"github.com/rtagent/rtagent/internal/testkit"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/tools"
)

// serverBin is the test MCP server (testdata/mcpserver), built once by TestMain.
var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rtagent-mcp-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin = filepath.Join(dir, "mcpserver")
	if out, err := exec.Command("go", "build", "-o", serverBin, "./testdata/mcpserver").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test MCP server: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// syncBuffer is a log sink safe for the supervisors' goroutines.
type syncBuffer = testkit.SafeBuffer

// stateEvent is one Notify call.
type stateEvent struct {
	server string
	state  State
	err    error
}

// rig is an open Manager with its log and its state changes.
type rig struct {
	*Manager
	log    *syncBuffer
	states chan stateEvent
}

func open(t *testing.T, servers []ServerConfig, opts Options) *rig {
	t.Helper()
	r := &rig{log: &syncBuffer{}, states: make(chan stateEvent, 100)}
	opts.Logger = slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Notify = func(name string, st State, err error) {
		select {
		case r.states <- stateEvent{name, st, err}:
		default:
		}
	}
	m, err := Open(t.Context(), servers, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.Manager = m
	t.Cleanup(func() { m.Close() })
	return r
}

// waitState waits for the server to reach st and returns the event.
func (r *rig) waitState(t *testing.T, st State) stateEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-r.states:
			if e.state == st {
				return e
			}
		case <-deadline:
			t.Fatalf("server did not reach %s; status %+v", st, r.Status())
		}
	}
}

func stdio(name string, args ...string) ServerConfig {
	return ServerConfig{Name: name, Command: append([]string{serverBin}, args...), StartTimeout: 10 * time.Second}
}

// tool returns the named tool of the uses.
func (r *rig) tool(t *testing.T, name string, uses ...Use) tools.Tool {
	t.Helper()
	ts, _ := r.Tools(uses, nil)
	for _, x := range ts {
		if x.Definition().Name == name {
			return x
		}
	}
	t.Fatalf("no tool %s among %v", name, names(ts))
	return nil
}

func names(ts []tools.Tool) []string {
	var out []string
	for _, x := range ts {
		out = append(out, x.Definition().Name)
	}
	return out
}

// startHTTPServer runs the test server in HTTP mode and returns its URL.
func startHTTPServer(t *testing.T, env ...string) string {
	url, _ := startHTTPServerStop(t, env...)
	return url
}

// startHTTPServerStop is startHTTPServer that also returns a function ending the
// server (and waiting for it).
func startHTTPServerStop(t *testing.T, env ...string) (string, func()) {
	t.Helper()
	cmd := exec.Command(serverBin, "-http")
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stdin.Close() // the server exits when its stdin closes
			cmd.Wait()
		})
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the server URL: %v", err)
	}
	return strings.TrimSpace(line), stop
}

func invoke(t *testing.T, tool tools.Tool, args string) tools.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return tools.Invoke(ctx, tool, args)
}
