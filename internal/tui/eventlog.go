package tui

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// logLine is one raw wire event as the log pane shows it.
type logLine struct {
	At        time.Time
	Direction string // in, out
	Type      string
	Summary   string // compact JSON, audio elided
}

// eventLog is a bounded ring of raw events (policy: lossy, oldest dropped).
type eventLog struct {
	lines   []logLine
	start   int // index of the oldest line when full
	size    int
	dropped int
}

func newEventLog(size int) eventLog {
	if size <= 0 {
		size = 2000
	}
	return eventLog{size: size}
}

func (l *eventLog) push(line logLine) {
	if len(l.lines) < l.size {
		l.lines = append(l.lines, line)
		return
	}
	l.lines[l.start] = line
	l.start = (l.start + 1) % l.size
	l.dropped++
}

func (l *eventLog) len() int { return len(l.lines) }

// at returns the i-th oldest line.
func (l *eventLog) at(i int) logLine { return l.lines[(l.start+i)%len(l.lines)] }

// filtered returns the lines whose type or summary contains filter
// (case-insensitive), oldest first.
func (l *eventLog) filtered(filter string) []logLine {
	filter = strings.ToLower(filter)
	out := make([]logLine, 0, len(l.lines))
	for i := range l.lines {
		ln := l.at(i)
		if filter == "" || strings.Contains(strings.ToLower(ln.Type), filter) ||
			strings.Contains(strings.ToLower(ln.Summary), filter) ||
			strings.Contains(ln.Direction, filter) {
			out = append(out, ln)
		}
	}
	return out
}

// audioKeys are the JSON fields that carry base64 audio on the wire.
var audioKeys = map[string]bool{"audio": true, "delta": true}

// elideAudio returns data as compact JSON with every base64 audio payload
// replaced by "<N bytes>" (N = decoded length), the trace's convention. A
// "delta" is audio only in an event whose type names audio (not transcripts).
func elideAudio(eventType string, data []byte) string {
	isAudio := strings.Contains(eventType, "audio") && !strings.Contains(eventType, "transcript")
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return compactJSON(data)
	}
	if obj, ok := v.(map[string]any); ok {
		delete(obj, "type") // the pane shows the type already
	}
	v = elideValue(v, "", isAudio)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return compactJSON(data)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func elideValue(v any, key string, isAudio bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			x[k] = elideValue(vv, k, isAudio)
		}
		return x
	case []any:
		for i, vv := range x {
			x[i] = elideValue(vv, key, isAudio)
		}
		return x
	case string:
		if audioKeys[key] && (key == "audio" || isAudio) && len(x) > 0 && !strings.HasSuffix(x, " bytes>") {
			return "<" + strconv.Itoa(base64Len(x)) + " bytes>"
		}
		return x
	}
	return v
}

// base64Len is the decoded length of a standard base64 string.
func base64Len(s string) int {
	n := len(s) / 4 * 3
	if strings.HasSuffix(s, "==") {
		n -= 2
	} else if strings.HasSuffix(s, "=") {
		n--
	}
	return n
}

func compactJSON(data []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return string(data)
	}
	return b.String()
}
