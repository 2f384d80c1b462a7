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

// frameSummary is the frame as the pane shows it: the JSON as the tap gave it,
// minus a leading "type" member (the pane shows the type already). No parsing:
// the tap already elided the audio and compacted the JSON.
func frameSummary(typ string, data []byte) string {
	prefix := `{"type":` + strconv.Quote(typ)
	if typ != "" && bytes.HasPrefix(data, []byte(prefix)) {
		switch rest := data[len(prefix):]; {
		case len(rest) > 0 && rest[0] == ',':
			return "{" + string(rest[1:])
		case len(rest) > 0 && rest[0] == '}':
			return "{" + string(rest)
		}
	}
	return string(data)
}

func compactJSON(data []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return string(data)
	}
	return b.String()
}
