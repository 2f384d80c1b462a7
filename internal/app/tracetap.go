package app

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/rtagent/rtagent/internal/session"
)

// TraceTap turns the model's raw-frame trace (JSONL, audio elided) into RawEvents
// for the UI's event log: every client and server frame, as the realtime console
// shows them. It never blocks the trace writer: frames go into a bounded queue that
// the UI drains, and when the UI falls behind the newest frames are dropped and
// counted (R12.1: raw events are the only ones that may be lost).
type TraceTap struct {
	mu      sync.Mutex
	buf     []byte
	ch      chan session.RawEvent
	dropped atomic.Uint64
}

const tapQueue = 1024

// NewTraceTap returns a tap with an empty queue.
func NewTraceTap() *TraceTap { return &TraceTap{ch: make(chan session.RawEvent, tapQueue)} }

// Events is the queue the UI forwarder drains.
func (t *TraceTap) Events() <-chan session.RawEvent { return t.ch }

func (t *TraceTap) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		if ev, ok := parseTraceLine(t.buf[:i]); ok {
			select {
			case t.ch <- ev:
			default:
				t.dropped.Add(1)
			}
		}
		t.buf = t.buf[i+1:]
	}
	if len(t.buf) == 0 {
		t.buf = nil // do not keep a large backing array alive
	}
	return len(p), nil
}

func parseTraceLine(line []byte) (session.RawEvent, bool) {
	var rec struct {
		Dir   string          `json:"dir"`
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(line, &rec) != nil || len(rec.Event) == 0 {
		return session.RawEvent{}, false
	}
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(rec.Event, &head)
	dir := "in"
	if rec.Dir == "client" {
		dir = "out"
	}
	return session.RawEvent{Direction: dir, Type: head.Type, Data: append(json.RawMessage(nil), rec.Event...)}, true
}
