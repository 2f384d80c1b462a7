package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

const defaultInstructions = "You are the rtagent offline simulator. You answer with a deterministic policy, not a language model."

// sessionObject is the effective GA session, as sent in session.created/updated.
// Polymorphic fields stay raw JSON (they are echoed, not interpreted).
type sessionObject struct {
	Type             string          `json:"type"`
	Object           string          `json:"object"`
	ID               string          `json:"id"`
	Model            string          `json:"model"`
	OutputModalities []string        `json:"output_modalities"`
	Instructions     string          `json:"instructions"`
	Tools            json.RawMessage `json:"tools"`
	ToolChoice       json.RawMessage `json:"tool_choice"`
	MaxOutputTokens  json.RawMessage `json:"max_output_tokens"`
	Tracing          json.RawMessage `json:"tracing"`
	Truncation       json.RawMessage `json:"truncation"`
	Prompt           json.RawMessage `json:"prompt"`
	Reasoning        json.RawMessage `json:"reasoning,omitempty"`
	ExpiresAt        int64           `json:"expires_at"`
	Audio            sessionAudio    `json:"audio"`
	Include          json.RawMessage `json:"include"`
}

type sessionAudio struct {
	Input  sessionAudioInput  `json:"input"`
	Output sessionAudioOutput `json:"output"`
}

type sessionAudioInput struct {
	Format         json.RawMessage `json:"format"`
	Transcription  json.RawMessage `json:"transcription"`
	NoiseReduction json.RawMessage `json:"noise_reduction"`
	TurnDetection  json.RawMessage `json:"turn_detection"`
}

type sessionAudioOutput struct {
	Format json.RawMessage `json:"format"`
	Voice  json.RawMessage `json:"voice"`
	Speed  float64         `json:"speed"`
}

var (
	rawNull       = json.RawMessage("null")
	rawPCM        = json.RawMessage(`{"type":"audio/pcm","rate":24000}`)
	rawInf        = json.RawMessage(`"inf"`)
	rawAuto       = json.RawMessage(`"auto"`)
	rawEmptyArray = json.RawMessage(`[]`)
)

// turnDetection is the parsed audio.input.turn_detection (nil = manual turns).
type turnDetection struct {
	Type              string   `json:"type"`
	Threshold         *float64 `json:"threshold,omitempty"`
	PrefixPaddingMs   *int     `json:"prefix_padding_ms,omitempty"`
	SilenceDurationMs *int     `json:"silence_duration_ms,omitempty"`
	IdleTimeoutMs     *int     `json:"idle_timeout_ms,omitempty"`
	Eagerness         string   `json:"eagerness,omitempty"`
	CreateResponse    *bool    `json:"create_response,omitempty"`
	InterruptResponse *bool    `json:"interrupt_response,omitempty"`
}

// serverVADWire and semanticVADWire are the echoed shapes (every field present).
type serverVADWire struct {
	Type              string  `json:"type"`
	Threshold         float64 `json:"threshold"`
	PrefixPaddingMs   int     `json:"prefix_padding_ms"`
	SilenceDurationMs int     `json:"silence_duration_ms"`
	IdleTimeoutMs     *int    `json:"idle_timeout_ms"`
	CreateResponse    bool    `json:"create_response"`
	InterruptResponse bool    `json:"interrupt_response"`
}

type semanticVADWire struct {
	Type              string `json:"type"`
	Eagerness         string `json:"eagerness"`
	CreateResponse    bool   `json:"create_response"`
	InterruptResponse bool   `json:"interrupt_response"`
}

// vadConfig is what the VAD emulation runs on.
type vadConfig struct {
	threshold         float64
	prefixPaddingMs   int
	silenceDurationMs int
	idleTimeoutMs     int // 0 = none
	createResponse    bool
	interruptResponse bool
}

