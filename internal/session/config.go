package session

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// Agent is one agent as the session runs it. Instructions are already rendered.
type Agent struct {
	Name               string
	HandoffDescription string
	Instructions       string
	Prompt             *realtime.Prompt
	// Voice is honoured only for the starting agent (R2.4).
	Voice      string
	ToolChoice string
	// Interruptible nil means true. false sends interrupt_response:false and ignores
	// server speech_started for playback (R7.8).
	Interruptible *bool
	// HandoffPreamble nil uses the default preamble of R9.2 step 6; "" means none.
	// "{from}" in a custom preamble is replaced by the previous agent's name.
	HandoffPreamble *string

	Tools            []tools.Tool
	Handoffs         []HandoffTarget
	OutputGuardrails []guardrail.Guardrail
	InputGuardrails  []guardrail.Guardrail
}

// HandoffTarget is one handoff target of an agent (R9.1). (The name Handoff is taken
// by the session event.)
type HandoffTarget struct {
	Agent       string
	ToolName    string // "" → transfer_to_<normalized agent name>
	Description string // "" → the default description of R9.1
}

func (a *Agent) interruptible() bool { return a.Interruptible == nil || *a.Interruptible }

// ApprovalPolicy says what happens to a call of a tool that needs approval (R8.8).
type ApprovalPolicy string

// Approval policies.
const (
	// ApprovalAsk emits tool_approval_required and waits for Approve or Reject.
	ApprovalAsk ApprovalPolicy = "ask"
	// ApprovalAlways runs such tools without asking.
	ApprovalAlways ApprovalPolicy = "always"
	// ApprovalNever refuses such tools with a clear output to the model.
	ApprovalNever ApprovalPolicy = "never"
)

// Input guardrail modes (R10.7).
const (
	InputGuardrailsBestEffort = "best_effort"
	InputGuardrailsStrict     = "strict"
)

// Config configures a Session.
type Config struct {
	Model realtime.Model
	// Base holds model, modalities, formats, voice, transcription, turn detection and
	// limits. Instructions, Tools, ToolChoice and Prompt come from the active agent.
	Base       realtime.Settings
	Agents     []*Agent
	StartAgent string             // "" → the first agent
	Audio      realtime.AudioSink // nil → a wall-clock estimator that discards audio (R7.3 fallback)
	Approval   ApprovalPolicy     // "" → ask
	// DebounceTextLength is the output guardrail debounce (R10.2); 0 → 100.
	DebounceTextLength int
	// InputGuardrailMode is "best_effort" (default) or "strict" (R10.7).
	InputGuardrailMode string
	Prices             *Prices
	// Greeting, when set, is sent once the session is ready as a manual response.create
	// with these instructions (R3.3).
	Greeting string
	// RawEvents emits RawEvent copies of realtime.Raw model events (bounded, lossy;
	// the drops are counted and logged at close).
	RawEvents bool
	Logger    *slog.Logger
	// RecycleAfter is when the connection is recycled at the next safe point
	// (R14.3 #1); 0 → 50 minutes (or expires_at − 5 min if sooner); negative: never.
	RecycleAfter time.Duration
	// ReplayBudget bounds the history replayed on a new connection (R14.4).
	ReplayBudget ReplayBudget
	// Seed is a conversation to start from (rtagent --resume, R14.5): replayed
	// once the session is ready, before the greeting.
	Seed []HistoryItem
}

// ErrConfig is wrapped by every configuration error New returns.
var ErrConfig = errors.New("invalid session config")

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// validate checks the configuration and returns the agents by name.
func (c *Config) validate() (map[string]*Agent, error) {
	if c.Model == nil {
		return nil, configErr("no model")
	}
	if len(c.Agents) == 0 {
		return nil, configErr("no agents")
	}
	byName := make(map[string]*Agent, len(c.Agents))
	for i, a := range c.Agents {
		if a == nil {
			return nil, configErr("agents[%d] is nil", i)
		}
		if a.Name == "" {
			return nil, configErr("agents[%d]: empty name", i)
		}
		if _, dup := byName[a.Name]; dup {
			return nil, configErr("duplicate agent name %q", a.Name)
		}
		byName[a.Name] = a
	}
	if c.StartAgent != "" && byName[c.StartAgent] == nil {
		return nil, configErr("unknown start agent %q", c.StartAgent)
	}
	for _, a := range c.Agents {
		seen := map[string]string{}
		for j, t := range a.Tools {
			if t == nil {
				return nil, configErr("agent %q: tools[%d] is nil", a.Name, j)
			}
			name := t.Definition().Name
			if name == "" {
				return nil, configErr("agent %q: tools[%d] has no name", a.Name, j)
			}
			if _, dup := seen[name]; dup {
				return nil, configErr("agent %q: duplicate realtime tool name %q", a.Name, name)
			}
			seen[name] = "tool"
		}
		for _, h := range a.Handoffs {
			if byName[h.Agent] == nil {
				return nil, configErr("agent %q: handoff to unknown agent %q", a.Name, h.Agent)
			}
			name := h.toolName()
			if _, dup := seen[name]; dup {
				return nil, configErr("agent %q: duplicate realtime tool name %q (handoff to %q)", a.Name, name, h.Agent)
			}
			seen[name] = "handoff"
		}
		for _, g := range append(append([]guardrail.Guardrail(nil), a.OutputGuardrails...), a.InputGuardrails...) {
			if g == nil {
				return nil, configErr("agent %q: nil guardrail", a.Name)
			}
		}
	}
	switch c.Approval {
	case "", ApprovalAsk, ApprovalAlways, ApprovalNever:
	default:
		return nil, configErr("unknown approval policy %q (ask, always, never)", c.Approval)
	}
	switch c.InputGuardrailMode {
	case "", InputGuardrailsBestEffort:
	case InputGuardrailsStrict:
		if c.Base.Transcription == nil {
			return nil, configErr("input guardrail mode strict requires input transcription")
		}
	default:
		return nil, configErr("unknown input guardrail mode %q (best_effort, strict)", c.InputGuardrailMode)
	}
	if c.DebounceTextLength < 0 {
		return nil, configErr("negative debounce text length")
	}
	return byName, nil
}
