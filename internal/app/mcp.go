package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
	"github.com/rtagent/rtagent/internal/tools/mcp"
)

// SourceMCP is the source of the session errors about MCP servers.
const SourceMCP = session.SourceMCP

// mcpRuntime is the MCP side of a runtime: the servers, each agent's own tools (to
// rebuild its table when a server's tool list changes) and the session to report to.
type mcpRuntime struct {
	mgr  *mcp.Manager
	cfg  *agent.Config
	log  *slog.Logger
	own  map[string][]tools.Tool // agent → its YAML tools
	sess atomic.Pointer[session.Session]

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// OpenMCP starts the MCP servers the agents of cfg use (nil when none) and waits
// until each has listed its tools or failed its first start. A configuration
// problem (an unset ${VAR} in an env value) is a *ConfigError. Server stderr goes to
// log, never to the terminal. notify, when set, hears every later state change.
func OpenMCP(ctx context.Context, cfg *agent.Config, log *slog.Logger, notify func(server string, st mcp.State, err error)) (*mcp.Manager, error) {
	servers, err := mcp.ServersFor(cfg, nil)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	if len(servers) == 0 {
		return nil, nil
	}
	mgr, err := mcp.Open(ctx, servers, mcp.Options{Logger: log, BaseEnv: baseEnv(), Notify: notify})
	switch {
	case err == nil:
	case ctx.Err() != nil: // interrupted while the servers started: not a config problem
		return nil, fmt.Errorf("starting MCP servers: %w", err)
	default:
		return nil, &ConfigError{Err: fmt.Errorf("%s: mcp_servers: %w", cfg.File, err)}
	}
	return mgr, nil
}

// openMCP starts the servers for a session; nil when no agent uses one.
func openMCP(ctx context.Context, cfg *agent.Config, log *slog.Logger) (*mcpRuntime, error) {
	m := &mcpRuntime{cfg: cfg, log: log, own: map[string][]tools.Tool{}}
	mgr, err := OpenMCP(ctx, cfg, log, m.notify)
	if err != nil || mgr == nil {
		return nil, err
	}
	m.mgr = mgr
	return m, nil
}

// notify shows a server's state change to the user: a session error while it is
// down (with the reason), a log line when it is back. Before the session exists the
// initial state is reported from Status instead (reportInitial).
func (m *mcpRuntime) notify(server string, st mcp.State, err error) {
	if st == mcp.StateReady || st == mcp.StateStarting {
		m.log.Info("mcp server state", "mcp_server", server, "state", string(st))
		return
	}
	if s := m.sess.Load(); s != nil {
		s.Report(session.Error{Source: SourceMCP, Message: serverMessage(server, st, err)})
	}
}

func serverMessage(server string, st mcp.State, err error) string {
	var what string
	switch st {
	case mcp.StateRestarting:
		what = "is down, restarting"
	case mcp.StateFailed:
		what = "failed"
	case mcp.StateStopped:
		what = "stopped"
	default:
		what = "is " + string(st)
	}
	if err != nil {
		return fmt.Sprintf("MCP server %s %s: %v", server, what, err)
	}
	return fmt.Sprintf("MCP server %s %s", server, what)
}

// agentTools returns the MCP tools of agent a and the conflicts to report.
func (m *mcpRuntime) agentTools(a *agent.Agent, own []tools.Tool) ([]tools.Tool, []error) {
	if m == nil || len(a.MCP) == 0 {
		return nil, nil
	}
	m.own[a.Name] = own
	return m.mgr.AgentTools(a, own, handoffToolNames(a))
}

func handoffToolNames(a *agent.Agent) []string {
	var names []string
	for _, h := range a.Handoffs {
		n := h.ToolName
		if n == "" {
			n = tools.HandoffToolName(h.Agent)
		}
		names = append(names, n)
	}
	return names
}

// attach reports the servers that are not ready and the conflicts found while
// building the agents (before Start: the first events), then watches for tool list
// changes until close.
func (m *mcpRuntime) attach(s *session.Session, conflicts []error) {
	m.sess.Store(s)
	for _, st := range m.mgr.Status() {
		if st.State != mcp.StateReady {
			s.Report(session.Error{Source: SourceMCP, Message: serverMessage(st.Name, st.State, st.Err)})
		}
	}
	for _, err := range conflicts {
		m.log.Warn("mcp tool left out", "err", err)
		s.Report(session.Error{Source: SourceMCP, Message: err.Error()})
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.watch(ctx, s)
	}()
}

// watch rebuilds the tool tables of the agents that use MCP servers after a server's
// tool list changed; the session declares them at its next safe point.
func (m *mcpRuntime) watch(ctx context.Context, s *session.Session) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.mgr.Changed():
		}
		for i := range m.cfg.Agents {
			a := &m.cfg.Agents[i]
			if len(a.MCP) == 0 {
				continue
			}
			own := m.own[a.Name]
			extra, conflicts := m.mgr.AgentTools(a, own, handoffToolNames(a))
			for _, err := range conflicts {
				m.log.Warn("mcp tool left out", "agent", a.Name, "err", err)
			}
			ts := append(append([]tools.Tool(nil), own...), extra...)
			if err := s.SetAgentTools(a.Name, ts); err != nil {
				m.log.Warn("mcp tools not updated", "agent", a.Name, "err", err)
				continue
			}
			m.log.Info("mcp tools updated", "agent", a.Name, "tools", len(ts))
		}
	}
}

