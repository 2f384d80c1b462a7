package realtime

import (
	"encoding/json"
	"time"
)

// Modality names used in Settings.OutputModalities.
const (
	ModalityAudio = "audio"
	ModalityText  = "text"
)

// Turn detection types.
const (
	TurnServerVAD   = "server_vad"
	TurnSemanticVAD = "semantic_vad"
)

// Settings is the full session configuration. The provider builds its session
// update from scratch out of it every time (docs/protocol.md R2.3), so a Settings value
// must always be complete: base settings merged with the active agent.
type Settings struct {
	Model            string
	OutputModalities []string // ["audio"] or ["text"], never both
	Instructions     string
	Prompt           *Prompt // nil: none (sent as explicit null after an agent that had one)

	InputFormat    AudioFormat
	OutputFormat   AudioFormat
	Transcription  *Transcription // nil: input transcription off
	NoiseReduction string         // "", "near_field" or "far_field"
	TurnDetection  *TurnDetection // nil: manual turns (push-to-talk)

	Voice string
	Speed float64 // 0: not configured

	Tools      []Tool
	ToolChoice string // "auto", "none", "required", or the name of one function

	// MaxOutputTokens: 0 not configured, -1 "inf", otherwise 1..4096.
	MaxOutputTokens int

	// ReasoningEffort is the reasoning effort of reasoning models: "" not configured,
	// otherwise minimal, low, medium, high or xhigh (docs/protocol.md R2.1, R2.3 rule 2).
	ReasoningEffort string
	// ParallelToolCalls lets a reasoning model call several tools in one response;
	// nil: not configured (R2.3 rule 2).
	ParallelToolCalls *bool

	// Tracing is sent only in the first update of a connection: "" (omitted) or "auto".
	Tracing string
}

// TextOnly reports whether the session answers in text.
func (s Settings) TextOnly() bool {
	return len(s.OutputModalities) == 1 && s.OutputModalities[0] == ModalityText
}

// Prompt is a stored prompt reference.
type Prompt struct {
	ID        string
	Version   string
	Variables map[string]string
}

// AudioFormat is an audio encoding on the wire.
type AudioFormat struct {
	Type string // "audio/pcm" (PCM16 LE mono), "audio/pcmu", "audio/pcma"
	Rate int    // 24000 for audio/pcm; ignored otherwise
}

// PCM24k is the default and the only PCM format the service accepts.
var PCM24k = AudioFormat{Type: "audio/pcm", Rate: 24000}

// BytesPerMS returns the bytes of one millisecond of audio in this format
// (docs/protocol.md R7.1): 48 for PCM16 24 kHz, 8 for G.711. The zero value counts as PCM16.
func (f AudioFormat) BytesPerMS() int {
	switch f.Type {
	case "audio/pcmu", "audio/pcma":
		return 8
	default:
		rate := f.Rate
		if rate == 0 {
			rate = 24000
		}
		return rate * 2 / 1000
	}
}

// Transcription configures input audio transcription.
type Transcription struct {
	Model    string
	Language string
	Prompt   string
}

// TurnDetection configures server-side voice activity detection.
// Pointer fields are omitted when nil so the server default applies.
type TurnDetection struct {
	Type              string // TurnServerVAD or TurnSemanticVAD
	Threshold         *float64
	PrefixPaddingMS   *int
	SilenceDurationMS *int
	IdleTimeoutMS     *int
	Eagerness         string // semantic_vad: low, medium, high, auto
	CreateResponse    *bool
	InterruptResponse *bool
}

// Interrupts reports whether the server cancels a response by itself on speech start.
func (t *TurnDetection) Interrupts() bool {
	return t != nil && (t.InterruptResponse == nil || *t.InterruptResponse)
}

// CreatesResponses reports whether the server creates a response by itself at speech stop.
func (t *TurnDetection) CreatesResponses() bool {
	return t != nil && (t.CreateResponse == nil || *t.CreateResponse)
}

// Tool is a function tool as declared to the model.
type Tool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // a JSON Schema object
}

// SessionInfo is the effective session the server reports in session.created/updated.
type SessionInfo struct {
	ID        string
	ExpiresAt time.Time
	Settings  Settings        // as echoed by the server
	Raw       json.RawMessage // the full session object
}
