package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
	"github.com/rtagent/rtagent/internal/tools/mcp"
)

var (
	mcpServerOnce sync.Once
	mcpServerBin  string
	mcpServerErr  error
)

// testMCPServer builds the mcp package's test server (a real go-sdk server, run as
// its own process) once per test binary.
func testMCPServer(t *testing.T) string {
	t.Helper()
	mcpServerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rtagent-app-mcp")
		if err != nil {
			mcpServerErr = err
			return
		}
		mcpServerBin = filepath.Join(dir, "mcpserver")
		cmd := exec.Command("go", "build", "-o", mcpServerBin, "./internal/tools/mcp/testdata/mcpserver")
		cmd.Dir = testkit.Root(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			mcpServerErr = err
			mcpServerBin = string(out)
		}
	})
	if mcpServerErr != nil {
		t.Fatalf("building the test MCP server: %v\n%s", mcpServerErr, mcpServerBin)
	}
	return mcpServerBin
}

// runSim opens agents on the simulator, says each line and returns every event.
func runSim(t *testing.T, agents string, lines ...string) []session.Event {
	t.Helper()
	return runSimOpts(t, Options{AgentsFile: agents}, nil, lines...)
}

// runSimOpts is runSim with more options; before, when set, runs before each line.
func runSimOpts(t *testing.T, o Options, before func(ctx context.Context, i int), lines ...string) []session.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	o.Sim, o.Fast, o.Modality, o.Approval = true, true, "text", "always"
	rt, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var evs []session.Event
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		mu.Lock()
		evs = append(evs, ev)
		mu.Unlock()
		return nil
	})
	for i, l := range lines {
		if before != nil {
			before(ctx, i)
		}
		if err := drv.Say(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	stopDriver(t, drv, rt)
	mu.Lock()
	defer mu.Unlock()
	return evs
}

func toolEnds(evs []session.Event) []session.ToolEnd {
	var out []session.ToolEnd
	for _, ev := range evs {
		if e, ok := ev.(session.ToolEnd); ok {
			out = append(out, e)
		}
	}
	return out
}

func assistantSaid(evs []session.Event) string {
	var said []string
	for _, ev := range evs {
		if tr, ok := ev.(session.Transcript); ok && tr.Final && tr.Role == "assistant" {
			said = append(said, tr.Text)
		}
	}
	return strings.Join(said, "\n")
}

// An agent's MCP server (a real stdio process) gives it tools that the simulated
// model calls through the ordinary tool path; a tool that grows the server's list
// (tools/list_changed) makes the new tool callable in the same session.
func TestOpenWiresMCPServer(t *testing.T) {
	agents := testsrvAgents(t)
	// The third line waits for the session.update that declares the new tool.
	declared := make(chan struct{})
	var once sync.Once
	tap := func(f realtime.Frame) {
		if f.Direction == "out" && f.Type == "session.update" && strings.Contains(string(f.Data), `"extra"`) {
			once.Do(func() { close(declared) })
		}
	}
	evs := runSimOpts(t, Options{AgentsFile: agents, Tap: tap}, func(ctx context.Context, i int) {
		if i == 2 {
			select {
			case <-declared:
			case <-ctx.Done():
				t.Fatal("no session.update declared the tool added by list_changed")
			}
		}
	}, "echo message=hello", "grow", "extra")
	ends := toolEnds(evs)
	if len(ends) != 3 || ends[0].Tool != "echo" || ends[0].Output != "Echo: hello" {
		t.Fatalf("tool_end events = %+v", ends)
	}
	if ends[1].Tool != "grow" || ends[2].Tool != "extra" || ends[2].Output != "extra here" {
		t.Errorf("after list_changed: tool_end events = %+v\nsaid: %s", ends, assistantSaid(evs))
	}
	for _, ev := range evs {
		if e, ok := ev.(session.Error); ok {
			t.Errorf("error event: %+v", e)
		}
	}
}

// A server that cannot start is shown to the user as a session error naming it;
// the session goes on and answers.
func TestOpenReportsFailedMCPServer(t *testing.T) {
	agents := agentsFile(t, `mcp_servers:
  - name: broken
    command: [/bin/false]
    start_timeout: 2s
agents:
  - name: helper
    instructions: Help.
    mcp: [broken]
`)
	evs := runSim(t, agents, "hello")
	var mcpErr *session.Error
	for _, ev := range evs {
		if e, ok := ev.(session.Error); ok && e.Source == SourceMCP {
			mcpErr = &e
			break
		}
	}
	if mcpErr == nil || !strings.Contains(mcpErr.Message, "MCP server broken") {
		t.Errorf("no error event naming the server: %+v", evs)
	}
	if !strings.Contains(assistantSaid(evs), "hello") {
		t.Errorf("the session did not go on: said %q", assistantSaid(evs))
	}
}

// Two servers declaring the same tool name: the later one's tool is left out and
// the conflict is reported, not fatal.
func TestOpenReportsMCPNameConflict(t *testing.T) {
	bin := testMCPServer(t)
	agents := agentsFile(t, `mcp_servers:
  - name: one
    command: [`+bin+`]
  - name: two
    command: [`+bin+`]
agents:
  - name: helper
    instructions: Help.
    mcp: [one, {server: two, allow: [echo]}]
`)
	evs := runSim(t, agents, "hello")
	found := false
	for _, ev := range evs {
		if e, ok := ev.(session.Error); ok && e.Source == SourceMCP && strings.Contains(e.Message, "left out") {
			found = true
		}
	}
	if !found {
		t.Errorf("no conflict reported: %+v", evs)
	}
}

// An MCP server env value naming an unset variable is a configuration error
// (exit 2) that names the server and the variable, and nothing starts.
func TestOpenMCPUnsetEnvIsConfigError(t *testing.T) {
	agents := agentsFile(t, `mcp_servers:
  - name: fs
    command: [/bin/true]
    env: { TOKEN: "${RTAGENT_TEST_SURELY_UNSET_VAR}" }
agents:
  - name: helper
    instructions: Help.
    mcp: [fs]
`)
	_, err := Open(t.Context(), Options{AgentsFile: agents, Sim: true, Fast: true})
	if !IsConfigError(err) {
		t.Fatalf("err = %v (%T), want a config error", err, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "fs") || !strings.Contains(msg, "RTAGENT_TEST_SURELY_UNSET_VAR") {
		t.Errorf("err = %v: want the server and the variable named", err)
	}
}

// Interrupted while the servers start: the context's error, not a config error.
func TestOpenMCPCancelledIsNotConfigError(t *testing.T) {
	agents := agentsFile(t, `mcp_servers:
  - name: slow
    command: [`+testMCPServer(t)+`, -silent]
agents:
  - name: helper
    instructions: Help.
    mcp: [slow]
`)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Open(ctx, Options{AgentsFile: agents, Sim: true, Fast: true})
	if err == nil || IsConfigError(err) {
		t.Fatalf("err = %v, want the cancellation, not a config error", err)
	}
}

// A server that crashes mid-session: the user is told which server is down and
// why, the model gets an error for the call, the server is restarted and its
// tools work again in the same session.
func TestMCPServerCrashIsReportedAndRestarted(t *testing.T) {
	agents := testsrvAgents(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rt, err := Open(ctx, Options{AgentsFile: agents, Sim: true, Fast: true, Modality: "text", Approval: "always"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var evs []session.Event
	down := make(chan session.Error, 1)
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		mu.Lock()
		evs = append(evs, ev)
		mu.Unlock()
		if e, ok := ev.(session.Error); ok && e.Source == SourceMCP {
			select {
			case down <- e:
			default:
			}
		}
		return nil
	})
	if err := drv.Say(ctx, "crash"); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-down:
		if !strings.Contains(e.Message, "MCP server testsrv is down, restarting") {
			t.Errorf("error event = %q", e.Message)
		}
	case <-ctx.Done():
		t.Fatal("no error event for the crashed server")
	}
	// Restarted with backoff (500 ms first): once ready, echo answers again.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for rt.MCPStatus()[0].State != mcp.StateReady {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("the server was not restarted: %+v", rt.MCPStatus())
		}
	}
	if st := rt.MCPStatus()[0]; st.Restarts < 1 {
		t.Errorf("status after the crash: %+v", st)
	}
	if err := drv.Say(ctx, "echo message=again"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	ends := toolEnds(evs)
	mu.Unlock()
	last := ends[len(ends)-1]
	stopDriver(t, drv, rt)
	if last.Output != "Echo: again" {
		t.Errorf("after the restart: %+v", last)
	}
	if ends[0].Tool != "crash" || ends[0].Error == "" {
		t.Errorf("the crashed call: %+v, want an error the model sees", ends[0])
	}
}

// testsrvAgents is an agents file with one agent, helper, using the test MCP
// server as testsrv.
func testsrvAgents(t *testing.T) string {
	t.Helper()
	return agentsFile(t, `mcp_servers:
  - name: testsrv
    command: [`+testMCPServer(t)+`]
agents:
  - name: helper
    instructions: Help.
    mcp: [testsrv]
`)
}
