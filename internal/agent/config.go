package agent

import (
	"text/template"
	"time"

	"github.com/rtagent/rtagent/internal/audio/vadconfig"
)

// Defaults applied after decoding (docs/protocol.md R2.1, R8.5, R8.9, R10.2).
const (
	DefaultModel              = "gpt-realtime-2.1"
	DefaultVoice              = "marin"
	DefaultTranscriptionModel = "gpt-4o-mini-transcribe"
	DefaultToolTimeout        = Duration(30 * time.Second)
	DefaultGuardrailTimeout   = Duration(5 * time.Second)
	DefaultMaxOutputBytes     = 32 << 10
	DefaultDebounceTextLength = 100
	DefaultHTTPMethod         = "POST"
)

// Enumerations used in the file.
const (
	ModalityAudio = "audio"
	ModalityText  = "text"

	TurnServerVAD   = "server_vad"
	TurnSemanticVAD = "semantic_vad"
	TurnNone        = "none" // manual turns (push-to-talk); sent as turn_detection: null

	InputModeStrict     = "strict"
	InputModeBestEffort = "best_effort"
)

// BuiltinTools are the names accepted by a tool's builtin key.
var BuiltinTools = []string{"clock", "calculator", "echo"}

// Config is a loaded, defaulted and validated agents.yaml.
type Config struct {
	DefaultAgent string            `yaml:"default_agent,omitempty" jsonschema_description:"Name of the agent a session starts with. Default: the first agent."`
	Model        Model             `yaml:"model,omitempty" jsonschema_description:"Session-wide model settings, identical for every agent of a connection."`
	Endpoint     *Endpoint         `yaml:"endpoint,omitempty" jsonschema_description:"Optional realtime endpoint override (Azure, a local server, a standalone simulator)."`
	Prices       map[string]Price  `yaml:"prices,omitempty" jsonschema_description:"Price table per model name. An entry replaces the built-in estimate for that model."`
	Guardrails   GuardrailSettings `yaml:"guardrails,omitempty" jsonschema_description:"Global guardrail settings and guardrails applied to every agent."`
	MCPServers   []MCPServer       `yaml:"mcp_servers,omitempty" jsonschema_description:"MCP servers (stdio or streamable HTTP) whose tools agents use through their mcp lists. A server starts with the session when an agent uses it."`
	Agents       []Agent           `yaml:"agents" jsonschema:"required,minItems=1" jsonschema_description:"The agents. Names must be unique."`

	File string            `yaml:"-"` // the path or name the config was read from
	Dir  string            `yaml:"-"` // directory that relative paths are resolved against
	Vars map[string]string `yaml:"-"` // LoadOptions.Vars, for RenderInstructions

	byName map[string]int // agent name -> index in Agents
}

// Model holds session-wide settings (docs/protocol.md R2.1, R2.4). After Load every
// field that has a default is filled in.
type Model struct {
	Name             string         `yaml:"name,omitempty" jsonschema_description:"Realtime model name. Default: gpt-realtime-2.1."`
	Voice            string         `yaml:"voice,omitempty" jsonschema_description:"Output voice (alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar or a custom voice id). Default: marin."`
	OutputModalities []string       `yaml:"output_modalities,omitempty" jsonschema:"minItems=1,maxItems=1" jsonschema_description:"[audio] or [text], never both. Default: [audio]."`
	TurnDetection    *TurnDetection `yaml:"turn_detection,omitempty" jsonschema:"nullable" jsonschema_description:"Voice activity detection. null or type none: manual turns (push-to-talk). Default: semantic_vad."`
	Transcription    *Transcription `yaml:"transcription,omitempty" jsonschema:"nullable" jsonschema_description:"Input audio transcription. null or enabled false switches it off. Default: gpt-4o-mini-transcribe. After Load it is nil when off."`
	NoiseReduction   string         `yaml:"noise_reduction,omitempty" jsonschema:"enum=near_field,enum=far_field" jsonschema_description:"Input noise reduction: near_field (headsets) or far_field (laptop microphones). Default: off."`
	Speed            float64        `yaml:"speed,omitempty" jsonschema:"minimum=0.25,maximum=1.5" jsonschema_description:"Output speech speed 0.25 to 1.5. 0 or unset: not sent."`
	MaxOutputTokens  TokenLimit     `yaml:"max_output_tokens,omitempty" jsonschema_description:"Limit per response: an integer 1 to 4096 or the string inf. Unset: not sent."`
	ToolChoice       string         `yaml:"tool_choice,omitempty" jsonschema_description:"auto, none, required or the name of a function tool. Default for every agent that sets none. Default: auto."`
	// Reasoning and ParallelToolCalls are base settings: the protocol keeps them
	// identical for every agent of a connection (docs/protocol.md R2.3 rule 2), so they
	// exist here only, not per agent.
	Reasoning         *Reasoning `yaml:"reasoning,omitempty" jsonschema_description:"Reasoning models (gpt-realtime-2 and later): reasoning settings. Unset: not sent (server default effort low)."`
	ParallelToolCalls *bool      `yaml:"parallel_tool_calls,omitempty" jsonschema_description:"Reasoning models: whether the model may call several tools in one response. Unset: not sent."`
	// LocalVAD is client-side barge-in (docs/protocol.md R7.6): the microphone is
	// local, so it is a session-wide setting, never sent.
	LocalVAD *vadconfig.Options `yaml:"local_vad,omitempty" jsonschema_description:"Local voice activity detection for instant barge-in in chat: WebRTC VAD on the echo-cancelled microphone interrupts the assistant without waiting for the server. Unset: off."`
}

