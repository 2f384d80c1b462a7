package openai

import (
	"bytes"
	"encoding/json"
	"math"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Server event wire types (docs/protocol.md §4). Decoding is tolerant (§4.3): null is the
// same as absent (plain Go types keep their zero value on null), unknown fields are
// ignored, polymorphic fields are json.RawMessage with accessors.

type srvError struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param"`
	EventID string `json:"event_id"`
}

type srvErrorEvent struct {
	Error srvError `json:"error"`
}

type srvItem struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Role      string       `json:"role"`
	Status    string       `json:"status"`
	Content   []srvContent `json:"content"`
	CallID    string       `json:"call_id"`
	Name      string       `json:"name"`
	Arguments string       `json:"arguments"`
	Output    string       `json:"output"`
}

type srvContent struct {
	Type       string `json:"type"`
	Text       string `json:"text"`
	Transcript string `json:"transcript"`
	Audio      []byte `json:"audio"` // base64 on the wire (retrieved items)
	ImageURL   string `json:"image_url"`
}

type srvItemEvent struct {
	PreviousItemID string  `json:"previous_item_id"`
	ResponseID     string  `json:"response_id"`
	OutputIndex    int     `json:"output_index"`
	Item           srvItem `json:"item"`
}

// srvFlat holds the scalar fields of the simple events (ids, indexes, deltas).
type srvFlat struct {
	ResponseID     string                 `json:"response_id"`
	ItemID         string                 `json:"item_id"`
	PreviousItemID string                 `json:"previous_item_id"`
	OutputIndex    int                    `json:"output_index"`
	ContentIndex   int                    `json:"content_index"`
	AudioStartMS   int                    `json:"audio_start_ms"`
	AudioEndMS     int                    `json:"audio_end_ms"`
	Delta          string                 `json:"delta"`
	Transcript     string                 `json:"transcript"`
	Text           string                 `json:"text"`
	CallID         string                 `json:"call_id"`
	Name           string                 `json:"name"`
	Arguments      string                 `json:"arguments"`
	Usage          *srvTranscriptionUsage `json:"usage"`
	Error          *srvError              `json:"error"`
}

// srvAudioDelta is response.output_audio.delta. Delta is []byte so encoding/json
// base64-decodes it straight into one exact-size buffer (no intermediate string).
type srvAudioDelta struct {
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
	Delta        []byte `json:"delta"`
}

type srvTranscriptionUsage struct {
	Type              string  `json:"type"`
	InputTokens       int     `json:"input_tokens"`
	OutputTokens      int     `json:"output_tokens"`
	TotalTokens       int     `json:"total_tokens"`
	Seconds           float64 `json:"seconds"`
	InputTokenDetails struct {
		TextTokens  int `json:"text_tokens"`
		AudioTokens int `json:"audio_tokens"`
	} `json:"input_token_details"`
}

type srvResponseEvent struct {
	Response srvResponse `json:"response"`
}

type srvResponse struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	StatusDetails *struct {
		Type   string    `json:"type"`
		Reason string    `json:"reason"`
		Error  *srvError `json:"error"`
	} `json:"status_details"`
	Output []srvItem `json:"output"`
	Usage  *srvUsage `json:"usage"`
}

type tokenDetails struct {
	TextTokens          int           `json:"text_tokens"`
	AudioTokens         int           `json:"audio_tokens"`
	ImageTokens         int           `json:"image_tokens"`
	CachedTokens        int           `json:"cached_tokens"`
	CachedTokensDetails *tokenDetails `json:"cached_tokens_details"`
}

type srvUsage struct {
	TotalTokens        int           `json:"total_tokens"`
	InputTokens        int           `json:"input_tokens"`
	OutputTokens       int           `json:"output_tokens"`
	InputTokenDetails  *tokenDetails `json:"input_token_details"`
	OutputTokenDetails *tokenDetails `json:"output_token_details"`
}

type srvRateLimits struct {
	RateLimits []struct {
		Name         string  `json:"name"`
		Limit        float64 `json:"limit"`
		Remaining    float64 `json:"remaining"`
		ResetSeconds float64 `json:"reset_seconds"`
	} `json:"rate_limits"`
}

type srvSessionEvent struct {
	Session json.RawMessage `json:"session"`
}

type srvFormat struct {
	Type string `json:"type"`
	Rate int    `json:"rate"`
}