// normalizeTurnDetection fills server defaults and returns the echoed JSON.
func normalizeTurnDetection(raw json.RawMessage) (json.RawMessage, *vadConfig, error) {
	if isNull(raw) {
		return rawNull, nil, nil
	}
	var td turnDetection
	if err := json.Unmarshal(raw, &td); err != nil {
		return nil, nil, fmt.Errorf("invalid turn_detection: %v", err)
	}
	create, interrupt := true, true
	if td.CreateResponse != nil {
		create = *td.CreateResponse
	}
	if td.InterruptResponse != nil {
		interrupt = *td.InterruptResponse
	}
	if td.IdleTimeoutMs != nil && (*td.IdleTimeoutMs < 5000 || *td.IdleTimeoutMs > 30000) {
		return nil, nil, fmt.Errorf("Invalid 'idle_timeout_ms': expected a value between 5000 and 30000, got %d.", *td.IdleTimeoutMs)
	}
	if td.Threshold != nil && (*td.Threshold < 0 || *td.Threshold > 1) {
		return nil, nil, fmt.Errorf("Invalid 'threshold': expected a value between 0 and 1, got %v.", *td.Threshold)
	}
	switch td.Type {
	case "server_vad":
		w := serverVADWire{Type: td.Type, Threshold: 0.5, PrefixPaddingMs: 300, SilenceDurationMs: 200,
			IdleTimeoutMs: td.IdleTimeoutMs, CreateResponse: create, InterruptResponse: interrupt}
		if td.Threshold != nil {
			w.Threshold = *td.Threshold
		}
		if td.PrefixPaddingMs != nil {
			w.PrefixPaddingMs = *td.PrefixPaddingMs
		}
		if td.SilenceDurationMs != nil {
			w.SilenceDurationMs = *td.SilenceDurationMs
		}
		out, _ := json.Marshal(w)
		cfg := &vadConfig{threshold: w.Threshold, prefixPaddingMs: w.PrefixPaddingMs,
			silenceDurationMs: w.SilenceDurationMs, createResponse: create, interruptResponse: interrupt}
		if w.IdleTimeoutMs != nil {
			cfg.idleTimeoutMs = *w.IdleTimeoutMs
		}
		return out, cfg, nil
	case "semantic_vad":
		w := semanticVADWire{Type: td.Type, Eagerness: td.Eagerness, CreateResponse: create, InterruptResponse: interrupt}
		if w.Eagerness == "" {
			w.Eagerness = "auto"
		}
		silence := 500
		switch w.Eagerness {
		case "high":
			silence = 300
		case "low":
			silence = 800
		}
		out, _ := json.Marshal(w)
		return out, &vadConfig{threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: silence,
			createResponse: create, interruptResponse: interrupt}, nil
	default:
		return nil, nil, fmt.Errorf("Invalid value: '%s'. Supported values are: 'server_vad' and 'semantic_vad'.", td.Type)
	}
}

// toolDef is a declared function tool.
type toolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// sessionState is the effective configuration of one connection.
type sessionState struct {
	obj   sessionObject
	vad   *vadConfig
	tools []toolDef
}

func newSessionState(id, model string, expiresAt int64) *sessionState {
	td, vad, _ := normalizeTurnDetection(json.RawMessage(`{"type":"server_vad"}`))
	return &sessionState{
		obj: sessionObject{
			Type: "realtime", Object: "realtime.session", ID: id, Model: model,
			OutputModalities: []string{"audio"},
			Instructions:     defaultInstructions,
			Tools:            rawEmptyArray, ToolChoice: rawAuto, MaxOutputTokens: rawInf,
			Tracing: rawNull, Truncation: rawAuto, Prompt: rawNull, Include: rawNull,
			ExpiresAt: expiresAt,
			Audio: sessionAudio{
				Input:  sessionAudioInput{Format: rawPCM, Transcription: rawNull, NoiseReduction: rawNull, TurnDetection: td},
				Output: sessionAudioOutput{Format: rawPCM, Voice: json.RawMessage(`"alloy"`), Speed: 1},
			},
		},
		vad: vad,
	}
}

func (st *sessionState) snapshot() *sessionObject {
	o := st.obj
	o.OutputModalities = append([]string(nil), st.obj.OutputModalities...)
	return &o
}

func (st *sessionState) transcriptionEnabled() bool { return !isNull(st.obj.Audio.Input.Transcription) }

// inputBytesPerMs is the input format's byte rate ([R7.1]).
func (st *sessionState) inputBytesPerMs() int { return bytesPerMs(st.obj.Audio.Input.Format) }