// ReasoningEfforts are the values of model.reasoning.effort (docs/protocol.md R2.1).
var ReasoningEfforts = []string{"minimal", "low", "medium", "high", "xhigh"}

// Reasoning configures reasoning models.
type Reasoning struct {
	Effort string `yaml:"effort" jsonschema:"required,enum=minimal,enum=low,enum=medium,enum=high,enum=xhigh" jsonschema_description:"Reasoning effort: minimal, low, medium, high or xhigh."`
}

// TextOnly reports whether the session answers in text.
func (m *Model) TextOnly() bool {
	return len(m.OutputModalities) == 1 && m.OutputModalities[0] == ModalityText
}

// TurnDetection configures server-side voice activity detection (docs/protocol.md R2.2).
// Nil pointers are not configured: the server default applies.
type TurnDetection struct {
	Type              string   `yaml:"type,omitempty" jsonschema:"enum=server_vad,enum=semantic_vad,enum=none" jsonschema_description:"server_vad, semantic_vad or none (manual turns). Default: semantic_vad."`
	Threshold         *float64 `yaml:"threshold,omitempty" jsonschema:"minimum=0,maximum=1" jsonschema_description:"server_vad only: activation threshold 0.0 to 1.0."`
	PrefixPaddingMS   *int     `yaml:"prefix_padding_ms,omitempty" jsonschema:"minimum=0" jsonschema_description:"server_vad only: audio kept before speech start, in ms."`
	SilenceDurationMS *int     `yaml:"silence_duration_ms,omitempty" jsonschema:"minimum=0" jsonschema_description:"server_vad only: silence that ends a turn, in ms."`
	IdleTimeoutMS     *int     `yaml:"idle_timeout_ms,omitempty" jsonschema:"minimum=5000,maximum=30000" jsonschema_description:"server_vad only: 5000 to 30000 ms without speech before the server prompts."`
	Eagerness         string   `yaml:"eagerness,omitempty" jsonschema:"enum=low,enum=medium,enum=high,enum=auto" jsonschema_description:"semantic_vad only: low, medium, high or auto."`
	CreateResponse    *bool    `yaml:"create_response,omitempty" jsonschema_description:"Server creates a response at speech stop. Unset: server default (true)."`
	InterruptResponse *bool    `yaml:"interrupt_response,omitempty" jsonschema_description:"Server cancels the active response at speech start. Unset: server default (true)."`
}

// Manual reports whether turns are manual (turn_detection: null on the wire).
func (t *TurnDetection) Manual() bool { return t == nil || t.Type == TurnNone }

func (t *TurnDetection) setNull() { *t = TurnDetection{Type: TurnNone} }

// Transcription configures input audio transcription.
type Transcription struct {
	Enabled  *bool  `yaml:"enabled,omitempty" jsonschema_description:"false switches transcription off. Default: true."`
	Model    string `yaml:"model,omitempty" jsonschema_description:"Transcription model. Default: gpt-4o-mini-transcribe."`
	Language string `yaml:"language,omitempty" jsonschema_description:"ISO-639-1 language hint, e.g. en."`
	Prompt   string `yaml:"prompt,omitempty" jsonschema_description:"Free text that guides the transcription."`
}

func (t *Transcription) setNull() { off := false; *t = Transcription{Enabled: &off} }

// Endpoint overrides the realtime endpoint.
type Endpoint struct {
	URL     string            `yaml:"url,omitempty" jsonschema_description:"WebSocket URL (ws, wss, http or https)."`
	Headers map[string]string `yaml:"headers,omitempty" jsonschema_description:"Extra request headers. Values may use ${NAME} to read the environment at connect time."`
}

// Price is a price entry in USD per 1M tokens; PerMinute is USD per minute of
// audio for transcription models billed by duration (docs/protocol.md R13.4).
type Price struct {
	TextIn        float64 `yaml:"text_in,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M uncached text input tokens."`
	CachedTextIn  float64 `yaml:"cached_text_in,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M cached text input tokens."`
	AudioIn       float64 `yaml:"audio_in,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M uncached audio input tokens."`
	CachedAudioIn float64 `yaml:"cached_audio_in,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M cached audio input tokens."`
	TextOut       float64 `yaml:"text_out,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M text output tokens."`
	AudioOut      float64 `yaml:"audio_out,omitempty" jsonschema:"minimum=0" jsonschema_description:"USD per 1M audio output tokens."`
	PerMinute     float64 `yaml:"per_minute,omitempty" jsonschema:"minimum=0" jsonschema_description:"Transcription billed by duration: USD per minute of audio."`
}

