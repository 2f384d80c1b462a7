package openai

import (
	"github.com/rtagent/rtagent/internal/realtime"
)

// buildSession builds the session object from scratch (docs/protocol.md R2.3): the fields
// of rule 1 always, optional fields only when configured, prompt as explicit null after
// an update that had one, tracing only in the first update of the connection.
func buildSession(s realtime.Settings, model string, first, prevPrompt bool) wireSession {
	ws := wireSession{
		Type:             "realtime",
		Model:            model,
		OutputModalities: s.OutputModalities,
		Instructions:     s.Instructions,
		Tools:            make([]wireTool, 0, len(s.Tools)),
		MaxOutputTokens:  maxTokens(s.MaxOutputTokens),
	}
	if len(ws.OutputModalities) == 0 {
		ws.OutputModalities = []string{realtime.ModalityAudio}
	}
	switch {
	case s.Prompt != nil:
		ws.Prompt = nullable[*wirePrompt]{Set: true, Value: &wirePrompt{ID: s.Prompt.ID, Version: s.Prompt.Version, Variables: s.Prompt.Variables}}
	case prevPrompt:
		ws.Prompt = nullable[*wirePrompt]{Set: true}
	}
	in := wireAudioInput{Format: wireFormatOf(s.InputFormat)}
	if t := s.Transcription; t != nil {
		in.Transcription = &wireTranscription{Model: t.Model, Language: t.Language, Prompt: t.Prompt}
	}
	if s.NoiseReduction != "" {
		in.NoiseReduction = &wireNoiseReduction{Type: s.NoiseReduction}
	}
	if td := s.TurnDetection; td != nil {
		w := &wireTurnDetection{Type: td.Type, CreateResponse: td.CreateResponse, InterruptResponse: td.InterruptResponse}
		if td.Type == realtime.TurnSemanticVAD {
			w.Eagerness = td.Eagerness
		} else {
			w.Threshold, w.PrefixPaddingMS, w.SilenceDurationMS, w.IdleTimeoutMS =
				td.Threshold, td.PrefixPaddingMS, td.SilenceDurationMS, td.IdleTimeoutMS
		}
		in.TurnDetection = w
	}
	ws.Audio = wireSessionAudio{
		Input:  in,
		Output: wireAudioOutput{Format: wireFormatOf(s.OutputFormat), Voice: orDefault(s.Voice, DefaultVoice), Speed: s.Speed},
	}
	for _, t := range s.Tools {
		ws.Tools = append(ws.Tools, wireTool{Type: "function", Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	switch s.ToolChoice {
	case "", "auto", "none", "required":
		ws.ToolChoice = toolChoice{Mode: s.ToolChoice}
	default:
		ws.ToolChoice = toolChoice{Function: s.ToolChoice}
	}
	if s.ReasoningEffort != "" {
		ws.Reasoning = &wireReasoning{Effort: s.ReasoningEffort}
	}
	ws.ParallelToolCalls = s.ParallelToolCalls
	if first {
		ws.Tracing = s.Tracing
	}
	return ws
}

// wireFormatOf maps an audio format; the zero value is PCM 24 kHz.
func wireFormatOf(f realtime.AudioFormat) wireFormat {
	switch f.Type {
	case "", "audio/pcm":
		rate := f.Rate
		if rate == 0 {
			rate = 24000
		}
		return wireFormat{Type: "audio/pcm", Rate: rate}
	default:
		return wireFormat{Type: f.Type}
	}
}
