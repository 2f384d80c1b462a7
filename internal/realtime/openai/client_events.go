package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"sync"
)

// Client event wire types (docs/protocol.md §3). Every field that must be absent when
// unset carries omitempty or omitzero; fields the protocol always sends do not.

type eventHeader struct {
	Type    string `json:"type"`
	EventID string `json:"event_id,omitempty"`
}

type sessionUpdateEvent struct {
	Type    string      `json:"type"`
	EventID string      `json:"event_id,omitempty"`
	Session wireSession `json:"session"`
}

type wireSession struct {
	Type             string                `json:"type"`
	Model            string                `json:"model"`
	OutputModalities []string              `json:"output_modalities"`
	Instructions     string                `json:"instructions"`
	Prompt           nullable[*wirePrompt] `json:"prompt,omitzero"`
	Audio            wireSessionAudio      `json:"audio"`
	Tools            []wireTool            `json:"tools"`
	ToolChoice       toolChoice            `json:"tool_choice"`
	MaxOutputTokens  maxTokens             `json:"max_output_tokens,omitzero"`
	// Reasoning and ParallelToolCalls are sent only when configured (R2.3 rule 2).
	Reasoning         *wireReasoning `json:"reasoning,omitempty"`
	ParallelToolCalls *bool          `json:"parallel_tool_calls,omitempty"`
	Tracing           string         `json:"tracing,omitempty"`
}

type wireReasoning struct {
	Effort string `json:"effort"`
}

type wireSessionAudio struct {
	Input  wireAudioInput  `json:"input"`
	Output wireAudioOutput `json:"output"`
}

type wireAudioInput struct {
	Format         wireFormat          `json:"format"`
	Transcription  *wireTranscription  `json:"transcription,omitempty"`
	NoiseReduction *wireNoiseReduction `json:"noise_reduction,omitempty"`
	TurnDetection  *wireTurnDetection  `json:"turn_detection"` // nil: explicit null (manual turns)
}

type wireAudioOutput struct {
	Format wireFormat `json:"format"`
	Voice  string     `json:"voice"`
	Speed  float64    `json:"speed,omitempty"`
}

type wireFormat struct {
	Type string `json:"type"`
	Rate int    `json:"rate,omitempty"`
}

type wireTranscription struct {
	Model    string `json:"model"`
	Language string `json:"language,omitempty"`
	Prompt   string `json:"prompt,omitempty"`
}

type wireNoiseReduction struct {
	Type string `json:"type"`
}

type wireTurnDetection struct {
	Type              string   `json:"type"`
	Threshold         *float64 `json:"threshold,omitempty"`
	PrefixPaddingMS   *int     `json:"prefix_padding_ms,omitempty"`
	SilenceDurationMS *int     `json:"silence_duration_ms,omitempty"`
	IdleTimeoutMS     *int     `json:"idle_timeout_ms,omitempty"`
	Eagerness         string   `json:"eagerness,omitempty"`
	CreateResponse    *bool    `json:"create_response,omitempty"`
	InterruptResponse *bool    `json:"interrupt_response,omitempty"`
}

type wireTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type wirePrompt struct {
	ID        string            `json:"id"`
	Version   string            `json:"version,omitempty"`
	Variables map[string]string `json:"variables,omitempty"`
}

// nullable is a field with three states: absent (zero value, dropped by omitzero),
// explicit null (Set with a nil value) and a value.
type nullable[T any] struct {
	Set   bool
	Value T
}

func (n nullable[T]) IsZero() bool { return !n.Set }

func (n nullable[T]) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

// toolChoice is "auto" | "none" | "required" | {"type":"function","name":…}.
type toolChoice struct{ Mode, Function string }

func (t toolChoice) MarshalJSON() ([]byte, error) {
	if t.Function != "" {
		return json.Marshal(struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}{"function", t.Function})
	}
	return json.Marshal(orDefault(t.Mode, "auto"))
}

// maxTokens is max_output_tokens: 0 absent, -1 "inf", else the integer.
type maxTokens int

func (m maxTokens) IsZero() bool { return m == 0 }

func (m maxTokens) MarshalJSON() ([]byte, error) {
	if m < 0 {
		return []byte(`"inf"`), nil
	}
	return strconv.AppendInt(nil, int64(m), 10), nil
}

type appendEvent struct {
	Type  string `json:"type"`
	Audio []byte `json:"audio"` // encoding/json writes standard base64 with padding (R3.4)
}

// appendFrame encodes input_audio_buffer.append without encoding/json (issue 13):
// the type is a constant and standard padded base64 (R3.4) needs no JSON escaping,
// so the frame is the head, the base64 and the tail, in one exact-size buffer. The
// bytes equal marshal(appendEvent{…}) for non-empty audio.
func appendFrame(pcm []byte) []byte {
	const head, tail = `{"type":"input_audio_buffer.append","audio":"`, `"}`
	out := make([]byte, 0, len(head)+base64.StdEncoding.EncodedLen(len(pcm))+len(tail))
	out = append(out, head...)
	out = base64.StdEncoding.AppendEncode(out, pcm)
	return append(out, tail...)
}

type itemCreateEvent struct {
	Type           string   `json:"type"`
	EventID        string   `json:"event_id,omitempty"`
	PreviousItemID string   `json:"previous_item_id,omitempty"`
	Item           wireItem `json:"item"`
}

// wireItem is an item as C creates it (R3.2).
type wireItem struct {
	ID        string        `json:"id,omitempty"`
	Type      string        `json:"type"`
	Role      string        `json:"role,omitempty"`
	Content   []wireContent `json:"content,omitempty"`
	CallID    string        `json:"call_id,omitempty"`
	Name      string        `json:"name,omitempty"`
	Arguments *string       `json:"arguments,omitempty"`
	Output    *string       `json:"output,omitempty"`
}

type wireContent struct {
	Type       string  `json:"type"`
	Text       *string `json:"text,omitempty"`
	Audio      []byte  `json:"audio,omitempty"`
	Transcript string  `json:"transcript,omitempty"`
	ImageURL   string  `json:"image_url,omitempty"`
}

type truncateEvent struct {
	Type         string `json:"type"`
	EventID      string `json:"event_id,omitempty"`
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
	AudioEndMS   int    `json:"audio_end_ms"`
}

type itemIDEvent struct {
	Type    string `json:"type"`
	EventID string `json:"event_id,omitempty"`
	ItemID  string `json:"item_id"`
}

type responseCreateEvent struct {
	Type     string        `json:"type"`
	EventID  string        `json:"event_id,omitempty"`
	Response *wireResponse `json:"response,omitempty"`
}

type wireResponse struct {
	Instructions string `json:"instructions,omitempty"`
}

type responseCancelEvent struct {
	Type       string `json:"type"`
	EventID    string `json:"event_id,omitempty"`
	ResponseID string `json:"response_id,omitempty"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// marshal encodes a client event compactly without HTML escaping (pitfall 33:
// tool outputs must reach the model as written).
func marshal(v any) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return append([]byte(nil), out...), nil
}