func bytesPerMs(format json.RawMessage) int {
	var f struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(format, &f)
	if f.Type == "audio/pcmu" || f.Type == "audio/pcma" {
		return 8
	}
	return 48
}

// sessionPatch is a decoded session.update; absent fields stay zero (nil raw).
type sessionPatch struct {
	Type              string          `json:"type"`
	Model             *string         `json:"model"`
	OutputModalities  json.RawMessage `json:"output_modalities"`
	Instructions      *string         `json:"instructions"`
	Tools             json.RawMessage `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice"`
	MaxOutputTokens   json.RawMessage `json:"max_output_tokens"`
	Tracing           json.RawMessage `json:"tracing"`
	Truncation        json.RawMessage `json:"truncation"`
	Prompt            json.RawMessage `json:"prompt"`
	Reasoning         json.RawMessage `json:"reasoning"`
	Include           json.RawMessage `json:"include"`
	ParallelToolCalls json.RawMessage `json:"parallel_tool_calls"`
	Audio             *struct {
		Input *struct {
			Format         json.RawMessage `json:"format"`
			Transcription  json.RawMessage `json:"transcription"`
			NoiseReduction json.RawMessage `json:"noise_reduction"`
			TurnDetection  json.RawMessage `json:"turn_detection"`
		} `json:"input"`
		Output *struct {
			Format json.RawMessage `json:"format"`
			Voice  json.RawMessage `json:"voice"`
			Speed  *float64        `json:"speed"`
		} `json:"output"`
	} `json:"audio"`
}

// apiError is an error event to send: code, message and param (empty = null).
type apiError struct {
	typ, code, message, param string
}

func invalidRequest(code, param, format string, args ...any) *apiError {
	return &apiError{typ: "invalid_request_error", code: code, param: param, message: fmt.Sprintf(format, args...)}
}

// applyUpdate validates and merges a session.update. On error nothing changes.
// audioPresent reports whether assistant audio exists (voice is then frozen).
func (st *sessionState) applyUpdate(raw json.RawMessage, audioPresent bool) *apiError {
	if isNull(raw) || len(raw) == 0 {
		return invalidRequest("missing_required_parameter", "session", "Missing required parameter: 'session'.")
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return invalidRequest("invalid_type", "session", "Invalid type for 'session': expected an object.")
	}
	obj, ok := generic.(map[string]any)
	if !ok {
		return invalidRequest("invalid_type", "session", "Invalid type for 'session': expected an object.")
	}
	if p := unknownParam("session", obj, sessionKeys); p != "" {
		return invalidRequest("unknown_parameter", p, "Unknown parameter: '%s'.", p)
	}
	var p sessionPatch
	if err := json.Unmarshal(raw, &p); err != nil {
		return invalidRequest("invalid_type", "session", "Invalid session: %v", err)
	}
	if p.Type == "" {
		return invalidRequest("missing_required_parameter", "session.type", "Missing required parameter: 'session.type'.")
	}
	if p.Type != "realtime" {
		return invalidRequest("invalid_value", "session.type", "Invalid value: '%s'. This session is a 'realtime' session and its type cannot be changed.", p.Type)
	}
	next := st.obj
	nextVAD := st.vad
	nextTools := st.tools
	if p.Model != nil && *p.Model != st.obj.Model {
		return invalidRequest("invalid_value", "session.model", "Cannot update a session's model (from '%s' to '%s'); open a new session instead.", st.obj.Model, *p.Model)
	}
	if len(p.OutputModalities) > 0 {
		var mods []string
		if err := json.Unmarshal(p.OutputModalities, &mods); err != nil || len(mods) != 1 || (mods[0] != "audio" && mods[0] != "text") {
			return invalidRequest("invalid_value", "session.output_modalities", "Invalid value for 'session.output_modalities': expected [\"audio\"] or [\"text\"].")
		}
		next.OutputModalities = mods
	}
	if p.Instructions != nil {
		next.Instructions = *p.Instructions
	}
	if len(p.Tools) > 0 {
		tools, err := parseTools(p.Tools, "session.tools")
		if err != nil {
			return err
		}
		nextTools = tools
		next.Tools = compact(p.Tools)
		if isNull(p.Tools) {
			next.Tools = rawEmptyArray
		}
	}
	setRaw(&next.ToolChoice, p.ToolChoice)
	setRaw(&next.MaxOutputTokens, p.MaxOutputTokens)
	setRaw(&next.Tracing, p.Tracing)
	setRaw(&next.Truncation, p.Truncation)
	setRaw(&next.Prompt, p.Prompt)
	setRaw(&next.Reasoning, p.Reasoning)
	setRaw(&next.Include, p.Include)
	if p.Audio != nil && p.Audio.Input != nil {
		in := p.Audio.Input
		setRaw(&next.Audio.Input.Format, in.Format)
		setRaw(&next.Audio.Input.Transcription, in.Transcription)
		setRaw(&next.Audio.Input.NoiseReduction, in.NoiseReduction)
		if len(in.TurnDetection) > 0 {
			td, vad, err := normalizeTurnDetection(in.TurnDetection)
			if err != nil {
				return invalidRequest("invalid_value", "session.audio.input.turn_detection", "%s", err.Error())
			}
			next.Audio.Input.TurnDetection, nextVAD = td, vad
		}
	}
	if p.Audio != nil && p.Audio.Output != nil {
		out := p.Audio.Output
		setRaw(&next.Audio.Output.Format, out.Format)
		if len(out.Voice) > 0 && !bytes.Equal(compact(out.Voice), compact(next.Audio.Output.Voice)) {
			if audioPresent {
				return invalidRequest("cannot_update_voice", "session.audio.output.voice", "Cannot update a conversation's voice if assistant audio is present.")
			}
			next.Audio.Output.Voice = compact(out.Voice)
		}
		if out.Speed != nil {
			if *out.Speed < 0.25 || *out.Speed > 1.5 {
				return invalidRequest("decimal_above_max_value", "session.audio.output.speed", "Invalid 'session.audio.output.speed': expected a value between 0.25 and 1.5, got %v.", *out.Speed)
			}
			next.Audio.Output.Speed = *out.Speed
		}
	}
	st.obj, st.vad, st.tools = next, nextVAD, nextTools
	return nil
}

