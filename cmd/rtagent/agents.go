package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/tools"
)

type agentsOptions struct {
	File string
	Vars []string
}

func newAgentsCmd(f *factory) *cobra.Command {
	opts := &agentsOptions{}
	cmd := &cobra.Command{
		Use:   "agents",
		Short: "List, validate and show the agents of agents.yaml",
	}
	cmd.PersistentFlags().StringVar(&opts.File, "agents", "agents.yaml", "agents `FILE`; without this flag ./agents.yaml, else $XDG_CONFIG_HOME/rtagent/agents.yaml")
	cmd.PersistentFlags().StringArrayVar(&opts.Vars, "var", nil, "template variable `key=value` for instructions (repeatable)")
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the agents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := opts.load(f, cmd)
			if err != nil {
				return err
			}
			return listAgents(f, cfg)
		},
	})
	var checkMCP bool
	validate := &cobra.Command{
		Use:   "validate",
		Short: "Check the file; print every problem with file:line:column",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := opts.load(f, cmd)
			if err != nil {
				return err
			}
			if checkMCP {
				if err := checkMCPServers(cmd.Context(), f, cfg); err != nil {
					return err
				}
			}
			tools := 0
			for _, a := range cfg.Agents {
				tools += len(a.Tools)
			}
			// Valid, but a call would fail: say so now rather than at call time.
			for _, w := range cfg.UnsetEnv(func(k string) (string, bool) { v := f.Getenv(k); return v, v != "" }) {
				fmt.Fprintf(f.IO.ErrOut, "%s: warning: %s (export it before a session, or the call fails)\n", opts.File, w)
			}
			_, err = fmt.Fprintf(f.IO.Out, "%s: ok (%d agents, %d tools, default agent %s)\n", opts.File, len(cfg.Agents), tools, cfg.DefaultAgent)
			return err
		},
	}
	validate.Flags().BoolVar(&checkMCP, "check-mcp", false, "also start the MCP servers: fail unless each lists its tools without name conflicts")
	cmd.AddCommand(validate)
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Show one agent: instructions, tools, handoffs, guardrails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := opts.load(f, cmd)
			if err != nil {
				return err
			}
			if err := showAgent(f, cfg, args[0]); err != nil {
				return err
			}
			return showMCP(cmd.Context(), f, cfg, args[0])
		},
	})
	return cmd
}

// load resolves the agents file (see resolveAgentsFile) and loads it.
func (o *agentsOptions) load(f *factory, cmd *cobra.Command) (*agent.Config, error) {
	m, err := parseVars(o.Vars)
	if err != nil {
		return nil, err
	}
	if o.File, err = resolveAgentsFile(f.Getenv, o.File, cmd.Flags().Changed("agents")); err != nil {
		return nil, err
	}
	return app.LoadAgents(o.File, m)
}

func listAgents(f *factory, cfg *agent.Config) error {
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTOOLS\tHANDOFFS\tDESCRIPTION")
	for _, a := range cfg.Agents {
		name := a.Name
		if a.Name == cfg.DefaultAgent {
			name += " (default)"
		}
		var tools, handoffs []string
		for _, t := range a.Tools {
			tools = append(tools, t.Name)
		}
		for _, h := range a.Handoffs {
			handoffs = append(handoffs, h.Agent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, dash(strings.Join(tools, ", ")), dash(strings.Join(handoffs, ", ")), dash(a.HandoffDescription))
	}
	return tw.Flush()
}

func showAgent(f *factory, cfg *agent.Config, name string) error {
	a, ok := cfg.Agent(name)
	if !ok {
		var names []string
		for _, a := range cfg.Agents {
			names = append(names, a.Name)
		}
		return usageErrorf("no agent named %q in %s (agents: %s)", name, cfg.File, strings.Join(names, ", "))
	}
	instr, err := a.RenderInstructions(cfg.Vars, time.Now())
	if err != nil {
		return &configError{Err: err}
	}
	w := f.IO.Out
	fmt.Fprintf(w, "name: %s\n", a.Name)
	if a.HandoffDescription != "" {
		fmt.Fprintf(w, "handoff_description: %s\n", a.HandoffDescription)
	}
	fmt.Fprintf(w, "interruptible: %v\n", a.IsInterruptible())
	fmt.Fprintf(w, "instructions: |\n%s\n", indent(instr, "  "))
	if len(a.Examples) > 0 {
		fmt.Fprintln(w, "examples:")
		for _, e := range a.Examples {
			fmt.Fprintf(w, "  - %s\n", e)
		}
	}
	if len(a.Tools) > 0 {
		fmt.Fprintln(w, "tools:")
		for _, t := range a.Tools {
			extra := ""
			if t.NeedsApproval {
				extra += ", needs approval"
			}
			if t.Silent {
				extra += ", silent"
			}
			fmt.Fprintf(w, "  - %s (%s%s, timeout %s): %s\n", t.Name, toolKind(&t), extra, t.Timeout, dash(t.Description))
			params := t.ParametersJSON()
			if len(params) == 0 && t.Kind() == agent.KindBuiltin {
				params = tools.BuiltinParameters(t.Builtin)
			}
			for _, line := range parameterLines(params) {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	if len(a.Handoffs) > 0 {
		fmt.Fprintln(w, "handoffs:")
		for _, h := range a.Handoffs {
			fmt.Fprintf(w, "  - %s (tool %s)\n", h.Agent, h.ToolName)
		}
	}
	for _, g := range append(append([]agent.Guardrail{}, cfg.Guardrails.Output...), a.OutputGuardrails...) {
		fmt.Fprintf(w, "output guardrail: %s\n", g.Name)
	}
	for _, g := range append(append([]agent.Guardrail{}, cfg.Guardrails.Input...), a.InputGuardrails...) {
		fmt.Fprintf(w, "input guardrail: %s\n", g.Name)
	}
	return nil
}

// parameterLines describes a tool's JSON Schema parameters, one per line: name,
// type, required, description, enum and default. A schema that is not an object
// with properties gives one line saying so.
func parameterLines(schema json.RawMessage) []string {
	var s struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
			Default     any    `json:"default"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if len(schema) == 0 || json.Unmarshal(schema, &s) != nil || len(s.Properties) == 0 {
		return []string{"(no parameters)"}
	}
	names := slices.Sorted(maps.Keys(s.Properties))
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	var out []string
	for _, n := range names {
		p := s.Properties[n]
		typ := "any"
		if p.Type != nil {
			typ = fmt.Sprint(p.Type)
		}
		line := fmt.Sprintf("%-*s  %s", width, n, typ)
		if slices.Contains(s.Required, n) {
			line += ", required"
		}
		if p.Description != "" {
			line += " — " + p.Description
		}
		if len(p.Enum) > 0 {
			line += fmt.Sprintf(" (one of %v)", p.Enum)
		}
		if p.Default != nil {
			d, _ := json.Marshal(p.Default)
			line += " (default " + string(d) + ")"
		}
		out = append(out, line)
	}
	return out
}

func toolKind(t *agent.Tool) string {
	switch t.Kind() {
	case agent.KindBuiltin:
		return "builtin " + t.Builtin
	case agent.KindCommand:
		return "command " + strings.Join(t.Command, " ")
	default:
		return "http " + t.HTTP.Method + " " + t.HTTP.URL
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
