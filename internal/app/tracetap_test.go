package app

import (
	"strings"
	"testing"
)

// The tap turns trace lines (possibly split across writes) into RawEvents, never
// blocks the writer, and counts what it had to drop.
func TestTraceTap(t *testing.T) {
	tap := NewTraceTap()
	tap.Write([]byte(`{"t_ms":0,"dir":"client","event":{"type":"session.update","event_id":"e1"}}` + "\n"))
	line := `{"t_ms":5,"dir":"server","event":{"type":"session.created","event_id":"x"}}` + "\nnot json\n"
	tap.Write([]byte(line[:20]))
	tap.Write([]byte(line[20:]))
	a, b := <-tap.Events(), <-tap.Events()
	if a.Direction != "out" || a.Type != "session.update" || b.Direction != "in" || b.Type != "session.created" {
		t.Fatalf("events %+v %+v", a, b)
	}
	if !strings.Contains(string(b.Data), `"event_id":"x"`) {
		t.Fatalf("data %s", b.Data)
	}
	frame := []byte(`{"t_ms":9,"dir":"server","event":{"type":"x"}}` + "\n")
	for range tapQueue + 10 { // nobody drains: the writer must not block
		tap.Write(frame)
	}
	if got := tap.dropped.Load(); got != 10 {
		t.Fatalf("dropped %d, want 10", got)
	}
}
