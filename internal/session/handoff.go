package session

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rtagent/rtagent/internal/realtime"
)

// handoff runs R9.2 for call c to target h: handoff event, session update for the new
// agent, then the tool output with a response trigger, in that wire order.
func (s *Session) handoff(c *call, h HandoffTarget) {
	target := s.agents[h.Agent]
	if target == nil {
		// R9.2 step 1: an unknown target is an unknown tool (R8.7); keep the agent.
		msg := "Tool " + c.name + " not found"
		s.emit(Error{Source: SourceTool, Message: msg})
		s.finishCall(c, msg, msg, 0, false)
		return
	}
	from := s.active
	s.setActive(target)
	s.emit(Handoff{FromAgent: from.Name, ToAgent: target.Name, CallID: c.id})
	s.lastSettings = s.settingsFor(target, from.Name)
	s.toolsDirty = false   // the full update declares the new agent's current tools
	s.ctl.from = from.Name // later updates keep the preamble (controls.go)
	s.send(realtime.UpdateSession{Settings: s.lastSettings})
	out := handoffOutput(target.Name)
	s.send(realtime.SendToolOutput{CallID: c.id, Output: out, Respond: true})
	s.setCallOutput(c.id, out)
}

// switchAgent is a manual switch (R9.5).
func (s *Session) switchAgent(name string) {
	target := s.agents[name]
	from := s.active
	if target == nil { // gone with an agents reload since SwitchAgent checked (controls.go)
		s.emit(Error{Source: SourceEngine, Message: fmt.Sprintf("switch agent: unknown agent %q", name)})
		return
	}
	if target == from {
		return
	}
	s.setActive(target)
	s.emit(Handoff{FromAgent: from.Name, ToAgent: target.Name, Manual: true})
	s.lastSettings = s.settingsFor(target, "")
	s.toolsDirty = false
	s.ctl.from = ""
	s.send(realtime.UpdateSession{Settings: s.lastSettings})
}

// handoffOutput is {"assistant":"<name>"} without HTML escaping (R8.9).
func handoffOutput(name string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"assistant": name})
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
