package session

import (
	"fmt"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// SetAgentTools replaces the tools of agent name (an MCP server's tool list
// changed). Calls already detected keep the table they were resolved against
// (R8.3). When the agent is active, a full session.update declares the new tools at
// the next safe point: no response active. An inactive agent declares them when it
// becomes active. Duplicate names, or a name of one of the agent's handoff tools, are
// an error and nothing changes (R8.1). Before Start the table is replaced at once
// and declared on connect.
func (s *Session) SetAgentTools(name string, ts []tools.Tool) error {
	a := s.agents[name]
	if a == nil {
		return fmt.Errorf("unknown agent %q", name)
	}
	seen := map[string]bool{}
	for _, h := range a.Handoffs {
		seen[h.toolName()] = true
	}
	for i, t := range ts {
		if t == nil {
			return fmt.Errorf("agent %q: tools[%d] is nil", name, i)
		}
		n := t.Definition().Name
		if seen[n] {
			return fmt.Errorf("agent %q: duplicate realtime tool name %q", name, n)
		}
		seen[n] = true
	}
	ts = append([]tools.Tool(nil), ts...)
	s.lifeMu.Lock()
	if !s.started && !s.closed {
		a.Tools = ts // no engine yet: Start declares them
		s.lifeMu.Unlock()
		return nil
	}
	s.lifeMu.Unlock()
	return s.do(func() {
		a.Tools = ts
		if a == s.active {
			s.toolsDirty = true
			s.maybeDeclareTools()
		}
	})
}

// maybeDeclareTools sends the active agent's new tool table once no response is
// active (engine goroutine; checked after every event and operation).
func (s *Session) maybeDeclareTools() {
	if !s.toolsDirty || !s.ready || s.activeResp != "" {
		return
	}
	s.toolsDirty = false
	st := s.lastSettings // the same agent: keep its instructions (a handoff preamble included)
	st.Tools = toolDeclarations(s.agents, s.active)
	s.lastSettings = st
	s.send(realtime.UpdateSession{Settings: st})
}

// Report shows an error that happened outside the conversation (an MCP server
// failed or restarts) in the session's event stream. Before Start it is queued
// ahead of every session event; after Close it is dropped.
func (s *Session) Report(ev Error) {
	s.lifeMu.Lock()
	if !s.started && !s.closed {
		s.out.push(ev)
		s.lifeMu.Unlock()
		return
	}
	s.lifeMu.Unlock()
	_ = s.do(func() { s.emit(ev) })
}
