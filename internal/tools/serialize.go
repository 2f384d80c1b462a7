package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// SerializeOutput turns a tool result into the output string (R8.9): a string as is,
// nil as "", json.RawMessage as its text, anything else as JSON with HTML escaping
// disabled, non-ASCII kept and no trailing newline. A value JSON cannot encode is
// formatted with %v.
func SerializeOutput(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.RawMessage:
		return string(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
