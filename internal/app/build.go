package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
)

// buildAgents turns the validated agents file into the agents a session runs:
// rendered instructions, runnable tools (the MCP servers' tools after the agent's
// own, when m is set), guardrails and handoffs. MCP tools left out for a name
// conflict are returned to be reported.
func buildAgents(cfg *agent.Config, log *slog.Logger, m *mcpRuntime) (_ []*session.Agent, conflicts []error, _ error) {
	now := time.Now()
	stderr := slogWriter{log: log}
	var out []*session.Agent
	for i := range cfg.Agents {
		a := &cfg.Agents[i]
		instr, err := a.RenderInstructions(cfg.Vars, now)
		if err != nil {
			return nil, nil, err
		}
		sa := &session.Agent{
			Name:               a.Name,
			HandoffDescription: a.HandoffDescription,
			Instructions:       instr,
			Voice:              a.Voice,
			ToolChoice:         a.ToolChoice,
			Interruptible:      a.Interruptible,
			HandoffPreamble:    a.HandoffPreamble,
		}
		if sa.ToolChoice == "" {
			sa.ToolChoice = cfg.Model.ToolChoice
		}
		if p := a.Prompt; p != nil {
			sa.Prompt = &realtime.Prompt{ID: p.ID, Version: p.Version, Variables: p.Variables}
		}
		for j := range a.Tools {
			t, err := buildTool(cfg, &a.Tools[j], stderr)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: agents[%d].tools[%d] (%s): %w", cfg.File, i, j, a.Tools[j].Name, err)
			}
			sa.Tools = append(sa.Tools, t)
		}
		extra, cs := m.agentTools(a, sa.Tools)
		for _, c := range cs {
			conflicts = append(conflicts, fmt.Errorf("agent %s: %w", a.Name, c))
		}
		sa.Tools = append(sa.Tools, extra...)
		for _, h := range a.Handoffs {
			sa.Handoffs = append(sa.Handoffs, session.HandoffTarget{Agent: h.Agent, ToolName: h.ToolName, Description: h.Description})
		}
		if sa.OutputGuardrails, err = buildGuardrails(cfg.OutputGuardrailsWith(a)); err != nil {
			return nil, nil, err
		}
		if sa.InputGuardrails, err = buildGuardrails(cfg.InputGuardrailsWith(a)); err != nil {
			return nil, nil, err
		}
		out = append(out, sa)
	}
	return out, conflicts, nil
}

func buildTool(cfg *agent.Config, t *agent.Tool, stderr io.Writer) (tools.Tool, error) {
	def := tools.Definition{
		Name:          t.Name,
		Description:   t.Description,
		Parameters:    t.ParametersJSON(),
		Timeout:       t.Timeout.D(),
		NeedsApproval: t.NeedsApproval,
		Silent:        t.Silent,
	}
	switch t.Kind() {
	case agent.KindBuiltin:
		return tools.NewBuiltin(t.Builtin, def)
	case agent.KindCommand:
		dir := t.Dir
		if dir == "" {
			dir = cfg.Dir
		} else if !filepath.IsAbs(dir) {
			dir = filepath.Join(cfg.Dir, dir)
		}
		env, err := t.Environ(nil)
		if err != nil {
			return nil, err
		}
		env = append(baseEnv(), env...)
		return tools.NewCommand(def, tools.CommandConfig{
			Argv: t.Argv, Dir: dir, Env: env, MaxOutputBytes: t.MaxOutputBytes, Stderr: stderr,
		})
	default:
		return tools.NewHTTP(def, tools.HTTPConfig{
			Method: t.HTTP.Method, URL: t.HTTP.URL, Headers: t.HTTP.Headers, MaxOutputBytes: t.MaxOutputBytes,
		})
	}
}

// baseEnv is what every command tool gets besides its own env: the variables
// programs expect, and nothing else of rtagent's environment (API keys included).
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "LANG", "TZ", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func buildGuardrails(specs []agent.Guardrail) ([]guardrail.Guardrail, error) {
	var out []guardrail.Guardrail
	for _, g := range specs {
		var gr guardrail.Guardrail
		var err error
		switch {
		case g.DenyRegex != "":
			gr, err = guardrail.NewDenyRegex(g.Name, g.DenyRegex)
		case len(g.DenyWords) > 0:
			gr, err = guardrail.NewDenyWords(g.Name, g.DenyWords)
		default:
			gr, err = guardrail.NewCommand(g.Name, g.Argv, g.Timeout.D())
		}
		if err != nil {
			return nil, fmt.Errorf("guardrail %s: %w", g.Name, err)
		}
		out = append(out, gr)
	}
	return out, nil
}

// slogWriter logs each write (a tool's stderr) at debug level.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("tool stderr", "text", string(p))
	return len(p), nil
}
