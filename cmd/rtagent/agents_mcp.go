package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/tools/mcp"
)

// showMCP lists the tools of each MCP server agent name uses, starting them (their
// stderr goes to the log file).
func showMCP(ctx context.Context, f *factory, cfg *agent.Config, name string) error {
	a, ok := cfg.Agent(name)
	if !ok || len(a.MCP) == 0 {
		return nil
	}
	check, err := app.CheckMCP(ctx, cfg, name, f.Logger)
	if err != nil {
		return err
	}
	declared := map[string]bool{}
	for _, d := range check.Tools[name] {
		declared[d.Name] = true
	}
	w := f.IO.Out
	fmt.Fprintln(w, "mcp servers:")
	for _, st := range check.Servers {
		fmt.Fprintf(w, "  - %s (%s, %s", st.Name, st.Kind, st.State)
		if st.State == mcp.StateReady {
			fmt.Fprintf(w, ", %d tools)\n", len(st.Tools))
		} else {
			fmt.Fprintf(w, "): %v\n", st.Err)
		}
		prefix := mcpPrefix(cfg, st.Name)
		for _, t := range st.Tools {
			mark := ""
			if !declared[mcp.DeclaredName(prefix, t.Name)] {
				mark = " (not used)"
			}
			fmt.Fprintf(w, "      %s%s: %s\n", mcp.DeclaredName(prefix, t.Name), mark, dash(oneLine(t.Description)))
		}
		for _, sk := range st.Skipped {
			fmt.Fprintf(w, "      skipped: %s\n", sk)
		}
	}
	for _, c := range check.Conflicts {
		fmt.Fprintf(w, "  conflict: %v\n", c)
	}
	return nil
}

// checkMCPServers is validate --check-mcp: every server the agents use must start
// and list its tools, and no tool name may collide (exit 2 otherwise).
func checkMCPServers(ctx context.Context, f *factory, cfg *agent.Config) error {
	check, err := app.CheckMCP(ctx, cfg, "", f.Logger)
	if err != nil {
		return err
	}
	for _, st := range check.Servers {
		if st.State == mcp.StateReady {
			fmt.Fprintf(f.IO.Out, "mcp server %s: ready, %d tools\n", st.Name, len(st.Tools))
		}
	}
	if probs := check.Problems(); len(probs) > 0 {
		var lines []string
		for _, p := range probs {
			lines = append(lines, p.Error())
		}
		return &configError{Err: errors.New(cfg.File + ": MCP check failed:\n  " + strings.Join(lines, "\n  "))}
	}
	return nil
}

func mcpPrefix(cfg *agent.Config, server string) string {
	for _, s := range cfg.MCPServers {
		if s.Name == server {
			return s.Prefix
		}
	}
	return ""
}
