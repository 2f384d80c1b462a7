package realtime

import (
	"encoding/json"
	"time"
)

// Frame is one wire frame as a provider's frame tap reports it, for debugging views
// such as the UI's event log. Data is the frame as compact JSON with base64 audio
// replaced by "<N bytes>" (N decoded bytes) and secrets scrubbed: consumers show it
// as it is and never parse it to hide anything.
type Frame struct {
	Direction string // "in" (server) or "out" (client)
	Time      time.Time
	Type      string
	Data      json.RawMessage
}
