package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rtagent/rtagent/internal/envref"
	"github.com/rtagent/rtagent/internal/tools"
	"github.com/rtagent/rtagent/internal/toolschema"
)

var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func (v *validator) agents() {
	c := v.cfg
	if len(c.Agents) == 0 {
		v.fail("agents", "at least one agent is required")
		return
	}
	c.byName = make(map[string]int, len(c.Agents))
	for i := range c.Agents {
		a := &c.Agents[i]
		p := fmt.Sprintf("agents[%d]", i)
		switch {
		case strings.TrimSpace(a.Name) == "":
			v.fail(p+".name", "is required")
		default:
			if j, dup := c.byName[a.Name]; dup {
				v.fail(p+".name", "duplicate agent name %q (also agents[%d])", a.Name, j)
			} else {
				c.byName[a.Name] = i
			}
		}
	}
	for i := range c.Agents {
		v.agent(i, &c.Agents[i])
	}
	switch {
	case c.DefaultAgent == "":
		c.DefaultAgent = c.Agents[0].Name
	case !c.hasAgent(c.DefaultAgent):
		v.fail("default_agent", "unknown agent %q", c.DefaultAgent)
	}
}

func (c *Config) hasAgent(name string) bool {
	_, ok := c.byName[name]
	return ok
}

func (v *validator) agent(i int, a *Agent) {
	p := fmt.Sprintf("agents[%d]", i)
	v.instructions(p, a)
	if a.Prompt != nil && strings.TrimSpace(a.Prompt.ID) == "" {
		v.fail(p+".prompt.id", "is required")
	}

	// Every realtime tool name of the agent, with the path that declared it (R8.1).
	names := make(map[string]string, len(a.Tools)+len(a.Handoffs))
	claim := func(name, path string) {
		if other, dup := names[name]; dup {
			v.fail(path, "duplicate realtime tool name %q (also %s)", name, other)
			return
		}
		names[name] = path
	}
	for j := range a.Tools {
		tp := fmt.Sprintf("%s.tools[%d]", p, j)
		t := &a.Tools[j]
		if v.tool(tp, t) {
			claim(t.Name, tp+".name")
		}
	}
	for j := range a.Handoffs {
		hp := fmt.Sprintf("%s.handoffs[%d]", p, j)
		if name := v.handoff(hp, a, &a.Handoffs[j]); name != "" {
			claim(name, hp)
		}
	}
	v.guardrails(p+".output_guardrails", a.OutputGuardrails)
	v.guardrails(p+".input_guardrails", a.InputGuardrails)
	v.agentMCP(p, a)

	if a.ToolChoice != "" {
		if v.toolChoiceSyntax(p+".tool_choice", a.ToolChoice) && !isChoiceMode(a.ToolChoice) {
			if _, ok := names[a.ToolChoice]; !ok && len(a.MCP) == 0 { // an MCP tool is known only at run time
				v.fail(p+".tool_choice", "%q is not a tool of this agent", a.ToolChoice)
			}
		}
	} else {
		a.ToolChoice = v.cfg.Model.ToolChoice
		if !isChoiceMode(a.ToolChoice) && validToolName(a.ToolChoice) {
			if _, ok := names[a.ToolChoice]; !ok && len(a.MCP) == 0 {
				v.fail("model.tool_choice", "%q is not a tool of agent %q, which sets no tool_choice", a.ToolChoice, a.Name)
			}
		}
	}
}

func isChoiceMode(s string) bool { return s == "auto" || s == "none" || s == "required" }

