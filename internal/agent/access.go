package agent

import (
	"fmt"
	"maps"
	"strings"
)

// Agent returns the agent with the given name.
func (c *Config) Agent(name string) (*Agent, bool) {
	i, ok := c.byName[name]
	if !ok {
		return nil, false
	}
	return &c.Agents[i], true
}

// StartAgent returns the agent a session starts with: override when it is not
// empty (the --agent flag), else default_agent (which defaults to the first).
func (c *Config) StartAgent(override string) (*Agent, error) {
	name := override
	if name == "" {
		name = c.DefaultAgent
	}
	if a, ok := c.Agent(name); ok {
		return a, nil
	}
	names := make([]string, len(c.Agents))
	for i := range c.Agents {
		names[i] = c.Agents[i].Name
	}
	return nil, fmt.Errorf("unknown agent %q (agents: %s)", name, strings.Join(names, ", "))
}

// Tool returns the agent's function tool with the given name.
func (a *Agent) Tool(name string) (*Tool, bool) {
	for i := range a.Tools {
		if a.Tools[i].Name == name {
			return &a.Tools[i], true
		}
	}
	return nil, false
}

// HandoffByTool returns the handoff whose tool has the given name.
func (a *Agent) HandoffByTool(name string) (*Handoff, bool) {
	for i := range a.Handoffs {
		if a.Handoffs[i].ToolName == name {
			return &a.Handoffs[i], true
		}
	}
	return nil, false
}

// OutputGuardrailsWith returns the agent's output guardrails plus the global
// ones, deduplicated by name, the agent's first (docs/protocol.md R10.3).
func (c *Config) OutputGuardrailsWith(a *Agent) []Guardrail {
	return mergeGuardrails(a.OutputGuardrails, c.Guardrails.Output)
}

// InputGuardrailsWith returns the agent's input guardrails plus the global
// ones, deduplicated by name, the agent's first.
func (c *Config) InputGuardrailsWith(a *Agent) []Guardrail {
	return mergeGuardrails(a.InputGuardrails, c.Guardrails.Input)
}

func mergeGuardrails(lists ...[]Guardrail) []Guardrail {
	var out []Guardrail
	seen := make(map[string]bool)
	for _, l := range lists {
		for _, g := range l {
			if !seen[g.Name] {
				seen[g.Name] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// DefaultPrices returns the built-in price table, USD per 1M tokens
// (PerMinute: USD per minute of audio).
//
// These are ESTIMATES copied from public list prices at the time of writing;
// they are not authoritative and will go stale. They are only a fallback for
// the cost estimate shown to the user: the prices block of agents.yaml
// overrides them per model (docs/protocol.md R13.4: never hard-code prices in the
// engine). gpt-realtime-2.1 is assumed to cost what gpt-realtime costs.
func DefaultPrices() map[string]Price {
	realtime := Price{TextIn: 4, CachedTextIn: 0.4, AudioIn: 32, CachedAudioIn: 0.4, TextOut: 16, AudioOut: 64}
	return map[string]Price{
		"gpt-realtime":           realtime,
		"gpt-realtime-2.1":       realtime,
		"gpt-realtime-mini":      {TextIn: 0.6, CachedTextIn: 0.06, AudioIn: 10, CachedAudioIn: 0.3, TextOut: 2.4, AudioOut: 20},
		"gpt-4o-mini-transcribe": {TextIn: 1.25, AudioIn: 3, TextOut: 5, PerMinute: 0.003},
		"gpt-4o-transcribe":      {TextIn: 2.5, AudioIn: 6, TextOut: 10, PerMinute: 0.006},
		"whisper-1":              {PerMinute: 0.006},
	}
}

// PriceTable returns DefaultPrices overridden by the file's prices block.
func (c *Config) PriceTable() map[string]Price {
	t := DefaultPrices()
	maps.Copy(t, c.Prices)
	return t
}

// Price returns the price entry for a model: the file's entry, else the
// built-in estimate.
func (c *Config) Price(model string) (Price, bool) {
	if p, ok := c.Prices[model]; ok {
		return p, true
	}
	p, ok := DefaultPrices()[model]
	return p, ok
}
