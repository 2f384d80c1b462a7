package main

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/rtagent/rtagent/internal/session"
)

// traceTap turns the model's raw-frame trace (JSONL, audio elided) into RawEvents
// for the UI's event log: every client and server frame, as the realtime console
// shows them. Lines that do not parse are skipped; the tap never fails a write.
type traceTap struct {
	mu      sync.Mutex
	buf     []byte
	emit    func(session.Event) // nil: frames wait in early, up to maxEarly
	early   []session.Event     // frames before the UI attached (the connect update)
	started bool                // an emitter was set once; later nil means drop
}

const maxEarly = 256

func (t *traceTap) setEmit(fn func(session.Event)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.emit = fn
	if fn != nil {
		t.started = true
		for _, ev := range t.early {
			fn(ev)
		}
		t.early = nil
	}
}

func (t *traceTap) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		line := t.buf[:i]
		if ev, ok := parseTraceLine(line); ok {
			switch {
			case t.emit != nil:
				t.emit(ev)
			case !t.started && len(t.early) < maxEarly:
				t.early = append(t.early, ev)
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
