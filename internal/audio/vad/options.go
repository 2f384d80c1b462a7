package vad

import "github.com/rtagent/rtagent/internal/audio/vadconfig"

// The setting lives in vadconfig (pure Go) so that the agents.yaml loader does not
// link this cgo package; these names keep the detector's API.
type (
	Options     = vadconfig.Options
	Sensitivity = vadconfig.Sensitivity
)

// Sensitivities and the limits of Options.MinSpeechMS.
const (
	SensitivityDefault  = vadconfig.SensitivityDefault
	SensitivityLow      = vadconfig.SensitivityLow
	SensitivityMedium   = vadconfig.SensitivityMedium
	SensitivityHigh     = vadconfig.SensitivityHigh
	SensitivityVeryHigh = vadconfig.SensitivityVeryHigh
	DefaultMinSpeechMS  = vadconfig.DefaultMinSpeechMS
	MinMinSpeechMS      = vadconfig.MinMinSpeechMS
	MaxMinSpeechMS      = vadconfig.MaxMinSpeechMS
)

// ParseSensitivity parses low, medium, high or very_high.
func ParseSensitivity(s string) (Sensitivity, error) { return vadconfig.ParseSensitivity(s) }
