package session

import (
	"context"
	"strconv"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// benchSession starts a session over a fake model that does not record commands and
// returns it with its event channel.
func benchSession(b *testing.B, agents []*Agent) (*Session, *fakeModel, <-chan Event) {
	b.Helper()
	m := newFakeModel()
	m.discard = true
	s, err := New(Config{Model: m, Base: baseSettings(), Agents: agents, Audio: &fakeSink{}})
	if err != nil {
		b.Fatal(err)
	}
	evs := s.Events()
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	m.emit(realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{Settings: *m.connected}})
	for ev := range evs {
		if _, ok := ev.(SessionReady); ok {
			break
		}
	}
	b.Cleanup(func() {
		go func() { _ = s.Close() }()
		for range evs {
		}
	})
	return s, m, evs
}

// BenchmarkToolDispatch measures one function call event → tool_end with a trivial
// tool: detection, goroutine, tools.Invoke (schema check), output send, history, events.
// The call item is deleted after each call so the history (whose snapshots every
// history_updated copies, R11.6) stays at a steady size.
func BenchmarkToolDispatch(b *testing.B) {
	tool := newTool("echo")
	_, m, evs := benchSession(b, []*Agent{{Name: "A", Tools: []tools.Tool{tool}}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := strconv.Itoa(i)
		m.emit(realtime.OutputItemDone{Item: realtime.Item{ID: "fc" + id, Type: realtime.ItemFunctionCall, Status: "completed", CallID: "c" + id, Name: "echo", Arguments: "{}"}})
		for ev := range evs {
			if _, ok := ev.(ToolEnd); ok {
				break
			}
		}
		m.emit(realtime.ItemDeleted{ItemID: "fc" + id})
	}
}

// BenchmarkAudioDeltaThroughput measures 20 ms PCM16 audio deltas through the engine:
// drop checks, bookkeeping, sink enqueue, event queue, consumer.
func BenchmarkAudioDeltaThroughput(b *testing.B) {
	_, m, evs := benchSession(b, []*Agent{{Name: "A"}})
	m.emit(created("r1"))
	chunk := make([]byte, 960)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			m.emit(realtime.AudioDelta{ResponseID: "r1", ItemID: "m1", Data: chunk})
		}
		m.emit(realtime.Error{Code: "end"}) // audio is not an event: this marks the last delta handled
	}()
	for ev := range evs {
		if e, ok := ev.(Error); ok && e.Code == "end" {
			break
		}
	}
}