// GuardrailSettings are global guardrail settings (docs/protocol.md R10.2, R10.7).
type GuardrailSettings struct {
	DebounceTextLength int         `yaml:"debounce_text_length,omitempty" jsonschema:"minimum=-1" jsonschema_description:"Run output guardrails every N characters of accumulated text; -1: only on the final text. Default: 100."`
	InputMode          string      `yaml:"input_mode,omitempty" jsonschema:"enum=strict,enum=best_effort" jsonschema_description:"strict: answer only after the user transcript passed (needs transcription). best_effort: interrupt on a trip. Default: best_effort."`
	Output             []Guardrail `yaml:"output,omitempty" jsonschema_description:"Output guardrails applied to every agent."`
	Input              []Guardrail `yaml:"input,omitempty" jsonschema_description:"Input guardrails applied to every agent."`
}

// Agent is one agent of the file.
type Agent struct {
	Name               string      `yaml:"name" jsonschema:"required,minLength=1" jsonschema_description:"Unique agent name."`
	HandoffDescription string      `yaml:"handoff_description,omitempty" jsonschema_description:"When other agents should hand off to this one; appended to the handoff tool description."`
	Examples           []string    `yaml:"examples,omitempty" jsonschema_description:"Example prompts the chat UI suggests on its first screen while this agent starts the session (2 or 3 short lines)."`
	Instructions       string      `yaml:"instructions,omitempty" jsonschema_description:"System instructions, a Go text/template with .Date, .Time, .Weekday, .Agent and .Vars.key (from --var key=value)."`
	InstructionsFile   string      `yaml:"instructions_file,omitempty" jsonschema_description:"File holding the instructions template, relative to this YAML file. Exclusive with instructions."`
	Prompt             *Prompt     `yaml:"prompt,omitempty" jsonschema_description:"Stored prompt reference."`
	Voice              string      `yaml:"voice,omitempty" jsonschema_description:"Voice used when the session starts with this agent; the voice cannot change after a handoff."`
	ToolChoice         string      `yaml:"tool_choice,omitempty" jsonschema_description:"auto, none, required or the name of one of this agent's tools. Default: model.tool_choice."`
	Interruptible      *bool       `yaml:"interruptible,omitempty" jsonschema_description:"Whether the user can barge in on this agent. Default: true."`
	HandoffPreamble    *string     `yaml:"handoff_preamble,omitempty" jsonschema_description:"Text added to the instructions after a handoff to this agent; empty string: none. Default: the rtagent preamble."`
	Tools              []Tool      `yaml:"tools,omitempty" jsonschema_description:"Function tools of this agent."`
	MCP                []MCPUse    `yaml:"mcp,omitempty" jsonschema_description:"MCP servers whose tools this agent uses: names, or objects with server, allow, deny and needs_approval. A tool named like one of the agent's own tools or handoffs, or like a tool of an earlier server, is left out (set a prefix on the server)."`
	Handoffs           []Handoff   `yaml:"handoffs,omitempty" jsonschema_description:"Agents this agent can hand off to: names, or objects with agent, tool_name and description."`
	OutputGuardrails   []Guardrail `yaml:"output_guardrails,omitempty" jsonschema_description:"Guardrails checked on this agent's output text."`
	InputGuardrails    []Guardrail `yaml:"input_guardrails,omitempty" jsonschema_description:"Guardrails checked on user input while this agent is active."`

	tmpl *template.Template // parsed Instructions
}

// IsInterruptible reports whether the user may barge in (default true).
func (a *Agent) IsInterruptible() bool { return a.Interruptible == nil || *a.Interruptible }

// Prompt is a stored prompt reference.
type Prompt struct {
	ID        string            `yaml:"id" jsonschema:"required,minLength=1" jsonschema_description:"Prompt id."`
	Version   string            `yaml:"version,omitempty" jsonschema_description:"Prompt version."`
	Variables map[string]string `yaml:"variables,omitempty" jsonschema_description:"Prompt variables."`
}

// Handoff is a handoff target. In YAML it is an agent name or an object.
// After Load, ToolName and Description are filled in (docs/protocol.md R9.1).
type Handoff struct {
	Agent       string `yaml:"agent" jsonschema:"required,minLength=1" jsonschema_description:"Target agent name."`
	ToolName    string `yaml:"tool_name,omitempty" jsonschema:"pattern=^[a-zA-Z0-9_-]{1\\,64}$" jsonschema_description:"Tool name override. Default: transfer_to_<normalized agent name>."`
	Description string `yaml:"description,omitempty" jsonschema_description:"Tool description override."`
}
