// Package vadconfig is the local_vad setting of agents.yaml: pure Go, so the
// configuration loader does not link the cgo voice detector (internal/audio/vad).
package vadconfig

import (
	"fmt"
	"time"
)

// Sensitivity is how readily the detector calls a frame speech. Higher sensitivity
// catches quiet or distant speech sooner and mistakes more noise (and residual echo)
// for speech. It selects WebRTC's VAD mode: low = 3 (very aggressive), medium = 2,
// high = 1, very_high = 0 (quality).
type Sensitivity int

const (
	// SensitivityDefault is the zero value: medium.
	SensitivityDefault Sensitivity = iota
	SensitivityLow
	SensitivityMedium
	SensitivityHigh
	SensitivityVeryHigh
)

var sensitivityNames = map[Sensitivity]string{
	SensitivityLow:      "low",
	SensitivityMedium:   "medium",
	SensitivityHigh:     "high",
	SensitivityVeryHigh: "very_high",
}

// String is the agents.yaml spelling.
func (s Sensitivity) String() string {
	if s == SensitivityDefault {
		s = SensitivityMedium
	}
	if n, ok := sensitivityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Sensitivity(%d)", int(s))
}

// ParseSensitivity reads low, medium, high or very_high.
func ParseSensitivity(s string) (Sensitivity, error) {
	for v, n := range sensitivityNames {
		if s == n {
			return v, nil
		}
	}
	return 0, fmt.Errorf("sensitivity %q: want low, medium, high or very_high", s)
}

// MarshalText writes the agents.yaml spelling.
func (s Sensitivity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the agents.yaml spelling (yaml and json use it).
func (s *Sensitivity) UnmarshalText(b []byte) error {
	v, err := ParseSensitivity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Mode is the WebRTC VAD aggressiveness 0..3 for s.
func (s Sensitivity) Mode() int {
	switch s {
	case SensitivityLow:
		return 3
	case SensitivityHigh:
		return 1
	case SensitivityVeryHigh:
		return 0
	}
	return 2
}

// Limits and defaults of Options.MinSpeechMS.
const (
	DefaultMinSpeechMS = 20
	MinMinSpeechMS     = 10
	MaxMinSpeechMS     = 1000
)

// Options is the local_vad setting (agents.yaml):
//
//	local_vad:
//	  enabled: true        # default false
//	  sensitivity: medium  # low | medium | high | very_high; default medium
//	  min_speech_ms: 20    # 10..1000; default 20
type Options struct {
	Enabled     bool        `yaml:"enabled,omitempty" json:"enabled,omitempty" jsonschema_description:"Detect the user's speech locally (WebRTC VAD on the echo-cancelled microphone) and interrupt the assistant at once, without waiting for the server. Default: false."`
	Sensitivity Sensitivity `yaml:"sensitivity,omitempty" json:"sensitivity,omitempty" jsonschema:"type=string,enum=low,enum=medium,enum=high,enum=very_high" jsonschema_description:"low, medium, high or very_high: higher catches quieter speech sooner and mistakes more noise for speech. Default: medium."`
	MinSpeechMS int         `yaml:"min_speech_ms,omitempty" json:"min_speech_ms,omitempty" jsonschema:"minimum=10,maximum=1000" jsonschema_description:"Speech that must be heard without a break before it counts as the user starting to speak, in ms (a multiple of 10). Default: 20."`
}

// Validate checks the ranges; path names the option in errors (e.g. "local_vad").
func (o Options) Validate(path string) error {
	if _, ok := sensitivityNames[o.Sensitivity]; !ok && o.Sensitivity != SensitivityDefault {
		return fmt.Errorf("%s.sensitivity: %v is not low, medium, high or very_high", path, o.Sensitivity)
	}
	if o.MinSpeechMS != 0 && (o.MinSpeechMS < MinMinSpeechMS || o.MinSpeechMS > MaxMinSpeechMS) {
		return fmt.Errorf("%s.min_speech_ms: %d out of range [%d, %d]", path, o.MinSpeechMS, MinMinSpeechMS, MaxMinSpeechMS)
	}
	return nil
}

// MinSpeech is MinSpeechMS with its default applied.
func (o Options) MinSpeech() time.Duration {
	if o.MinSpeechMS == 0 {
		return DefaultMinSpeechMS * time.Millisecond
	}
	return time.Duration(o.MinSpeechMS) * time.Millisecond
}

// String is a short summary for the status line: "local VAD medium ≥60ms" or
// "local VAD off".
func (o Options) String() string {
	if !o.Enabled {
		return "local VAD off"
	}
	return fmt.Sprintf("local VAD %s ≥%dms", o.Sensitivity, o.MinSpeech().Milliseconds())
}
