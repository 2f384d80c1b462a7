package main

import (
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// The JSONL stream of `run --format jsonl` is a contract (docs/events.md): each line
// is one of the types below, whose first fields are the event type and its time.
// events.schema.json (`rtagent schema --events`) is generated from these types by
// events_schema_test.go, which fails when the committed file is stale, so what is
// printed and what is published cannot drift apart.

// stamp starts every line: what it is and when it was printed.
type stamp struct {
	Type string `json:"type" jsonschema:"description=the event type"`
	T    string `json:"t" jsonschema:"format=date-time,description=when the event was printed (RFC 3339 UTC with milliseconds)"`
	TMS  int64  `json:"t_ms" jsonschema:"minimum=0,description=milliseconds since session_start"`
}

// sessionStartLine is the first line of a run.
type sessionStartLine struct {
	stamp
	Endpoint   string `json:"endpoint" jsonschema:"description=where the session connects: the URL without query or credentials; 'sim' for the built-in simulator"`
	Simulated  bool   `json:"simulated,omitempty" jsonschema:"description=true on the built-in simulator (costs are simulated)"`
	Model      string `json:"model"`
	Agent      string `json:"agent" jsonschema:"description=the starting agent"`
	AgentsFile string `json:"agents_file"`
	Modality   string `json:"modality" jsonschema:"enum=text,enum=audio"`
	Version    string `json:"version" jsonschema:"description=the rtagent version"`
}

// sessionEndLine is the last line of a run, also when it failed.
type sessionEndLine struct {
	stamp
	Reason        string   `json:"reason" jsonschema:"enum=completed,enum=interrupted,enum=timeout,enum=error,description=why the run ended"`
	Error         string   `json:"error,omitempty" jsonschema:"description=the error rtagent exits with (reason error or timeout)"`
	ExitCode      int      `json:"exit_code" jsonschema:"description=the process exit code"`
	DurationMS    int64    `json:"duration_ms"`
	Turns         int      `json:"turns" jsonschema:"description=user turns (typed messages and spoken utterances)"`
	ToolCalls     int      `json:"tool_calls" jsonschema:"description=tool calls finished (run, refused or failed)"`
	Interruptions int      `json:"interruptions" jsonschema:"description=answers cut off while playing"`
	LatencyP50MS  *int64   `json:"latency_p50_ms,omitempty" jsonschema:"description=median turn latency (see agent_end.latency_ms)"`
	LatencyP95MS  *int64   `json:"latency_p95_ms,omitempty"`
	Total         *counts  `json:"total,omitempty" jsonschema:"description=token totals of the session; zero counts are left out"`
	CostUSD       *float64 `json:"cost_usd,omitempty" jsonschema:"description=estimated cost from the agents file's price table; simulated on the simulator"`
}

type connectionLine struct {
	stamp
	session.ConnectionEvent
}

type agentStartLine struct {
	stamp
	session.AgentStart
}

// agentEndLine adds the turn latency to the response that answered a user turn.
type agentEndLine struct {
	stamp
	session.AgentEnd
	LatencyMS *int64 `json:"latency_ms,omitempty" jsonschema:"description=from the user's turn (typed message sent or speech_stopped) to the first text or audio of this response"`
}

type transcriptLine struct {
	stamp
	session.Transcript
}

type toolStartLine struct {
	stamp
	session.ToolStart
}

type toolEndLine struct {
	stamp
	session.ToolEnd
}

type toolApprovalRequiredLine struct {
	stamp
	session.ToolApprovalRequired
}

// approvalLine reports every decision on a tool that needs approval.
type approvalLine struct {
	stamp
	Agent    string `json:"agent"`
	Tool     string `json:"tool"`
	CallID   string `json:"call_id"`
	Decision string `json:"decision" jsonschema:"enum=approved,enum=refused"`
	By       string `json:"by" jsonschema:"enum=user,enum=policy,enum=remembered,enum=no_terminal,enum=end_of_input,description=who decided: the user when asked; the --approve policy; an earlier always/never answer; nobody (no terminal to ask; input ended)"`
	Always   bool   `json:"always,omitempty" jsonschema:"description=the user's answer applies to every later call of this tool"`
}

type handoffLine struct {
	stamp
	session.Handoff
}

type guardrailTrippedLine struct {
	stamp
	session.GuardrailTripped
}

// guardrailCorrectionLine: what the session did after an output guardrail tripped
// (a system action, never a user turn).
type guardrailCorrectionLine struct {
	stamp
	session.GuardrailCorrection
}

// toolErrorLine: a call that was not run (malformed arguments, an unknown tool).
type toolErrorLine struct {
	stamp
	session.ToolError
}

type audioInterruptedLine struct {
	stamp
	session.AudioInterrupted
}

type speechStartedLine struct {
	stamp
	session.SpeechStarted
}

type speechStoppedLine struct {
	stamp
	session.SpeechStopped
}

type inputAudioTimeoutLine struct {
	stamp
	session.InputAudioTimeout
}

// usageLine is one response's usage and the running totals, zero counts left out.
type usageLine struct {
	stamp
	ResponseID         string                       `json:"response_id"`
	Usage              counts                       `json:"usage"`
	Total              counts                       `json:"total"`
	TranscriptionTotal *realtime.TranscriptionUsage `json:"transcription_total,omitempty"`
	CostUSD            float64                      `json:"cost_usd,omitempty" jsonschema:"description=estimated cost so far (needs a price table in the agents file)"`
}

type errorLine struct {
	stamp
	session.Error
}

// counts are token counts with the zero ones left out (realtime.Usage spelled for
// readers of the stream).
type counts struct {
	TotalTokens       int `json:"total_tokens,omitempty"`
	InputTokens       int `json:"input_tokens,omitempty"`
	OutputTokens      int `json:"output_tokens,omitempty"`
	InputTextTokens   int `json:"input_text_tokens,omitempty"`
	InputAudioTokens  int `json:"input_audio_tokens,omitempty"`
	InputImageTokens  int `json:"input_image_tokens,omitempty"`
	CachedTokens      int `json:"cached_tokens,omitempty"`
	CachedTextTokens  int `json:"cached_text_tokens,omitempty"`
	CachedAudioTokens int `json:"cached_audio_tokens,omitempty"`
	CachedImageTokens int `json:"cached_image_tokens,omitempty"`
	OutputTextTokens  int `json:"output_text_tokens,omitempty"`
	OutputAudioTokens int `json:"output_audio_tokens,omitempty"`
	Requests          int `json:"requests,omitempty" jsonschema:"description=responses counted"`
}

func countsOf(u realtime.Usage) counts {
	return counts{
		TotalTokens: u.TotalTokens, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens,
		InputTextTokens: u.InputTextTokens, InputAudioTokens: u.InputAudioTokens, InputImageTokens: u.InputImageTokens,
		CachedTokens: u.CachedTokens, CachedTextTokens: u.CachedTextTokens, CachedAudioTokens: u.CachedAudioTokens,
		CachedImageTokens: u.CachedImageTokens, OutputTextTokens: u.OutputTextTokens, OutputAudioTokens: u.OutputAudioTokens,
		Requests: u.Requests,
	}
}
