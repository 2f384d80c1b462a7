package app

import (
	"sync/atomic"

	"github.com/rtagent/rtagent/internal/realtime"
)

// TraceTap queues the model's typed frames (openai.Config.Frames: every client and
// server frame, audio elided) for the UI's event log. It never blocks the model's
// trace goroutine: frames go into a bounded queue that the UI drains, and when the
// UI falls behind the newest frames are dropped and counted (R12.1: raw frames are
// the only ones that may be lost).
type TraceTap struct {
	ch      chan realtime.Frame
	dropped atomic.Uint64
}

const tapQueue = 1024

// NewTraceTap returns a tap with an empty queue.
func NewTraceTap() *TraceTap { return &TraceTap{ch: make(chan realtime.Frame, tapQueue)} }

// Frames is the queue the UI forwarder drains.
func (t *TraceTap) Frames() <-chan realtime.Frame { return t.ch }

// Add queues one frame, or drops it when the queue is full.
func (t *TraceTap) Add(f realtime.Frame) {
	select {
	case t.ch <- f:
	default:
		t.dropped.Add(1)
	}
}

// Dropped is how many frames the UI never saw.
func (t *TraceTap) Dropped() uint64 { return t.dropped.Load() }
