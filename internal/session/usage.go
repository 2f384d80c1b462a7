package session

import "github.com/rtagent/rtagent/internal/realtime"

// Prices is a price table for one model (R13.4): USD per 1M tokens, and for
// transcription per minute or per 1M tokens. Prices are configuration, never
// hard-coded.
type Prices struct {
	TextIn, CachedTextIn, AudioIn, CachedAudioIn, TextOut, AudioOut float64

	TranscriptionPerMinute                    float64
	TranscriptionInPerM, TranscriptionOutPerM float64
}

// Cost estimates the USD cost of the given totals. Cached tokens are a subset of the
// input tokens (R13.1), so uncached input per modality = input − cached (R13.2). When
// the server gave no per-modality breakdown the totals count as text.
func (p Prices) Cost(u realtime.Usage, t realtime.TranscriptionUsage) float64 {
	const perM = 1e6
	textIn, audioIn := u.InputTextTokens, u.InputAudioTokens
	cachedText, cachedAudio := u.CachedTextTokens, u.CachedAudioTokens
	if textIn+audioIn+u.InputImageTokens == 0 {
		textIn = u.InputTokens
		if cachedText+cachedAudio == 0 {
			cachedText = u.CachedTokens
		}
	}
	textOut, audioOut := u.OutputTextTokens, u.OutputAudioTokens
	if textOut+audioOut == 0 {
		textOut = u.OutputTokens
	}
	c := float64(max(textIn-cachedText, 0))*p.TextIn +
		float64(cachedText)*p.CachedTextIn +
		float64(max(audioIn-cachedAudio, 0))*p.AudioIn +
		float64(cachedAudio)*p.CachedAudioIn +
		float64(textOut)*p.TextOut +
		float64(audioOut)*p.AudioOut
	c /= perM
	c += t.Seconds / 60 * p.TranscriptionPerMinute
	c += (float64(t.InputTokens)*p.TranscriptionInPerM + float64(t.OutputTokens)*p.TranscriptionOutPerM) / perM
	return c
}

// usageState accumulates usage per session (R13.2, R13.3). Written by the engine under
// s.mu so Usage can read it.
type usageState struct {
	total         realtime.Usage
	transcription realtime.TranscriptionUsage
}

// addResponseUsage counts one response.done usage and emits the usage event.
func (s *Session) addResponseUsage(responseID string, u realtime.Usage) {
	u.Requests = 1 // R13.2: one request per response.done with non-null usage
	s.mu.Lock()
	s.usage.total.Add(u)
	total, tr := s.usage.total, s.usage.transcription
	s.mu.Unlock()
	s.emit(UsageEvent{ResponseID: responseID, Usage: u, Total: total, TranscriptionTotal: tr, CostUSD: s.cost(total, tr)})
}

func (s *Session) addTranscriptionUsage(u realtime.TranscriptionUsage) {
	s.mu.Lock()
	if s.usage.transcription.Type == "" {
		s.usage.transcription.Type = u.Type
	}
	s.usage.transcription.Add(u)
	s.mu.Unlock()
}

func (s *Session) cost(u realtime.Usage, t realtime.TranscriptionUsage) float64 {
	if s.cfg.Prices == nil {
		return 0
	}
	return s.cfg.Prices.Cost(u, t)
}

// Usage returns the cumulative response usage, the cumulative transcription usage and
// the cost estimate (0 without a price table).
func (s *Session) Usage() (realtime.Usage, realtime.TranscriptionUsage, float64) {
	s.mu.RLock()
	u, t := s.usage.total, s.usage.transcription
	s.mu.RUnlock()
	return u, t, s.cost(u, t)
}
