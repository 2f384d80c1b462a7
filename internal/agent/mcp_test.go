package agent

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// mcp_servers and agents' mcp lists: both shapes of an entry, both shapes of
// needs_approval, defaults, a resolved program and working directory.
func TestMCPConfig(t *testing.T) {
	src := `
mcp_servers:
  - name: local
    command: [sh, -c, "exec my-server"]
    env: {TOKEN: "${MY_TOKEN}"}
  - name: web
    url: https://mcp.example.com/mcp
    headers: {Authorization: "Bearer ${WEB_TOKEN}"}
    prefix: web_
    timeout: 5s
    start_timeout: 20s
    max_output_bytes: 1000
agents:
  - name: a
    instructions: hi
    tool_choice: read_file   # may be an MCP tool: known only at run time
    mcp:
      - local
      - server: web
        allow: [search, fetch]
        deny: [delete]
        needs_approval: [search]
  - name: b
    instructions: hi
    mcp: [{server: web, needs_approval: true}]
`
	cfg, err := Parse([]byte(src), filepath.Join(t.TempDir(), "agents.yaml"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	local, ok := cfg.MCPServer("local")
	if !ok || !filepath.IsAbs(local.Argv[0]) || local.Cwd != cfg.Dir || local.Timeout.D() != 30*time.Second ||
		local.StartTimeout.D() != 10*time.Second || local.MaxOutputBytes != DefaultMaxOutputBytes {
		t.Errorf("local = %+v", local)
	}
	web, _ := cfg.MCPServer("web")
	if web.Prefix != "web_" || web.Timeout.D() != 5*time.Second || web.StartTimeout.D() != 20*time.Second || web.MaxOutputBytes != 1000 {
		t.Errorf("web = %+v", web)
	}
	a := cfg.Agents[0].MCP
	if len(a) != 2 || a[0].Server != "local" || a[0].NeedsApproval.For("x") ||
		a[1].Server != "web" || !slices.Equal(a[1].Allow, []string{"search", "fetch"}) || !a[1].NeedsApproval.For("search") || a[1].NeedsApproval.For("other") {
		t.Errorf("agent a mcp = %+v", a)
	}
	if b := cfg.Agents[1].MCP; len(b) != 1 || !b[0].NeedsApproval.All {
		t.Errorf("agent b mcp = %+v", b)
	}
}