func parseTools(raw json.RawMessage, param string) ([]toolDef, *apiError) {
	if isNull(raw) {
		return nil, nil
	}
	var tools []toolDef
	if err := json.Unmarshal(raw, &tools); err != nil {
		return nil, invalidRequest("invalid_type", param, "Invalid type for '%s': expected an array of tools.", param)
	}
	for i, t := range tools {
		if t.Type != "function" {
			return nil, invalidRequest("invalid_value", fmt.Sprintf("%s[%d].type", param, i), "Invalid value: '%s'. The simulator supports only 'function' tools.", t.Type)
		}
		if t.Name == "" {
			return nil, invalidRequest("missing_required_parameter", fmt.Sprintf("%s[%d].name", param, i), "Missing required parameter: '%s[%d].name'.", param, i)
		}
	}
	return tools, nil
}

func setRaw(dst *json.RawMessage, src json.RawMessage) {
	if len(src) > 0 {
		*dst = compact(src)
	}
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// keySpec describes the keys a JSON object may have. A nil child means "any value"
// (not checked further); variants choose a spec by the object's "type".
type keySpec struct {
	keys     map[string]*keySpec
	items    *keySpec            // for arrays: spec of each element
	variants map[string]*keySpec // by "type" value
	open     bool                // any keys allowed
}

func obj(keys map[string]*keySpec) *keySpec { return &keySpec{keys: keys} }

var (
	anyValue    *keySpec
	formatSpec  = obj(map[string]*keySpec{"type": anyValue, "rate": anyValue})
	toolSpec    = obj(map[string]*keySpec{"type": anyValue, "name": anyValue, "description": anyValue, "parameters": anyValue})
	voiceSpec   = obj(map[string]*keySpec{"id": anyValue})
	sessionKeys = obj(map[string]*keySpec{
		"type": anyValue, "model": anyValue, "output_modalities": anyValue, "instructions": anyValue,
		"tools":             {items: toolSpec},
		"tool_choice":       obj(map[string]*keySpec{"type": anyValue, "name": anyValue, "server_label": anyValue}),
		"max_output_tokens": anyValue, "parallel_tool_calls": anyValue, "include": anyValue,
		"tracing":    obj(map[string]*keySpec{"group_id": anyValue, "metadata": anyValue, "workflow_name": anyValue}),
		"truncation": obj(map[string]*keySpec{"type": anyValue, "retention_ratio": anyValue, "token_limits": obj(map[string]*keySpec{"post_instructions": anyValue})}),
		"prompt":     obj(map[string]*keySpec{"id": anyValue, "version": anyValue, "variables": anyValue}),
		"reasoning":  obj(map[string]*keySpec{"effort": anyValue}),
		"audio": obj(map[string]*keySpec{
			"input": obj(map[string]*keySpec{
				"format":          formatSpec,
				"transcription":   obj(map[string]*keySpec{"model": anyValue, "language": anyValue, "languages": anyValue, "keywords": anyValue, "prompt": anyValue, "delay": anyValue}),
				"noise_reduction": obj(map[string]*keySpec{"type": anyValue}),
				"turn_detection": {variants: map[string]*keySpec{
					"server_vad":   obj(map[string]*keySpec{"type": anyValue, "threshold": anyValue, "prefix_padding_ms": anyValue, "silence_duration_ms": anyValue, "idle_timeout_ms": anyValue, "create_response": anyValue, "interrupt_response": anyValue}),
					"semantic_vad": obj(map[string]*keySpec{"type": anyValue, "eagerness": anyValue, "create_response": anyValue, "interrupt_response": anyValue}),
				}},
			}),
			"output": obj(map[string]*keySpec{"format": formatSpec, "voice": voiceSpec, "speed": anyValue}),
		}),
	})
	responseKeys = obj(map[string]*keySpec{
		"instructions": anyValue, "tools": {items: toolSpec}, "tool_choice": sessionKeys.keys["tool_choice"],
		"output_modalities": anyValue, "max_output_tokens": anyValue, "metadata": anyValue, "prompt": anyValue,
		"conversation": anyValue, "input": anyValue, "parallel_tool_calls": anyValue, "reasoning": sessionKeys.keys["reasoning"],
		"audio": obj(map[string]*keySpec{"output": obj(map[string]*keySpec{"format": formatSpec, "voice": voiceSpec})}),
	})
)

// unknownParam returns the path of the first key (in sorted order) that spec does
// not allow, or "".
func unknownParam(path string, v any, spec *keySpec) string {
	if spec == nil || spec.open {
		return ""
	}
	switch x := v.(type) {
	case []any:
		if spec.items == nil {
			return ""
		}
		for i, e := range x {
			if p := unknownParam(fmt.Sprintf("%s[%d]", path, i), e, spec.items); p != "" {
				return p
			}
		}
	case map[string]any:
		if spec.variants != nil {
			t, _ := x["type"].(string)
			return unknownParam(path, x, spec.variants[t])
		}
		if spec.keys == nil {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child, ok := spec.keys[k]
			if !ok {
				return path + "." + k
			}
			if p := unknownParam(path+"."+k, x[k], child); p != "" {
				return p
			}
		}
	}
	return ""
}

// topLevelKeys are the keys each client event may carry.
var topLevelKeys = map[string][]string{
	"session.update":                    {"session"},
	"input_audio_buffer.append":         {"audio"},
	"input_audio_buffer.commit":         nil,
	"input_audio_buffer.clear":          nil,
	"conversation.item.create":          {"previous_item_id", "item"},
	"conversation.item.truncate":        {"item_id", "content_index", "audio_end_ms"},
	"conversation.item.delete":          {"item_id"},
	"conversation.item.retrieve":        {"item_id"},
	"response.create":                   {"response"},
	"response.cancel":                   {"response_id"},
	"session.close":                     nil,
	"session.input_audio_buffer.append": {"audio"},
}

// supportedTypesMessage mirrors the live service's invalid_value message.
func supportedTypesMessage(t string) string {
	names := []string{"session.update", "session.close", "input_audio_buffer.append", "session.input_audio_buffer.append",
		"input_audio_buffer.commit", "input_audio_buffer.clear", "conversation.item.create", "conversation.item.truncate",
		"conversation.item.delete", "conversation.item.retrieve", "response.create", "response.cancel"}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return fmt.Sprintf("Invalid value: '%s'. Supported values are: %s, and %s.", t,
		strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1])
}