type srvSession struct {
	Type             string   `json:"type"`
	ID               string   `json:"id"`
	Model            string   `json:"model"`
	ExpiresAt        float64  `json:"expires_at"`
	OutputModalities []string `json:"output_modalities"`
	Instructions     string   `json:"instructions"`
	Prompt           *struct {
		ID        string                     `json:"id"`
		Version   string                     `json:"version"`
		Variables map[string]json.RawMessage `json:"variables"`
	} `json:"prompt"`
	Audio struct {
		Input struct {
			Format        srvFormat `json:"format"`
			Transcription *struct {
				Model    string `json:"model"`
				Language string `json:"language"`
				Prompt   string `json:"prompt"`
			} `json:"transcription"`
			NoiseReduction *struct {
				Type string `json:"type"`
			} `json:"noise_reduction"`
			TurnDetection *struct {
				Type              string   `json:"type"`
				Threshold         *float64 `json:"threshold"`
				PrefixPaddingMS   *int     `json:"prefix_padding_ms"`
				SilenceDurationMS *int     `json:"silence_duration_ms"`
				IdleTimeoutMS     *int     `json:"idle_timeout_ms"`
				Eagerness         string   `json:"eagerness"`
				CreateResponse    *bool    `json:"create_response"`
				InterruptResponse *bool    `json:"interrupt_response"`
			} `json:"turn_detection"`
		} `json:"input"`
		Output struct {
			Format srvFormat       `json:"format"`
			Voice  json.RawMessage `json:"voice"` // "marin" | {"id":"voice_…"}
			Speed  float64         `json:"speed"`
		} `json:"output"`
	} `json:"audio"`
	Tools []struct {
		Type        string          `json:"type"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"tools"`
	ToolChoice      json.RawMessage `json:"tool_choice"`       // string | {type, name}
	MaxOutputTokens json.RawMessage `json:"max_output_tokens"` // int | "inf"
}

// voice returns the voice name or custom voice id.
func (s *srvSession) voice() string {
	v := s.Audio.Output.Voice
	var name string
	if json.Unmarshal(v, &name) == nil {
		return name
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(v, &obj) == nil {
		return obj.ID
	}
	return ""
}

// toolChoice returns "auto"/"none"/"required" or the forced function's name.
func (s *srvSession) toolChoice() string {
	var mode string
	if json.Unmarshal(s.ToolChoice, &mode) == nil {
		return mode
	}
	var obj struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(s.ToolChoice, &obj) == nil {
		return obj.Name
	}
	return ""
}

// maxOutputTokens returns -1 for "inf", the integer otherwise, 0 when absent.
func (s *srvSession) maxOutputTokens() int {
	var n int
	if json.Unmarshal(s.MaxOutputTokens, &n) == nil {
		return n
	}
	var str string
	if json.Unmarshal(s.MaxOutputTokens, &str) == nil && str == "inf" {
		return -1
	}
	return 0
}

func (s *srvSession) info(raw json.RawMessage) realtime.SessionInfo {
	st := realtime.Settings{
		Model:            s.Model,
		OutputModalities: s.OutputModalities,
		Instructions:     s.Instructions,
		InputFormat:      realtime.AudioFormat{Type: s.Audio.Input.Format.Type, Rate: s.Audio.Input.Format.Rate},
		OutputFormat:     realtime.AudioFormat{Type: s.Audio.Output.Format.Type, Rate: s.Audio.Output.Format.Rate},
		Voice:            s.voice(),
		Speed:            s.Audio.Output.Speed,
		ToolChoice:       s.toolChoice(),
		MaxOutputTokens:  s.maxOutputTokens(),
	}
	if p := s.Prompt; p != nil {
		st.Prompt = &realtime.Prompt{ID: p.ID, Version: p.Version}
		for k, v := range p.Variables {
			var str string
			if json.Unmarshal(v, &str) == nil {
				if st.Prompt.Variables == nil {
					st.Prompt.Variables = map[string]string{}
				}
				st.Prompt.Variables[k] = str
			}
		}
	}
	if t := s.Audio.Input.Transcription; t != nil {
		st.Transcription = &realtime.Transcription{Model: t.Model, Language: t.Language, Prompt: t.Prompt}
	}
	if n := s.Audio.Input.NoiseReduction; n != nil {
		st.NoiseReduction = n.Type
	}
	if td := s.Audio.Input.TurnDetection; td != nil {
		st.TurnDetection = &realtime.TurnDetection{
			Type: td.Type, Threshold: td.Threshold, PrefixPaddingMS: td.PrefixPaddingMS,
			SilenceDurationMS: td.SilenceDurationMS, IdleTimeoutMS: td.IdleTimeoutMS, Eagerness: td.Eagerness,
			CreateResponse: td.CreateResponse, InterruptResponse: td.InterruptResponse,
		}
	}
	for _, t := range s.Tools {
		st.Tools = append(st.Tools, realtime.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	info := realtime.SessionInfo{ID: s.ID, Settings: st, Raw: raw}
	if s.ExpiresAt > 0 {
		sec, frac := math.Modf(s.ExpiresAt)
		info.ExpiresAt = time.Unix(int64(sec), int64(frac*1e9))
	}
	return info
}

// item converts a wire item, normalising content types (§4.3 #3).
func (it *srvItem) item() realtime.Item {
	out := realtime.Item{
		ID: it.ID, Type: it.Type, Role: it.Role, Status: it.Status,
		CallID: it.CallID, Name: it.Name, Arguments: it.Arguments, Output: it.Output,
	}
	if len(it.Content) > 0 {
		out.Content = make([]realtime.Content, len(it.Content))
		for i, c := range it.Content {
			out.Content[i] = realtime.Content{
				Type: normContentType(c.Type), Text: c.Text, Transcript: c.Transcript, Audio: c.Audio, ImageURL: c.ImageURL,
			}
		}
	}
	return out
}

func normContentType(t string) string {
	switch t {
	case "audio", "output_audio":
		return realtime.ContentAudio
	case "text", "output_text":
		return realtime.ContentText
	}
	return t
}

func (e *srvError) event(source string) realtime.Error {
	return realtime.Error{Source: source, Type: e.Type, Code: e.Code, Message: e.Message, Param: e.Param, EventID: e.EventID}
}

func (u *srvUsage) usage() *realtime.Usage {
	if u == nil {
		return nil
	}
	out := &realtime.Usage{TotalTokens: u.TotalTokens, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, Requests: 1}
	if d := u.InputTokenDetails; d != nil {
		out.InputTextTokens, out.InputAudioTokens, out.InputImageTokens = d.TextTokens, d.AudioTokens, d.ImageTokens
		out.CachedTokens = d.CachedTokens
		if c := d.CachedTokensDetails; c != nil {
			out.CachedTextTokens, out.CachedAudioTokens, out.CachedImageTokens = c.TextTokens, c.AudioTokens, c.ImageTokens
		}
	}
	if d := u.OutputTokenDetails; d != nil {
		out.OutputTextTokens, out.OutputAudioTokens = d.TextTokens, d.AudioTokens
	}
	return out
}

func (u *srvTranscriptionUsage) usage() *realtime.TranscriptionUsage {
	if u == nil {
		return nil
	}
	return &realtime.TranscriptionUsage{
		Type: u.Type, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.TotalTokens,
		InputTextTokens: u.InputTokenDetails.TextTokens, InputAudioTokens: u.InputTokenDetails.AudioTokens,
		Seconds: u.Seconds,
	}
}

// betaNames maps the retired beta event names to GA names (§4.5), so recorded beta
// streams decode; the live API is GA only.
var betaNames = map[string]string{
	"response.text.delta":             "response.output_text.delta",
	"response.text.done":              "response.output_text.done",
	"response.audio.delta":            "response.output_audio.delta",
	"response.audio.done":             "response.output_audio.done",
	"response.audio_transcript.delta": "response.output_audio_transcript.delta",
	"response.audio_transcript.done":  "response.output_audio_transcript.done",
	"conversation.item.created":       "conversation.item.added",
}

// peekType returns the event type without decoding the frame: frames that start
// with {"type":"…" (as the service sends them) at once, others by skipping the
// values before "type" (peekTypeScan); only what neither can follow is decoded in
// full.
func peekType(frame []byte) (string, error) {
	const prefix = `{"type":"`
	if len(frame) > len(prefix) && string(frame[:len(prefix)]) == prefix {
		rest := frame[len(prefix):]
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return internType(rest[:i]), nil
		}
	}
	if t, ok := peekTypeScan(frame); ok {
		return t, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(frame, &head); err != nil {
		return "", err
	}
	if head.Type == "" {
		return "", errNoType
	}
	return head.Type, nil
}

// decodeEvent turns one server frame into a typed event. Types without a typed
// event (raw-only, unknown) become realtime.Raw. It returns the wire type (GA name)
// and an error only for frames that cannot be decoded at all.
func decodeEvent(frame []byte) (string, realtime.Event, error) {
	typ, err := peekType(frame)
	if err != nil {
		return "", nil, err
	}
	if ga, ok := betaNames[typ]; ok {
		typ = ga
	}
	ev, err := decodeTyped(typ, frame)
	return typ, ev, err
}

func decodeTyped(typ string, frame []byte) (realtime.Event, error) {
	switch typ {
	case "response.output_audio.delta":
		d, err := decodeAudioDelta(frame) // fastpath.go
		if err != nil {
			return nil, err
		}
		return d, nil

	case "session.created", "session.updated":
		var w srvSessionEvent
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		if t := bytes.TrimSpace(w.Session); len(t) == 0 || bytes.Equal(t, []byte("null")) {
			// No session object: an acknowledgement, never a hang (issue 9 #8).
			return realtime.SessionUpdated{Created: typ == "session.created", Bare: true}, nil
		}
		var s srvSession
		if err := json.Unmarshal(w.Session, &s); err != nil {
			return nil, err
		}
		if s.Type == "transcription" { // R2.6: ignored
			return raw(typ, frame), nil
		}
		return realtime.SessionUpdated{Info: s.info(w.Session), Created: typ == "session.created"}, nil

	case "error":
		var w srvErrorEvent
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		return w.Error.event("server"), nil

	case "conversation.item.added", "conversation.item.done", "conversation.item.retrieved":
		var w srvItemEvent
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		kind := realtime.ItemAdded
		switch typ {
		case "conversation.item.done":
			kind = realtime.ItemDone
		case "conversation.item.retrieved":
			kind = realtime.ItemRetrieved
		}
		return realtime.ItemEvent{Kind: kind, PreviousItemID: w.PreviousItemID, Item: w.Item.item()}, nil

	case "response.output_item.added", "response.output_item.done":
		var w srvItemEvent
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		if typ == "response.output_item.added" {
			return realtime.OutputItemAdded{ResponseID: w.ResponseID, OutputIndex: w.OutputIndex, Item: w.Item.item()}, nil
		}
		return realtime.OutputItemDone{ResponseID: w.ResponseID, OutputIndex: w.OutputIndex, Item: w.Item.item()}, nil

	case "response.created", "response.done":
		var w srvResponseEvent
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		r := w.Response
		if typ == "response.created" {
			return realtime.ResponseCreated{ResponseID: r.ID}, nil
		}
		done := realtime.ResponseDone{ResponseID: r.ID, Status: r.Status, Usage: r.Usage.usage()}
		if d := r.StatusDetails; d != nil {
			done.StatusReason = d.Reason
			if d.Error != nil {
				e := d.Error.event("server")
				if e.Message == "" {
					e.Message = "response failed"
				}
				done.Error = &e
			}
		}
		if done.Status == realtime.ResponseFailed && done.Error == nil {
			done.Error = &realtime.Error{Source: "server", Code: "response_failed", Message: "response failed"}
		}
		if len(r.Output) > 0 {
			done.Output = make([]realtime.Item, len(r.Output))
			for i := range r.Output {
				done.Output[i] = r.Output[i].item()
			}
		}
		return done, nil

	case "rate_limits.updated":
		var w srvRateLimits
		if err := json.Unmarshal(frame, &w); err != nil {
			return nil, err
		}
		ev := realtime.RateLimitsUpdated{Limits: make([]realtime.RateLimit, 0, len(w.RateLimits))}
		for _, l := range w.RateLimits {
			ev.Limits = append(ev.Limits, realtime.RateLimit{Name: l.Name, Limit: int(l.Limit), Remaining: int(l.Remaining), ResetSeconds: l.ResetSeconds})
		}
		return ev, nil

	case "input_audio_buffer.cleared":
		return realtime.AudioCleared{}, nil
	}

	if !flatTypes[typ] {
		return raw(typ, frame), nil
	}
	var f srvFlat
	if err := json.Unmarshal(frame, &f); err != nil {
		return nil, err
	}
	switch typ {
	case "conversation.item.deleted":
		return realtime.ItemDeleted{ItemID: f.ItemID}, nil
	case "conversation.item.truncated":
		return realtime.ItemTruncated{ItemID: f.ItemID, ContentIndex: f.ContentIndex, AudioEndMS: f.AudioEndMS}, nil
	case "conversation.item.input_audio_transcription.delta":
		return realtime.InputTranscriptDelta{ItemID: f.ItemID, ContentIndex: f.ContentIndex, Delta: f.Delta}, nil
	case "conversation.item.input_audio_transcription.completed":
		return realtime.InputTranscriptCompleted{ItemID: f.ItemID, ContentIndex: f.ContentIndex, Transcript: f.Transcript, Usage: f.Usage.usage()}, nil
	case "conversation.item.input_audio_transcription.failed":
		msg := "input transcription failed"
		if f.Error != nil && f.Error.Message != "" {
			msg = f.Error.Message
		}
		return realtime.InputTranscriptFailed{ItemID: f.ItemID, ContentIndex: f.ContentIndex, Message: msg}, nil
	case "input_audio_buffer.speech_started":
		return realtime.SpeechStarted{ItemID: f.ItemID, AudioStartMS: f.AudioStartMS}, nil
	case "input_audio_buffer.speech_stopped":
		return realtime.SpeechStopped{ItemID: f.ItemID, AudioEndMS: f.AudioEndMS}, nil
	case "input_audio_buffer.committed":
		return realtime.AudioCommitted{ItemID: f.ItemID, PreviousItemID: f.PreviousItemID}, nil
	case "input_audio_buffer.timeout_triggered":
		return realtime.InputTimeout{ItemID: f.ItemID, AudioStartMS: f.AudioStartMS, AudioEndMS: f.AudioEndMS}, nil
	case "response.output_audio.done":
		return realtime.AudioDone{ResponseID: f.ResponseID, ItemID: f.ItemID, ContentIndex: f.ContentIndex}, nil
	case "response.output_audio_transcript.delta", "response.output_text.delta":
		return realtime.TranscriptDelta{ResponseID: f.ResponseID, ItemID: f.ItemID, ContentIndex: f.ContentIndex,
			Delta: f.Delta, Text: typ == "response.output_text.delta"}, nil
	case "response.output_audio_transcript.done":
		return realtime.TranscriptDone{ResponseID: f.ResponseID, ItemID: f.ItemID, ContentIndex: f.ContentIndex, Transcript: f.Transcript}, nil
	case "response.output_text.done":
		return realtime.TranscriptDone{ResponseID: f.ResponseID, ItemID: f.ItemID, ContentIndex: f.ContentIndex, Transcript: f.Text, Text: true}, nil
	case "response.function_call_arguments.delta":
		return realtime.FunctionCallArgumentsDelta{ResponseID: f.ResponseID, ItemID: f.ItemID, CallID: f.CallID, Delta: f.Delta}, nil
	case "response.function_call_arguments.done":
		return realtime.FunctionCallArgumentsDone{ResponseID: f.ResponseID, ItemID: f.ItemID, CallID: f.CallID, Name: f.Name, Arguments: f.Arguments}, nil
	}
	return raw(typ, frame), nil
}

var flatTypes = map[string]bool{
	"conversation.item.deleted":                             true,
	"conversation.item.truncated":                           true,
	"conversation.item.input_audio_transcription.delta":     true,
	"conversation.item.input_audio_transcription.completed": true,
	"conversation.item.input_audio_transcription.failed":    true,
	"input_audio_buffer.speech_started":                     true,
	"input_audio_buffer.speech_stopped":                     true,
	"input_audio_buffer.committed":                          true,
	"input_audio_buffer.timeout_triggered":                  true,
	"response.output_audio.done":                            true,
	"response.output_audio_transcript.delta":                true,
	"response.output_audio_transcript.done":                 true,
	"response.output_text.delta":                            true,
	"response.output_text.done":                             true,
	"response.function_call_arguments.delta":                true,
	"response.function_call_arguments.done":                 true,
}

// knownRawTypes are documented raw-only types (§4.1): Raw without a debug log line.
var knownRawTypes = map[string]bool{
	"conversation.created":                                true,
	"conversation.item.input_audio_transcription.segment": true,
	"input_audio_buffer.dtmf_event_received":              true,
	"output_audio_buffer.started":                         true,
	"output_audio_buffer.stopped":                         true,
	"output_audio_buffer.cleared":                         true,
	"response.content_part.added":                         true,
	"response.content_part.done":                          true,
}

func raw(typ string, frame []byte) realtime.Raw {
	return realtime.Raw{Direction: "in", Type: typ, Data: json.RawMessage(frame), Time: time.Now()}
}