// MCPStatus returns the state of each MCP server of the session (none when no agent
// uses one).
func (rt *Runtime) MCPStatus() []mcp.ServerStatus {
	if rt.mcp == nil {
		return nil
	}
	return rt.mcp.mgr.Status()
}

// close stops the watcher, then the servers.
func (m *mcpRuntime) close() error {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	return m.mgr.Close()
}

// MCPCheck is what `rtagent agents show` and `agents validate --check-mcp` learn by
// starting the MCP servers once.
type MCPCheck struct {
	// Servers are the servers started, in configuration order, with their tools
	// as they listed them.
	Servers []mcp.ServerStatus
	// Tools are, per agent, the MCP tools it would declare (after allow/deny and
	// name conflicts).
	Tools map[string][]tools.Definition
	// Conflicts are the MCP tools left out for a name already taken.
	Conflicts []error
}

// Problems lists what makes the check fail: servers that are not ready, and
// conflicts.
func (c *MCPCheck) Problems() []error {
	var out []error
	for _, s := range c.Servers {
		switch {
		case s.State == mcp.StateReady:
		case s.Err == nil:
			out = append(out, fmt.Errorf("MCP server %s did not start (%s)", s.Name, s.State))
		default:
			out = append(out, fmt.Errorf("MCP server %s did not start (%s): %w", s.Name, s.State, s.Err))
		}
	}
	return append(out, c.Conflicts...)
}

// CheckMCP starts the MCP servers of cfg (only those agent only uses, when only is
// not ""), lists their tools, builds each agent's table, and stops them. Server
// stderr goes to log. A configuration problem is a *ConfigError; a server that does
// not start is not an error here but shows in the result.
func CheckMCP(ctx context.Context, cfg *agent.Config, only string, log *slog.Logger) (*MCPCheck, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if only != "" {
		c := *cfg
		c.Agents = nil
		for _, a := range cfg.Agents {
			if a.Name == only {
				c.Agents = append(c.Agents, a)
			}
		}
		cfg = &c
	}
	m, err := openMCP(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	check := &MCPCheck{Tools: map[string][]tools.Definition{}}
	if m == nil {
		return check, nil
	}
	defer m.close()
	for i := range cfg.Agents {
		a := &cfg.Agents[i]
		var own []tools.Tool
		for j := range a.Tools {
			t, err := buildTool(cfg, &a.Tools[j], slogWriter{log: log})
			if err != nil {
				return nil, &ConfigError{Err: fmt.Errorf("%s: agents[%d].tools[%d] (%s): %w", cfg.File, i, j, a.Tools[j].Name, err)}
			}
			own = append(own, t)
		}
		extra, conflicts := m.agentTools(a, own)
		for _, t := range extra {
			check.Tools[a.Name] = append(check.Tools[a.Name], t.Definition())
		}
		for _, c := range conflicts {
			check.Conflicts = append(check.Conflicts, fmt.Errorf("agent %s: %w", a.Name, c))
		}
	}
	check.Servers = m.mgr.Status()
	return check, nil
}
