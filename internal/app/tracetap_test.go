package app

import (
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// The tap keeps typed frames in order, never blocks the model, and counts what it
// had to drop.
func TestTraceTap(t *testing.T) {
	tap := NewTraceTap()
	tap.Add(realtime.Frame{Direction: "out", Type: "a"})
	tap.Add(realtime.Frame{Direction: "in", Type: "b"})
	a, b := <-tap.Frames(), <-tap.Frames()
	if a.Direction != "out" || a.Type != "a" || b.Direction != "in" || b.Type != "b" {
		t.Fatalf("frames %+v %+v", a, b)
	}
	for range tapQueue + 10 { // nobody drains: the model must not block
		tap.Add(realtime.Frame{Type: "x"})
	}
	if got := tap.Dropped(); got != 10 {
		t.Fatalf("dropped %d, want 10", got)
	}
}