// tool validates one tool and applies its defaults. It reports whether the
// tool's name is usable for the duplicate check.
func (v *validator) tool(p string, t *Tool) bool {
	nameOK := true
	switch {
	case t.Name == "":
		v.fail(p+".name", "is required")
		nameOK = false
	case !validToolName(t.Name):
		v.fail(p+".name", "invalid tool name %q: must match ^[a-zA-Z0-9_-]{1,64}$", t.Name)
		nameOK = false
	}

	var kinds []string
	for _, k := range []string{"builtin", "command", "http"} {
		if v.has(p + "." + k) {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		v.fail(p, "one of builtin, command or http is required")
	case 1:
	default:
		v.fail(p+"."+kinds[1], "only one of builtin, command or http may be set (found %s)", andList(kinds))
	}
	if v.has(p+".builtin") && !slices.Contains(BuiltinTools, t.Builtin) {
		v.fail(p+".builtin", "unknown builtin %q (want %s)", t.Builtin, orList(BuiltinTools))
	}
	if v.has(p + ".command") {
		t.Argv = v.program(p+".command", t.Command)
		if t.Dir != "" {
			t.Dir = v.resolveDir(p+".dir", t.Dir)
		} else {
			t.Dir = v.cfg.Dir
		}
	} else {
		for _, k := range []string{"dir", "env"} {
			if v.has(p + "." + k) {
				v.fail(p+"."+k, "only valid for command tools")
			}
		}
	}
	for _, k := range sortedKeys(t.Env) {
		if !envref.ValidName(k) {
			v.fail(join(p+".env", k), "invalid environment variable name %q", k)
		}
		if err := envref.Check(t.Env[k]); err != nil {
			v.fail(join(p+".env", k), "%v", err)
		}
	}
	if h := t.HTTP; h != nil {
		hp := p + ".http"
		if h.URL == "" {
			v.fail(hp+".url", "is required")
		} else if msg := checkURL(h.URL, "http", "https"); msg != "" {
			v.fail(hp+".url", "%s", msg)
		}
		if h.Method == "" {
			h.Method = DefaultHTTPMethod
		} else if m := strings.ToUpper(h.Method); slices.Contains(httpMethods, m) {
			h.Method = m
		} else {
			v.fail(hp+".method", "unknown method %q (want %s)", h.Method, orList(httpMethods))
		}
		v.headers(hp+".headers", h.Headers)
	}
	if t.Timeout == 0 {
		t.Timeout = DefaultToolTimeout
	}
	if !v.has(p + ".max_output_bytes") {
		t.MaxOutputBytes = DefaultMaxOutputBytes
	} else if t.MaxOutputBytes < 1 {
		v.fail(p+".max_output_bytes", "must be at least 1, got %d", t.MaxOutputBytes)
	}
	v.parameters(p+".parameters", t)
	return nameOK
}

// parameters checks a tool's parameters schema: a JSON Schema that compiles
// (draft 2020-12 unless its $schema names another; see toolschema) and
// describes an object.
func (v *validator) parameters(p string, t *Tool) {
	if v.badUnder(p) {
		return // a decoding error inside; the schema is incomplete
	}
	if !v.has(p) {
		t.Parameters = map[string]any{"type": "object", "properties": map[string]any{}}
		// A builtin tool describes its own arguments (the calculator's expression,
		// the clock's timezone): without them the model could not call it well.
		if def := tools.BuiltinParameters(t.Builtin); t.Builtin != "" && def != nil {
			var m map[string]any
			if err := json.Unmarshal(def, &m); err == nil {
				t.Parameters = m
			}
		}
	}
	if typ, ok := t.Parameters["type"]; !ok {
		v.fail(p, "type is required and must be \"object\"")
		return
	} else if typ != "object" {
		v.fail(join(p, "type"), "must be \"object\", got %s", jsonText(typ))
		return
	}
	s, raw, err := toolschema.CompileValue(t.Parameters)
	if se := (*toolschema.Error)(nil); errors.As(err, &se) {
		v.fail(p, "invalid JSON Schema: %s", se)
		return
	} else if err != nil {
		v.fail(p, "cannot encode as JSON: %v", err)
		return
	}
	t.params, t.compiled = raw, s
}

func jsonText(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// handoff validates one handoff and fills its tool name and description
// (docs/protocol.md R9.1). It returns the tool name, or "" when unusable.
func (v *validator) handoff(p string, from *Agent, h *Handoff) string {
	c := v.cfg
	if h.Agent == "" {
		v.fail(p+".agent", "is required")
		return ""
	}
	target := p
	if v.has(p + ".agent") {
		target = p + ".agent"
	}
	if h.Agent == from.Name {
		v.fail(target, "agent %q cannot hand off to itself", from.Name)
		return ""
	}
	if !c.hasAgent(h.Agent) {
		v.fail(target, "unknown agent %q", h.Agent)
		return ""
	}
	if h.ToolName == "" {
		h.ToolName = tools.HandoffToolName(h.Agent)
		if !validToolName(h.ToolName) {
			v.fail(target, "handoff tool name %q is not a valid tool name (longer than 64 characters?); set tool_name", h.ToolName)
			return ""
		}
	} else if !validToolName(h.ToolName) {
		v.fail(p+".tool_name", "invalid tool name %q: must match ^[a-zA-Z0-9_-]{1,64}$", h.ToolName)
		return ""
	}
	if h.Description == "" {
		h.Description = HandoffDescription(&c.Agents[c.byName[h.Agent]])
	}
	return h.ToolName
}
