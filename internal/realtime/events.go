package realtime

import (
	"encoding/json"
	"strconv"
	"time"
)

// Event is a typed model event. Providers decode server events into these; events
// they do not handle arrive as Raw.
type Event interface{ isEvent() }

// Connection states.
const (
	StateConnecting   = "connecting"
	StateConnected    = "connected"
	StateReconnecting = "reconnecting"
	StateDisconnected = "disconnected"
)

// ConnectionChanged reports a transport state change.
type ConnectionChanged struct {
	State     string
	CloseCode int
	Reason    string
	ReconnectInfo
}

// SessionUpdated carries the effective session from session.created (Created) or
// session.updated. Ready is set on the first session.updated that follows the
// client's own initial update (R1.12).
type SessionUpdated struct {
	Info    SessionInfo
	Created bool
	Ready   bool
	// Bare: the event had no session object. It acknowledges the last update but says
	// nothing about the effective settings; Info is empty.
	Bare bool
}

// Error is an error event from the server, the transport or the provider.
type Error struct {
	Source  string // "server", "transport", "engine"
	Type    string
	Code    string
	Message string
	Param   string
	EventID string
	// Command is the kind of command the error was correlated to (through the
	// provider's event ids); CommandUnknown when it is not known.
	Command CommandKind
	// Race marks a benign race the model expects and the consumer should only log,
	// never show: e.g. a cancel that met the natural end of its response (R6.3), or
	// a create refused because a response it wanted already covers it (R6.5).
	Race  bool
	Fatal bool
}

// Error implements the error interface.
func (e Error) Error() string {
	if e.Code != "" {
		return e.Code + ": " + e.Message
	}
	return e.Message
}

// Item lifecycle kinds for ItemEvent.
const (
	ItemAdded     = "added" // conversation.item.added (or the beta alias .created)
	ItemDone      = "done"
	ItemRetrieved = "retrieved"
)

// ItemEvent is conversation.item.added, .done or .retrieved.
type ItemEvent struct {
	Kind           string
	PreviousItemID string
	Item           Item
}

// ItemDeleted is conversation.item.deleted.
type ItemDeleted struct{ ItemID string }

// ItemTruncated is conversation.item.truncated.
type ItemTruncated struct {
	ItemID       string
	ContentIndex int
	AudioEndMS   int
}

// InputTranscriptDelta is a partial user transcript.
type InputTranscriptDelta struct {
	ItemID       string
	ContentIndex int
	Delta        string
}

// InputTranscriptCompleted is the final user transcript of an audio item.
type InputTranscriptCompleted struct {
	ItemID       string
	ContentIndex int
	Transcript   string
	Usage        *TranscriptionUsage
}

// InputTranscriptFailed reports a failed input transcription.
type InputTranscriptFailed struct {
	ItemID       string
	ContentIndex int
	Message      string
}

// SpeechStarted is input_audio_buffer.speech_started.
type SpeechStarted struct {
	ItemID       string
	AudioStartMS int
}

// SpeechStopped is input_audio_buffer.speech_stopped.
type SpeechStopped struct {
	ItemID     string
	AudioEndMS int
}

// AudioCommitted is input_audio_buffer.committed.
type AudioCommitted struct {
	ItemID         string
	PreviousItemID string
}

// AudioCleared is input_audio_buffer.cleared.
type AudioCleared struct{}

// InputTimeout is input_audio_buffer.timeout_triggered.
type InputTimeout struct {
	ItemID       string
	AudioStartMS int
	AudioEndMS   int
}

// ResponseCreated is response.created.
type ResponseCreated struct{ ResponseID string }

// Response statuses.
const (
	ResponseCompleted  = "completed"
	ResponseCancelled  = "cancelled"
	ResponseIncomplete = "incomplete"
	ResponseFailed     = "failed"
)

// ResponseDone is response.done.
type ResponseDone struct {
	ResponseID   string
	Status       string
	StatusReason string // turn_detected, client_cancelled, max_output_tokens, content_filter
	Error        *Error // failed responses
	Usage        *Usage // nil when the server sent null
	Output       []Item
}

// OutputItemAdded is response.output_item.added.
type OutputItemAdded struct {
	ResponseID  string
	OutputIndex int
	Item        Item
}

// OutputItemDone is response.output_item.done.
type OutputItemDone struct {
	ResponseID  string
	OutputIndex int
	Item        Item
}

// AudioDelta is one chunk of assistant audio, decoded.
type AudioDelta struct {
	ResponseID   string
	ItemID       string
	ContentIndex int
	Data         []byte
}

