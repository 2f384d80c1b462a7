package openai

import (
	"bytes"
	"encoding/json"

	"github.com/rtagent/rtagent/internal/realtime"
)

// SessionJSON is the session object a session.update carries for s (R2.3), as
// this model would send it on a connection's later updates (no tracing),
// indented: what `rtagent chat` shows as the configuration sent.
func SessionJSON(s realtime.Settings) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(buildSession(s, s.Model, false, false)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
