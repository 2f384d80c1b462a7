package agent

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/audio/vadconfig"
)

// model.local_vad loads with its sensitivity spelled as in the file, stays nil when
// absent, and a bad value is reported at its line and field path.
func TestLocalVAD(t *testing.T) {
	cfg, err := Parse([]byte("model:\n  local_vad: {enabled: true, sensitivity: high, min_speech_ms: 80}\nagents:\n  - name: a\n    instructions: hi\n"), "v.yaml", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := vadconfig.Options{Enabled: true, Sensitivity: vadconfig.SensitivityHigh, MinSpeechMS: 80}
	if o := cfg.Model.LocalVAD; o == nil || *o != want {
		t.Errorf("local_vad = %+v, want %+v", o, want)
	}
	if got := cfg.Model.LocalVAD.String(); got != "local VAD high ≥80ms" {
		t.Errorf("String = %q", got)
	}
	cfg, err = Parse([]byte("agents:\n  - name: a\n    instructions: hi\n"), "v.yaml", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.LocalVAD != nil {
		t.Errorf("local_vad = %+v without the key", cfg.Model.LocalVAD)
	}
	for _, c := range []struct{ yaml, want string }{
		{"sensitivity: loud", `v.yaml:3:18: model.local_vad.sensitivity: sensitivity "loud": want low, medium, high or very_high`},
		{"sensitivity: [low]", "v.yaml:3:18: model.local_vad.sensitivity: expected a string"},
		{"min_speech_ms: 5", "v.yaml:3:20: model.local_vad.min_speech_ms: 5 out of range [10, 1000]"},
	} {
		_, err := Parse([]byte("model:\n  local_vad:\n    "+c.yaml+"\nagents:\n  - name: a\n    instructions: hi\n"), "v.yaml", testOptions())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.yaml, err, c.want)
		}
	}
}
