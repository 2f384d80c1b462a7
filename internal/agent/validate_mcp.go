package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rtagent/rtagent/internal/envref"
)

// validMCPPrefix reports whether s matches ^[a-zA-Z0-9_-]{0,32}$: a tool name's
// characters, short enough to leave room for the tool's own name.
func validMCPPrefix(s string) bool { return s == "" || len(s) <= 32 && validToolName(s) }

// mcpServers validates mcp_servers and applies their defaults.
func (v *validator) mcpServers() {
	first := map[string]int{}
	for i := range v.cfg.MCPServers {
		s := &v.cfg.MCPServers[i]
		p := fmt.Sprintf("mcp_servers[%d]", i)
		switch {
		case s.Name == "":
			v.fail(p+".name", "is required")
		case !validToolName(s.Name):
			v.fail(p+".name", "invalid server name %q: must match ^[a-zA-Z0-9_-]{1,64}$", s.Name)
		default:
			if j, dup := first[s.Name]; dup {
				v.fail(p+".name", "duplicate MCP server name %q (also mcp_servers[%d])", s.Name, j)
			} else {
				first[s.Name] = i
			}
		}
		stdio, http := v.has(p+".command"), v.has(p+".url")
		switch {
		case stdio && http:
			v.fail(p+".url", "only one of command or url may be set (found command and url)")
		case !stdio && !http:
			v.fail(p, "one of command (stdio server) or url (HTTP server) is required")
		}
		if stdio {
			s.Argv = v.program(p+".command", s.Command)
			if s.Cwd != "" {
				s.Cwd = v.resolveDir(p+".cwd", s.Cwd)
			} else {
				s.Cwd = v.cfg.Dir
			}
			for _, k := range sortedKeys(s.Env) {
				if !envref.ValidName(k) {
					v.fail(join(p+".env", k), "invalid environment variable name %q", k)
				}
				if err := envref.Check(s.Env[k]); err != nil {
					v.fail(join(p+".env", k), "%v", err)
				}
			}
		} else {
			for _, k := range []string{"cwd", "env"} {
				if v.has(p + "." + k) {
					v.fail(p+"."+k, "only valid for stdio servers (command)")
				}
			}
		}
		if http {
			if s.URL == "" {
				v.fail(p+".url", "must not be empty")
			} else if msg := checkURL(s.URL, "http", "https"); msg != "" {
				v.fail(p+".url", "%s", msg)
			}
			v.headers(p+".headers", s.Headers)
		} else if v.has(p + ".headers") {
			v.fail(p+".headers", "only valid for HTTP servers (url)")
		}
		if !validMCPPrefix(s.Prefix) {
			v.fail(p+".prefix", "invalid prefix %q: must match ^[a-zA-Z0-9_-]{0,32}$", s.Prefix)
		}
		if s.Timeout == 0 {
			s.Timeout = DefaultToolTimeout
		}
		if s.StartTimeout == 0 {
			s.StartTimeout = DefaultMCPStartTimeout
		}
		if !v.has(p + ".max_output_bytes") {
			s.MaxOutputBytes = DefaultMaxOutputBytes
		} else if s.MaxOutputBytes < 1 {
			v.fail(p+".max_output_bytes", "must be at least 1, got %d", s.MaxOutputBytes)
		}
	}
}

// agentMCP validates an agent's mcp list.
func (v *validator) agentMCP(p string, a *Agent) {
	seen := map[string]int{}
	for j := range a.MCP {
		u := &a.MCP[j]
		up := fmt.Sprintf("%s.mcp[%d]", p, j)
		switch {
		case strings.TrimSpace(u.Server) == "":
			v.fail(up+".server", "is required")
			continue
		case !v.hasMCPServer(u.Server):
			v.fail(up+".server", "unknown MCP server %q (not in mcp_servers)", u.Server)
		default:
			if k, dup := seen[u.Server]; dup {
				v.fail(up+".server", "MCP server %q is listed twice (also %s.mcp[%d])", u.Server, p, k)
			}
		}
		seen[u.Server] = j
		v.toolNames(up+".allow", u.Allow)
		v.toolNames(up+".deny", u.Deny)
		v.toolNames(up+".needs_approval", u.NeedsApproval.Tools)
		for k, name := range u.Allow {
			if slices.Contains(u.Deny, name) {
				v.fail(fmt.Sprintf("%s.allow[%d]", up, k), "tool %q is both allowed and denied", name)
			}
		}
	}
}

func (v *validator) hasMCPServer(name string) bool {
	_, ok := v.cfg.MCPServer(name)
	return ok
}

func (v *validator) toolNames(path string, names []string) {
	for k, n := range names {
		if strings.TrimSpace(n) == "" {
			v.fail(fmt.Sprintf("%s[%d]", path, k), "tool name must not be empty")
		}
	}
}
