package session

import (
	"encoding/json"
	"strings"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// handoffParameters is the fixed, empty parameter schema of handoff tools (R9.1).
var handoffParameters = json.RawMessage(`{"type":"object","properties":{},"required":[],"additionalProperties":false}`)

// defaultPreamble is the rtagent handoff preamble (R9.2 step 6).
const defaultPreamble = "The conversation was just transferred to you from {from}. Continue helping the user directly; do not greet again, say goodbye, or announce another transfer unless needed."

func (h HandoffTarget) toolName() string {
	if h.ToolName != "" {
		return h.ToolName
	}
	return tools.HandoffToolName(h.Agent)
}

func (h HandoffTarget) description(target *Agent) string {
	if h.Description != "" {
		return h.Description
	}
	d := "Handoff to the " + h.Agent + " agent to handle the request."
	if target != nil && target.HandoffDescription != "" {
		d += " " + target.HandoffDescription
	}
	return d
}

// sessionVoice is the voice of the whole connection: the starting agent's own voice if
// it has one, else the base voice (R2.4).
func sessionVoice(base realtime.Settings, start *Agent) string {
	if start.Voice != "" {
		return start.Voice
	}
	return base.Voice
}

// buildSettings merges the base settings with agent a (R2.3). from is the agent that
// handed off to a ("" on connect and on manual switches without a preamble).
func buildSettings(base realtime.Settings, voice string, agents map[string]*Agent, a *Agent, from string, strict bool) realtime.Settings {
	s := base
	s.OutputModalities = append([]string(nil), base.OutputModalities...)
	s.Voice = voice
	s.Instructions = a.Instructions
	if from != "" {
		p := defaultPreamble
		if a.HandoffPreamble != nil {
			p = *a.HandoffPreamble
		}
		if p != "" {
			p = strings.ReplaceAll(p, "{from}", from)
			if s.Instructions != "" {
				s.Instructions = p + "\n\n" + s.Instructions
			} else {
				s.Instructions = p
			}
		}
	}
	s.Prompt = clonePrompt(a.Prompt)
	s.ToolChoice = a.ToolChoice
	if s.ToolChoice == "" {
		s.ToolChoice = base.ToolChoice
	}
	if s.ToolChoice == "" {
		s.ToolChoice = "auto"
	}
	s.Tools = toolDeclarations(agents, a)
	if base.TurnDetection != nil {
		td := *base.TurnDetection
		if !a.interruptible() {
			td.InterruptResponse = boolPtr(false) // R7.8
		}
		if strict {
			td.CreateResponse = boolPtr(false) // R10.7 strict: C creates after the transcript passes
		}
		s.TurnDetection = &td
	}
	if base.Transcription != nil {
		tr := *base.Transcription
		s.Transcription = &tr
	}
	return s
}

// toolDeclarations declares agent a's tools, then its handoff tools (R8.1, R9.1).
func toolDeclarations(agents map[string]*Agent, a *Agent) []realtime.Tool {
	out := make([]realtime.Tool, 0, len(a.Tools)+len(a.Handoffs))
	for _, t := range a.Tools {
		d := t.Definition()
		out = append(out, realtime.Tool{Name: d.Name, Description: d.Description, Parameters: d.Parameters})
	}
	for _, h := range a.Handoffs {
		out = append(out, realtime.Tool{
			Name:        h.toolName(),
			Description: h.description(agents[h.Agent]),
			Parameters:  handoffParameters,
		})
	}
	return out
}

func clonePrompt(p *realtime.Prompt) *realtime.Prompt {
	if p == nil {
		return nil
	}
	c := *p
	if p.Variables != nil {
		c.Variables = make(map[string]string, len(p.Variables))
		for k, v := range p.Variables {
			c.Variables[k] = v
		}
	}
	return &c
}

func boolPtr(b bool) *bool { return &b }