// AudioDone is response.output_audio.done.
type AudioDone struct {
	ResponseID   string
	ItemID       string
	ContentIndex int
}

// TranscriptDelta is an assistant transcript delta (audio mode) or text delta (text mode).
type TranscriptDelta struct {
	ResponseID   string
	ItemID       string
	ContentIndex int
	Delta        string
	Text         bool // from response.output_text.delta
}

// TranscriptDone carries the final transcript (audio mode) or text (text mode) of a part.
type TranscriptDone struct {
	ResponseID   string
	ItemID       string
	ContentIndex int
	Transcript   string
	Text         bool
}

// FunctionCallArgumentsDelta is optional progress on a call's arguments.
type FunctionCallArgumentsDelta struct {
	ResponseID string
	ItemID     string
	CallID     string
	Delta      string
}

// FunctionCallArgumentsDone carries a candidate tool call (R8.2).
type FunctionCallArgumentsDone struct {
	ResponseID string
	ItemID     string
	CallID     string
	Name       string
	Arguments  string
}

// RateLimit is one entry of rate_limits.updated.
type RateLimit struct {
	Name         string
	Limit        int
	Remaining    int
	ResetSeconds float64
}

// RateLimitsUpdated is rate_limits.updated.
type RateLimitsUpdated struct{ Limits []RateLimit }

// TriggerChange says how the model's pending response triggers changed (R6.4).
type TriggerChange int

// Trigger changes.
const (
	// TriggerRequested: a command Send accepted registered one trigger.
	TriggerRequested TriggerChange = iota + 1
	// TriggerCovered: a response covers the triggers (it was created after their
	// items were acknowledged, or it served a create that carried them).
	TriggerCovered
	// TriggerWithdrawn: the triggers will get no response: their item or their
	// create failed, the model gave up retrying, or the connection ended.
	TriggerWithdrawn
)

func (c TriggerChange) String() string {
	switch c {
	case TriggerRequested:
		return "requested"
	case TriggerCovered:
		return "covered"
	case TriggerWithdrawn:
		return "withdrawn"
	}
	return "TriggerChange(" + strconv.Itoa(int(c)) + ")"
}

// ResponseTriggers reports a change of the model's pending response triggers, the
// reasons it has to want a response (R6.4). Response sequencing is the model's
// job; this is how it tells the session whether a response is still wanted.
//
// The model emits one with Change TriggerRequested and Count 1 for every command
// Send accepted that registers a trigger (see RegistersTrigger), in the order the
// commands were sent, and one each time triggers are covered or withdrawn.
// Pending is the number of triggers still waiting for a response after the change.
type ResponseTriggers struct {
	Change  TriggerChange
	Count   int
	Pending int
}

// Raw is a frame the provider does not turn into a typed event (unknown or
// raw-only types), or, when enabled, a copy of every frame.
type Raw struct {
	Direction string // "in" (server) or "out" (client)
	Type      string
	Data      json.RawMessage
	Time      time.Time
}

// Closed is always the last event. Code is the WebSocket close code (0 when the
// connection failed without one); Err is nil for a normal close.
type Closed struct {
	Code   int
	Reason string
	Err    error
}

func (ConnectionChanged) isEvent()          {}
func (SessionUpdated) isEvent()             {}
func (Error) isEvent()                      {}
func (ItemEvent) isEvent()                  {}
func (ItemDeleted) isEvent()                {}
func (ItemTruncated) isEvent()              {}
func (InputTranscriptDelta) isEvent()       {}
func (InputTranscriptCompleted) isEvent()   {}
func (InputTranscriptFailed) isEvent()      {}
func (SpeechStarted) isEvent()              {}
func (SpeechStopped) isEvent()              {}
func (AudioCommitted) isEvent()             {}
func (AudioCleared) isEvent()               {}
func (InputTimeout) isEvent()               {}
func (ResponseCreated) isEvent()            {}
func (ResponseDone) isEvent()               {}
func (OutputItemAdded) isEvent()            {}
func (OutputItemDone) isEvent()             {}
func (AudioDelta) isEvent()                 {}
func (AudioDone) isEvent()                  {}
func (TranscriptDelta) isEvent()            {}
func (TranscriptDone) isEvent()             {}
func (FunctionCallArgumentsDelta) isEvent() {}
func (FunctionCallArgumentsDone) isEvent()  {}
func (RateLimitsUpdated) isEvent()          {}
func (ResponseTriggers) isEvent()           {}
func (Raw) isEvent()                        {}
func (Closed) isEvent()                     {}
