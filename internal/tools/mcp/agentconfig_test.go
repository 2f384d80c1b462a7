package mcp

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/tools"
)

// From agents.yaml to running tools: only used servers start, env is expanded,
// the agent's allow list, approvals and its own tool names apply.
func TestFromAgentsYAML(t *testing.T) {
	dir := t.TempDir()
	src := `
mcp_servers:
  - name: test
    command: [` + serverBin + `]
    env: {MCP_TEST_VALUE: "${FROM_ENV}"}
  - name: unused
    command: [` + serverBin + `]
agents:
  - name: a
    instructions: hi
    tools:
      - {name: echo, builtin: echo}
    handoffs: [b]
    mcp:
      - server: test
        allow: [echo, env, add, transfer_to_b]
        needs_approval: [add]
  - name: b
    instructions: hi
`
	cfg, err := agent.Parse([]byte(src), filepath.Join(dir, "agents.yaml"), agent.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ServersFor(cfg, func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "mcp_servers[0] (test): env MCP_TEST_VALUE: environment variable FROM_ENV is not set") {
		t.Fatalf("missing variable: %v", err)
	}
	servers, err := ServersFor(cfg, func(k string) (string, bool) { return "from-env", k == "FROM_ENV" })
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 1 || servers[0].Name != "test" {
		t.Fatalf("servers = %+v", servers)
	}
	r := open(t, servers, Options{})
	own, err := tools.NewBuiltin("echo", tools.Definition{Name: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	a := &cfg.Agents[0]
	ts, conflicts := r.AgentTools(a, []tools.Tool{own}, []string{a.Handoffs[0].ToolName})
	if got := names(ts); !slices.Equal(got, []string{"add", "env"}) || len(conflicts) != 1 {
		t.Fatalf("tools %v, conflicts %v", got, conflicts)
	}
	if !ts[0].Definition().NeedsApproval || ts[1].Definition().NeedsApproval {
		t.Error("needs_approval [add] not applied")
	}
	if res := invoke(t, ts[1], `{}`); !strings.HasPrefix(res.Output, "MCP_TEST_VALUE=from-env ") {
		t.Errorf("env: %q %v", res.Output, res.Err)
	}
}
