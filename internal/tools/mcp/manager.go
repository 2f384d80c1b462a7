package mcp

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/rtagent/rtagent/internal/tools"
)

// Manager owns the MCP servers of one session.
type Manager struct {
	servers []*server
	byName  map[string]*server
	ctx     context.Context // the servers' lifetime: cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // supervisors and probes
	mu      sync.Mutex     // guards closed against wg.Add after Close began
	closed  bool
	changed chan struct{} // buffered 1: coalescing, never lost
	closeMu sync.Once
}

// Open starts every server concurrently and returns when each has either listed
// its tools or failed its first start (bounded by its StartTimeout). A server that
// failed is restarted with backoff in the background; Status tells which. Open
// fails only for an invalid configuration. Close stops everything.
func Open(ctx context.Context, servers []ServerConfig, opts Options) (*Manager, error) {
	if err := checkConfigs(servers); err != nil {
		return nil, err
	}
	opts.defaults()
	// The servers live until Close, not until ctx: ctx only bounds this call's wait.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m := &Manager{byName: map[string]*server{}, ctx: rctx, cancel: cancel, changed: make(chan struct{}, 1)}
	var started []chan struct{}
	for _, cfg := range servers {
		cfg.Command = slices.Clone(cfg.Command)
		s := &server{cfg: cfg, opts: &opts, m: m, state: StateStarting, relist: make(chan struct{}, 1),
			log: opts.Logger.With("mcp_server", cfg.Name)}
		m.servers = append(m.servers, s)
		m.byName[cfg.Name] = s
		ch := make(chan struct{})
		started = append(started, ch)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			s.run(rctx, ch)
		}()
	}
	for _, ch := range started {
		select {
		case <-ch:
		case <-ctx.Done():
			m.Close()
			return nil, ctx.Err()
		}
	}
	// The first start of each server is not a change the session must act on.
	select {
	case <-m.changed:
	default:
	}
	return m, nil
}

// Close stops every server (stdin closed, then the process group killed after
// StopGrace) and waits for the supervisors.
func (m *Manager) Close() error {
	m.closeMu.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.mu.Unlock()
		m.cancel()
		m.wg.Wait()
	})
	return nil
}

// Changed receives a value after a server's tool list changed (list_changed, or a
// restart that listed different tools, or a first successful start after a
// failure). Several changes may coalesce into one value: on receiving, rebuild
// every agent's tools with Tools and send a session.update at the next safe point.
func (m *Manager) Changed() <-chan struct{} { return m.changed }

// goProbe runs the liveness probe of a server after a timed-out call, owned by the
// Manager (Close cancels and joins it).
func (m *Manager) goProbe(s *server, sess *mcp.ClientSession, p *stdioProc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		s.probe(m.ctx, sess, p)
	}()
}

func (m *Manager) signalChanged() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// ServerStatus is one server's state, for `agents show`, the UI and the log.
type ServerStatus struct {
	Name     string
	Kind     string // "stdio" or "http"
	State    State
	Err      error // why the server is not ready
	Tools    []RemoteTool
	Skipped  []string // tools left out, with the reason
	Restarts int
}

// Status returns every server's state, in configuration order.
func (m *Manager) Status() []ServerStatus {
	out := make([]ServerStatus, 0, len(m.servers))
	for _, s := range m.servers {
		s.mu.Lock()
		out = append(out, ServerStatus{Name: s.cfg.Name, Kind: s.cfg.kind(), State: s.state, Err: s.err,
			Tools: slices.Clone(s.tools), Skipped: slices.Clone(s.skipped), Restarts: s.restarts})
		s.mu.Unlock()
	}
	return out
}

// Use is one entry of an agent's mcp list.
type Use struct {
	Server string
	// Allow, when not empty, keeps only these tools; Deny removes tools. Both name
	// the server's own tool names (without the prefix).
	Allow, Deny []string
	// NeedsApproval asks before every call of every tool of the server;
	// ApprovalTools before the calls of these tools only.
	NeedsApproval bool
	ApprovalTools []string
}

// Tools returns the tools that uses select, as the servers list them now, in the
// order of uses and then of each server's list. taken reports names the agent
// already declares (its own tools and handoffs; nil: none): an MCP tool whose
// declared name is taken, or was already returned for an earlier server, is left
// out and reported in conflicts.
func (m *Manager) Tools(uses []Use, taken func(name string) bool) (out []tools.Tool, conflicts []error) {
	claimed := map[string]string{} // declared name -> server
	for _, u := range uses {
		s := m.byName[u.Server]
		if s == nil {
			conflicts = append(conflicts, fmt.Errorf("unknown MCP server %q", u.Server))
			continue
		}
		s.mu.Lock()
		remote := slices.Clone(s.tools)
		s.mu.Unlock()
		for _, rt := range remote {
			if len(u.Allow) > 0 && !slices.Contains(u.Allow, rt.Name) || slices.Contains(u.Deny, rt.Name) {
				continue
			}
			name := declaredName(s.cfg.Prefix, rt.Name)
			if taken != nil && taken(name) {
				conflicts = append(conflicts, fmt.Errorf("MCP server %s: tool %s is left out: the agent already has a tool named %q (set a prefix on the server)", s.cfg.Name, rt.Name, name))
				continue
			}
			if other, dup := claimed[name]; dup {
				conflicts = append(conflicts, fmt.Errorf("MCP server %s: tool %s is left out: server %s already provides a tool named %q (set a prefix on one of them)", s.cfg.Name, rt.Name, other, name))
				continue
			}
			claimed[name] = s.cfg.Name
			out = append(out, newTool(m, s, rt, name, u.NeedsApproval || slices.Contains(u.ApprovalTools, rt.Name)))
		}
	}
	return out, conflicts
}

// DeclaredName is the name under which a tool of a server with this prefix is
// declared to the model.
func DeclaredName(prefix, name string) string { return declaredName(prefix, name) }

// declaredName is prefix+name with every character outside [A-Za-z0-9_-] made "_"
// and cut to 64 bytes (docs/protocol.md R8.1).
func declaredName(prefix, name string) string {
	b := []byte(prefix + name)
	for i, c := range b {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
