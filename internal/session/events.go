package session

import (
	"encoding/json"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Event is one session event (docs/protocol.md §12). Every event has a stable type name,
// which is also the "type" field of its JSONL form (see MarshalEvent).
type Event interface{ EventType() string }

// ConnectionEvent reports a transport state change.
type ConnectionEvent struct {
	State     string `json:"state"` // connected, reconnecting, reconnected, lost, disconnected
	CloseCode int    `json:"close_code,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`  // reconnecting: 1-based attempt
	Planned   bool   `json:"planned,omitempty"`  // a recycle before the session's lifetime ends
	Replayed  int    `json:"replayed,omitempty"` // reconnected: items replayed
	DownMS    int64  `json:"down_ms,omitempty"`  // reconnected: time since the loss
}

// SessionReady is emitted at the first session.updated of a connection.
type SessionReady struct {
	SessionID string            `json:"session_id"`
	ExpiresAt time.Time         `json:"expires_at"`
	Settings  realtime.Settings `json:"-"`
	Agent     string            `json:"agent"`
}

// AgentStart is emitted at response.created; Agent is the agent active then.
type AgentStart struct {
	Agent      string `json:"agent"`
	ResponseID string `json:"response_id"`
}

// AgentEnd is emitted at response.done and names the same agent as its AgentStart.
type AgentEnd struct {
	Agent        string `json:"agent"`
	ResponseID   string `json:"response_id"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason,omitempty"`
}

// Handoff is emitted before the new agent's session update is sent.
type Handoff struct {
	FromAgent string `json:"from_agent"`
	ToAgent   string `json:"to_agent"`
	CallID    string `json:"call_id,omitempty"`
	Manual    bool   `json:"manual,omitempty"`
}

// ToolStart is emitted just before a tool runs (after approval).
type ToolStart struct {
	Agent     string `json:"agent"`
	Tool      string `json:"tool"`
	CallID    string `json:"call_id"`
	Arguments string `json:"arguments"`
}

// ToolEnd is emitted once per call, after its output frame was written; also for
// rejections, timeouts and unknown tools.
type ToolEnd struct {
	Agent     string        `json:"agent"`
	Tool      string        `json:"tool"`
	CallID    string        `json:"call_id"`
	Arguments string        `json:"arguments"`
	Output    string        `json:"output"`
	Error     string        `json:"error,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
}

// ToolError reports a call that was not run because its arguments are malformed
// (not JSON, or not matching the tool's schema). The model gets the error as the
// call's output; no tool_start or tool_end is emitted for it.
type ToolError struct {
	Agent     string `json:"agent"`
	Tool      string `json:"tool"`
	CallID    string `json:"call_id"`
	Arguments string `json:"arguments"`
	Error     string `json:"error"`
}

// ToolApprovalRequired asks a consumer to Approve or Reject the call.
type ToolApprovalRequired struct {
	Agent     string `json:"agent"`
	Tool      string `json:"tool"`
	CallID    string `json:"call_id"`
	Arguments string `json:"arguments"`
}

// AudioStarted says the first audio of a response was handed to the audio output: a
// fact for latency clocks, once per response. Audio itself never travels through the
// event stream (the session hands it to its AudioSink).
type AudioStarted struct {
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
}

// AudioEnd follows the last audio of an item.
type AudioEnd struct {
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
}

// Interrupt reasons.
const (
	ReasonBargeIn   = "barge_in"
	ReasonManual    = "manual"
	ReasonPTT       = "ptt"
	ReasonLocalGate = "local_gate"
	ReasonGuardrail = "guardrail"
	// ReasonLocalVAD is local barge-in: the client's own voice detector heard the
	// user start speaking over the assistant (R7.6), before the server's speech_started.
	ReasonLocalVAD = "local_vad"
)

// AudioInterrupted is emitted once per interrupted item, only while audio was playing.
type AudioInterrupted struct {
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
	PlayedMS     int    `json:"played_ms"`
	Reason       string `json:"reason"`
}

// Transcript is a transcript delta or, with Final set, a final transcript. The JSONL
// runner prints only final ones as "transcript".
type Transcript struct {
	Role       string `json:"role"` // assistant or user
	Agent      string `json:"agent,omitempty"`
	ItemID     string `json:"item_id"`
	ResponseID string `json:"response_id,omitempty"`
	Delta      string `json:"delta,omitempty"`
	Final      bool   `json:"final"`
	Text       string `json:"text,omitempty"` // full text when Final
}

// EventType of Transcript is "transcript" when final, "transcript_delta" otherwise.
func (t Transcript) EventType() string {
	if t.Final {
		return "transcript"
	}
	return "transcript_delta"
}

// SpeechStarted and SpeechStopped mirror the server VAD.
type SpeechStarted struct {
	ItemID  string `json:"item_id"`
	AudioMS int    `json:"audio_ms"`
}

// SpeechStopped mirrors input_audio_buffer.speech_stopped.
type SpeechStopped struct {
	ItemID  string `json:"item_id"`
	AudioMS int    `json:"audio_ms"`
}

// Error sources.
const (
	SourceServer    = "server"
	SourceTransport = "transport"
	SourceTool      = "tool"
	SourceGuardrail = "guardrail"
	SourceEngine    = "engine"
	SourceMCP       = "mcp" // an MCP server's state or a tool it could not declare (Report)
)

// Error is any error; Fatal only for connection-ending ones. It never ends the stream.
type Error struct {
	Source  string `json:"source"`
	Type    string `json:"error_type,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	EventID string `json:"event_id,omitempty"`
	// Command is the kind of command a server error was correlated to, as named by
	// realtime.CommandKind ("send_user_text", "create_response", …); empty when
	// the error is not correlated to one.
	Command string `json:"command,omitempty"`
	Fatal   bool   `json:"fatal,omitempty"`
}

// Unanswered reports whether the server refused a user message or a tool output
// (an error correlated to its conversation.item.create): the turn it belongs to
// will not be answered as asked (issue 9 #6).
func (e Error) Unanswered() bool {
	return e.Command == realtime.CommandSendUserText.String() || e.Command == realtime.CommandSendToolOutput.String()
}

// HistoryAdded is emitted for a new item id.
type HistoryAdded struct {
	Item HistoryItem `json:"item"`
}

// HistoryUpdated carries an immutable snapshot of the whole history.
type HistoryUpdated struct {
	Item      *HistoryItem  `json:"item,omitempty"`
	DeletedID string        `json:"deleted_id,omitempty"`
	History   []HistoryItem `json:"-"`
}

// Guardrail kinds.
const (
	GuardrailOutput = "output"
	GuardrailInput  = "input"
)

// GuardrailTripped precedes the audio_interrupted it causes.
type GuardrailTripped struct {
	Kind       string   `json:"kind"`
	Agent      string   `json:"agent,omitempty"`
	ResponseID string   `json:"response_id,omitempty"`
	ItemID     string   `json:"item_id,omitempty"`
	Guardrails []string `json:"guardrails"`
	// Message is a marker naming the guardrail; the blocked text itself is withheld
	// everywhere (issue 9 #5).
	Message      string `json:"message"`
	Reason       string `json:"reason,omitempty"` // the guardrails' own reasons
	CheckedChars int    `json:"checked_chars"`    // length of the text that tripped
}

// GuardrailCorrection is the system action after a guardrail trip: the engine asked
// the model to answer again (Sent, with the corrective Text), or stopped asking after
// maxConsecutiveTrips consecutive trips. It is never a user turn; the corrective
// message's conversation item appears in the history with kind "system".
type GuardrailCorrection struct {
	Agent      string   `json:"agent,omitempty"`
	ResponseID string   `json:"response_id,omitempty"`
	Guardrails []string `json:"guardrails"`
	Reason     string   `json:"reason,omitempty"`
	Text       string   `json:"text,omitempty"`
	Sent       bool     `json:"sent"`
	Notice     string   `json:"notice"` // what to tell the user
}

// InputAudioTimeout mirrors input_audio_buffer.timeout_triggered.
type InputAudioTimeout struct {
	ItemID       string `json:"item_id"`
	AudioStartMS int    `json:"audio_start_ms"`
	AudioEndMS   int    `json:"audio_end_ms"`
}

// UsageEvent reports one response's usage and the running totals.
type UsageEvent struct {
	ResponseID         string                      `json:"response_id"`
	Usage              realtime.Usage              `json:"usage"`
	Total              realtime.Usage              `json:"total"`
	TranscriptionTotal realtime.TranscriptionUsage `json:"transcription_total,omitzero"`
	CostUSD            float64                     `json:"cost_usd"` // estimate; 0 without a price table
}

// RawEvent is a copy of one wire frame (opt-in).
type RawEvent struct {
	Direction string          `json:"direction"` // in, out
	Type      string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
}

// Closed is the last event of the stream.
type Closed struct {
	Reason string `json:"reason"`
	Err    error  `json:"-"`
	Code   int    `json:"code,omitempty"`
}

func (ConnectionEvent) EventType() string      { return "connection" }
func (SessionReady) EventType() string         { return "session_ready" }
func (AgentStart) EventType() string           { return "agent_start" }
func (AgentEnd) EventType() string             { return "agent_end" }
func (Handoff) EventType() string              { return "handoff" }
func (ToolStart) EventType() string            { return "tool_start" }
func (ToolEnd) EventType() string              { return "tool_end" }
func (ToolError) EventType() string            { return "tool_error" }
func (ToolApprovalRequired) EventType() string { return "tool_approval_required" }
func (AudioStarted) EventType() string         { return "audio_started" }
func (AudioEnd) EventType() string             { return "audio_end" }
func (AudioInterrupted) EventType() string     { return "audio_interrupted" }
func (SpeechStarted) EventType() string        { return "speech_started" }
func (SpeechStopped) EventType() string        { return "speech_stopped" }
func (Error) EventType() string                { return "error" }
func (HistoryAdded) EventType() string         { return "history_added" }
func (HistoryUpdated) EventType() string       { return "history_updated" }
func (GuardrailTripped) EventType() string     { return "guardrail_tripped" }
func (GuardrailCorrection) EventType() string  { return "guardrail_correction" }
func (InputAudioTimeout) EventType() string    { return "input_audio_timeout_triggered" }
func (UsageEvent) EventType() string           { return "usage" }
func (RawEvent) EventType() string             { return "raw" }
func (Closed) EventType() string               { return "closed" }
