package testkit

import (
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

func TestSink(t *testing.T) {
	var k Sink
	k.Enqueue("r1", "m1", 0, make([]byte, 10))
	k.Enqueue("r1", "m1", 0, make([]byte, 6))
	k.Play("r1", "m1", 1, 4)
	want := realtime.PlaybackState{ResponseID: "r1", ItemID: "m1", ContentIndex: 1, PlayedBytes: 4, Active: true}
	if got := k.State(); got != want {
		t.Errorf("State() = %+v, want %+v", got, want)
	}
	if got := k.Interrupt(); got != want {
		t.Errorf("Interrupt() = %+v, want the state before it %+v", got, want)
	}
	if got := k.State(); got != (realtime.PlaybackState{}) {
		t.Errorf("State() after Interrupt = %+v, want nothing playing", got)
	}
	if c, b, i := k.Counts(); c != 2 || b != 16 || i != 1 {
		t.Errorf("Counts() = %d chunks, %d bytes, %d interrupts; want 2, 16, 1", c, b, i)
	}
}
