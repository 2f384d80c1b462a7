package main

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
)

// The tap turns trace lines (possibly split across writes) into RawEvents, keeps the
// ones written before the UI attached, and drops after it detached.
func TestTraceTap(t *testing.T) {
	tap := &traceTap{}
	tap.Write([]byte(`{"t_ms":0,"dir":"client","event":{"type":"session.update","event_id":"e1"}}` + "\n"))
	var got []session.RawEvent
	tap.setEmit(func(ev session.Event) { got = append(got, ev.(session.RawEvent)) })
	line := `{"t_ms":5,"dir":"server","event":{"type":"session.created","event_id":"x"}}` + "\nnot json\n"
	tap.Write([]byte(line[:20]))
	tap.Write([]byte(line[20:]))
	tap.setEmit(nil)
	tap.Write([]byte(`{"t_ms":9,"dir":"server","event":{"type":"late"}}` + "\n"))
	if len(got) != 2 {
		t.Fatalf("got %d events, want 2: %+v", len(got), got)
	}
	if got[0].Direction != "out" || got[0].Type != "session.update" || got[1].Direction != "in" || got[1].Type != "session.created" {
		t.Fatalf("events %+v", got)
	}
	if !strings.Contains(string(got[1].Data), `"event_id":"x"`) {
		t.Fatalf("data %s", got[1].Data)
	}
}
