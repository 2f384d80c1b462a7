package testkit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TraceFrame is one line of the model's raw-frame trace (JSONL:
// {"t_ms":…, "dir":"client"|"server", "event":{…}}).
type TraceFrame struct {
	TMS   int64           `json:"t_ms"` // ms since connect
	Dir   string          `json:"dir"`  // client or server
	Event json.RawMessage `json:"event"`
	Type  string          `json:"-"` // the event's "type"
}

// ReadTrace parses a trace. A line that is not JSON, or a frame the trace marked
// invalid (not JSON on the wire), fails the test with its line number.
func ReadTrace(tb testing.TB, data []byte) []TraceFrame {
	tb.Helper()
	var out []TraceFrame
	for i, ln := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		var l struct {
			TraceFrame
			Invalid *string `json:"invalid"`
		}
		if err := json.Unmarshal(ln, &l); err != nil {
			tb.Fatalf("trace line %d is not JSON: %v: %s", i+1, err, ln)
		}
		if l.Invalid != nil {
			tb.Fatalf("trace line %d: %s frame is not JSON: %q", i+1, l.Dir, *l.Invalid)
		}
		if l.Event == nil {
			tb.Fatalf("trace line %d has no event: %s", i+1, ln)
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(l.Event, &head); err != nil {
			tb.Fatalf("trace line %d: event: %v", i+1, err)
		}
		l.TraceFrame.Type = head.Type
		out = append(out, l.TraceFrame)
	}
	return out
}

// FramesOf returns the events of the frames in direction dir ("client" or
// "server"), only those of the given types when any are given.
func FramesOf(frames []TraceFrame, dir string, types ...string) [][]byte {
	var out [][]byte
	for _, f := range frames {
		if f.Dir != dir {
			continue
		}
		if len(types) == 0 || contains(types, f.Type) {
			out = append(out, f.Event)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
