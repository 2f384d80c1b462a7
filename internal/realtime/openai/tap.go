package openai

import (
	"bytes"
	"encoding/json"
	"regexp"

	"github.com/rtagent/rtagent/internal/realtime"
)

// tapFrame turns one traced frame into the typed frame of the Frames tap, from the
// trace line format wrote for it: the event there is compact, scrubbed and, unless
// audio tracing is on, has its audio elided, so nothing is decoded again. With audio
// tracing on the tap still gets the elided frame (audio is elided once per frame).
func (t *tracer) tapFrame(r traceRec, line []byte) realtime.Frame {
	f := realtime.Frame{Direction: "in", Time: r.at}
	if r.dir == "client" {
		f.Direction = "out"
	}
	f.Type, _ = peekType(r.frame)
	if t.audio {
		var b bytes.Buffer
		if json.Compact(&b, elideAudio(r.frame)) == nil {
			f.Data = unescapePlaceholders(append(json.RawMessage(nil), t.scrub.Bytes(b.Bytes())...))
			return f
		}
	}
	f.Data = unescapePlaceholders(append(json.RawMessage(nil), lineEvent(line)...))
	return f
}

// escapedPlaceholder is an audio placeholder as json.Marshal writes it ("<" and
// ">" escaped); the opening quote anchors it at the start of a string.
var escapedPlaceholder = regexp.MustCompile(`"\\u003c(\d+) bytes\\u003e"`)

// unescapePlaceholders writes audio placeholders as "<N bytes>" (the same JSON
// string), as a reader of the event log expects to see them.
func unescapePlaceholders(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\u003c`)) {
		return data
	}
	return escapedPlaceholder.ReplaceAll(data, []byte(`"<$1 bytes>"`))
}

// lineEvent returns the event JSON of a trace line ({"t_ms":…,"dir":…,"event":E}),
// or the quoted text of an invalid frame ({…,"invalid":"…"}).
func lineEvent(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("}\n"))
	for _, key := range []string{`","event":`, `","invalid":`} {
		if i := bytes.Index(line, []byte(key)); i >= 0 {
			return line[i+len(key):]
		}
	}
	return nil
}
