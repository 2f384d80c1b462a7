package mcp

import (
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/envref"
	"github.com/rtagent/rtagent/internal/tools"
)

// ServersFor returns the mcp_servers of cfg that at least one agent uses, ready for
// Open, with their env values expanded (lookup nil: os.LookupEnv). Header values
// stay templates: they are expanded at each connect. An unset variable is an error
// that names the server, the key and the variable, never a value.
func ServersFor(cfg *agent.Config, lookup func(string) (string, bool)) ([]ServerConfig, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	used := map[string]bool{}
	for i := range cfg.Agents {
		for _, u := range cfg.Agents[i].MCP {
			used[u.Server] = true
		}
	}
	var out []ServerConfig
	for i := range cfg.MCPServers {
		s := &cfg.MCPServers[i]
		if !used[s.Name] {
			continue
		}
		sc := ServerConfig{
			Name: s.Name, Command: s.Argv, Dir: s.Cwd, URL: s.URL, Headers: s.Headers, Prefix: s.Prefix,
			Timeout: s.Timeout.D(), StartTimeout: s.StartTimeout.D(), MaxOutputBytes: s.MaxOutputBytes,
		}
		if len(sc.Command) == 0 {
			sc.Command = s.Command
		}
		for _, k := range sortedKeys(s.Env) {
			v, err := envref.Expand(s.Env[k], lookup)
			if err != nil {
				return nil, fmt.Errorf("%s: mcp_servers[%d] (%s): env %s: %w", cfg.File, i, s.Name, k, err)
			}
			sc.Env = append(sc.Env, k+"="+v)
		}
		out = append(out, sc)
	}
	return out, nil
}

// UsesOf returns an agent's mcp list as Uses.
func UsesOf(a *agent.Agent) []Use {
	out := make([]Use, 0, len(a.MCP))
	for _, u := range a.MCP {
		out = append(out, Use{Server: u.Server, Allow: u.Allow, Deny: u.Deny,
			NeedsApproval: u.NeedsApproval.All, ApprovalTools: u.NeedsApproval.Tools})
	}
	return out
}

// AgentTools returns the MCP tools of agent a as they are now. own are the tools
// the agent already declares (its YAML tools); handoffToolNames its handoff tool
// names. MCP tools whose names collide with them, or with an earlier server's
// tool, are left out and returned as conflicts (show them to the user and log them).
func (m *Manager) AgentTools(a *agent.Agent, own []tools.Tool, handoffToolNames []string) ([]tools.Tool, []error) {
	taken := map[string]bool{}
	for _, t := range own {
		taken[t.Definition().Name] = true
	}
	for _, n := range handoffToolNames {
		taken[n] = true
	}
	return m.Tools(UsesOf(a), func(n string) bool { return taken[n] })
}

func sortedKeys(m map[string]string) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}
