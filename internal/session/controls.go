package session

import (
	"errors"
	"fmt"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Runtime controls (issue 12 items 13, 15, 16): the output modality, the turn
// detection and the agents change while the session runs. Each change edits what
// the session builds its settings from and owes a full session.update (R2.3),
// sent at the next safe point: the session is quiet (no response, tool, approval,
// typed text or user speech in progress, see checkIdle) and not recycling. So an
// answer in flight finishes under the settings it started with, and a tool call
// never refers to a tool that vanished under it.

// controlState is the engine's bookkeeping of pending controls (engine only).
type controlState struct {
	owed   bool              // a full update is owed at the next safe point
	agents map[string]*Agent // validated replacement agents, applied with the update
	list   []*Agent          // the same, in order
	// from is the agent that handed off to the active one ("" after a manual
	// switch or none): updates keep its handoff preamble (R9.2 step 6).
	from string
}

// SettingsView is the session configuration as the session knows it (item 16).
type SettingsView struct {
	// Sent is the last full settings sent (R2.3): instructions after templating
	// and the handoff preamble, tools with handoff tools, turn detection, voice,
	// output modalities.
	Sent realtime.Settings
	// Effective is the server's effective session from its last session.updated
	// (R2.6); nil before the first.
	Effective *realtime.Settings
	// Pending: a change waits for the next safe point; Sent does not show it yet.
	Pending bool
	// Agent is the active agent.
	Agent string
}

// SetOutputModality switches the answers between text and audio
// (realtime.ModalityText, realtime.ModalityAudio) with a full session.update at
// the next safe point. The voice stays the session's (R2.4).
func (s *Session) SetOutputModality(modality string) error {
	switch modality {
	case realtime.ModalityText, realtime.ModalityAudio:
	default:
		return fmt.Errorf("output modality %q: want %q or %q", modality, realtime.ModalityText, realtime.ModalityAudio)
	}
	return s.do(func() {
		s.cfg.Base.OutputModalities = []string{modality}
		s.owe()
	})
}

// SetTurnDetection switches between voice activity detection (td, e.g. the
// agents file's semantic_vad) and manual turns (nil: push-to-talk, R2.2), with a
// full session.update at the next safe point. The agent's interrupt_response and
// the strict input guardrails still apply on top of td (R7.8, R10.7).
func (s *Session) SetTurnDetection(td *realtime.TurnDetection) error {
	var c *realtime.TurnDetection
	if td != nil {
		cp := *td
		c = &cp
	}
	return s.do(func() {
		s.cfg.Base.TurnDetection = c
		s.owe()
	})
}

// ReplaceAgents replaces every agent's instructions, tools, handoffs and
// guardrails (an agents file reloaded, item 15). The agents are validated first
// as New does; on error nothing changes. The active agent is kept by name, so it
// must be among them. History, sticky approvals and the connection are kept; the
// new agents take effect, with a full session.update for the active one, at the
// next safe point. Calls already detected run the tools they were detected with.
func (s *Session) ReplaceAgents(agents []*Agent) error {
	res := make(chan error, 1)
	if err := s.do(func() { res <- s.replaceAgents(agents) }); err != nil {
		return err
	}
	select {
	case err := <-res:
		return err
	case <-s.stopping:
		return ErrClosed
	}
}

// Settings returns the configuration last sent, the server's effective one and
// whether a change is pending (item 16).
func (s *Session) Settings() (SettingsView, error) {
	res := make(chan SettingsView, 1)
	if err := s.do(func() {
		v := SettingsView{Sent: s.lastSettings, Pending: s.ctl.owed, Agent: s.active.Name}
		if s.effective != nil {
			eff := *s.effective
			v.Effective = &eff
		}
		res <- v
	}); err != nil {
		return SettingsView{}, err
	}
	select {
	case v := <-res:
		return v, nil
	case <-s.stopping:
		return SettingsView{}, ErrClosed
	}
}

// owe marks a full update as owed; checkIdle, which runs after this operation,
// sends it if this is a safe point.
func (s *Session) owe() { s.ctl.owed = true }

// replaceAgents validates agents (engine only) and schedules them.
func (s *Session) replaceAgents(agents []*Agent) error {
	c := s.cfg
	c.Agents, c.StartAgent = agents, ""
	byName, err := c.validate()
	if err != nil {
		return err
	}
	if byName[s.active.Name] == nil {
		return fmt.Errorf("%w: the active agent %q is not among the new agents", ErrConfig, s.active.Name)
	}
	s.ctl.agents, s.ctl.list = byName, append([]*Agent(nil), agents...)
	s.owe()
	return nil
}

// errActiveGone: the agent active when the replacement was validated was left by
// a handoff, and the one now active is not among the new agents.
var errActiveGone = errors.New("reloaded agents not applied")

// applyControls sends the owed update when this is a safe point (engine only;
// checkIdle runs it after every event and operation).
func (s *Session) applyControls() {
	if !s.ctl.owed || !s.ready || !s.q.idle || s.link.recycling {
		return
	}
	if s.ctl.agents != nil {
		next := s.ctl.agents[s.active.Name]
		if next == nil {
			s.emit(Error{Source: SourceEngine, Message: fmt.Sprintf("%v: the active agent %q is not among them", errActiveGone, s.active.Name)})
		} else {
			s.mu.Lock()
			s.agents = s.ctl.agents
			s.mu.Unlock()
			s.cfg.Agents = s.ctl.list
			s.setActive(next)
		}
		s.ctl.agents, s.ctl.list = nil, nil
	}
	s.ctl.owed = false
	s.lastSettings = s.settingsFor(s.active, s.ctl.from)
	s.send(realtime.UpdateSession{Settings: s.lastSettings})
}
