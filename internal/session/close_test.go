package session

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// R12.3: Close is idempotent and concurrent-safe; it cancels running tools, pending
// approvals (no output) and guardrail checks, closes the model, emits Closed last and
// closes the channel.
func TestClose_R12_3(t *testing.T) {
	slow := newTool("slow")
	slow.gate = make(chan struct{}) // never released: only ctx cancellation ends it
	gated := newTool("gated")
	gated.def.NeedsApproval = true
	g := &testGuardrail{name: "g", trip: containsWord("x"), gate: make(chan struct{})}
	h := start(t, Config{Agents: []*Agent{{Name: "A", Tools: []tools.Tool{slow, gated}, OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "slow", "{}")...)
	h.m.emit(toolCall("r1", "fc2", "c2", "gated", "{}")...)
	h.m.emit(tdelta("r1", "m1", string(make([]byte, 120))))
	waitEvent[ToolStart](t, h.rec, nil)
	waitEvent[ToolApprovalRequired](t, h.rec, nil)
	g.waitChecks(t, 1)

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = h.s.Close() }()
	}
	wg.Wait()
	<-h.rec.Done()
	evs := h.rec.events()
	last, ok := evs[len(evs)-1].(Closed)
	if !ok || last.Err != nil {
		t.Fatalf("last event = %+v", evs[len(evs)-1])
	}
	if n := len(eventsOf[Closed](evs)); n != 1 {
		t.Errorf("%d closed events", n)
	}
	if h.m.closeCount() == 0 {
		t.Error("model not closed")
	}
	slow.mu.Lock()
	ctxErr := slow.ctxs[0].Err()
	slow.mu.Unlock()
	if ctxErr == nil {
		t.Error("tool context not cancelled")
	}
	for _, o := range cmdsOf[realtime.SendToolOutput](h.m.commands()) {
		if o.CallID == "c2" {
			t.Error("output sent for a pending approval at close")
		}
	}
	if err := h.s.SendText("late"); !errors.Is(err, ErrClosed) {
		t.Errorf("SendText after close: %v", err)
	}
	h.s.Approve("c2", false) // ignored, no panic
	if err := h.s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// R12.3 / R4.4: a model Closed event (server close, fatal error) ends the session with
// Closed{Err}; errors before it do not.
func TestServerCloseEndsSession_R12_3(t *testing.T) {
	h := start(t, Config{}, nil)
	boom := errors.New("server went away")
	h.m.emit(realtime.Error{Source: "server", Code: "server_error", Message: "oops"})
	h.m.end(realtime.Closed{Code: 1011, Reason: "internal", Err: boom})
	<-h.rec.Done()
	evs := h.rec.events()
	last, ok := evs[len(evs)-1].(Closed)
	if !ok || !errors.Is(last.Err, boom) || last.Code != 1011 {
		t.Fatalf("last event = %+v", evs[len(evs)-1])
	}
	if indexOfEvent(evs, func(e Event) bool { v, ok := e.(Error); return ok && v.Code == "server_error" }) < 0 {
		t.Error("error event missing")
	}
	if err := h.s.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after server close = %v", err)
	}
}

func TestCloseBeforeStartAndConnectFailure(t *testing.T) {
	s, err := New(Config{Model: newFakeModel(), Agents: []*Agent{{Name: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	var got []Event
	for ev := range s.Events() {
		got = append(got, ev)
	}
	if len(got) != 1 || got[0].EventType() != "closed" {
		t.Errorf("events = %v", got)
	}
	if err := s.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v", err)
	}

	m := newFakeModel()
	m.connErr = errors.New("refused")
	s, _ = New(Config{Model: m, Agents: []*Agent{{Name: "A"}}})
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("Start succeeded")
	}
	got = nil
	for ev := range s.Events() {
		got = append(got, ev)
	}
	if c, ok := got[len(got)-1].(Closed); !ok || c.Err == nil {
		t.Errorf("events = %v", got)
	}
	_ = s.Close()
}

// ignoringTool ignores its context: Close must still return within the 1 s grace.
type ignoringTool struct{ release chan struct{} }

func (ignoringTool) Definition() tools.Definition {
	return tools.Definition{Name: "stuck", Parameters: []byte(`{"type":"object"}`)}
}

func (it ignoringTool) Call(context.Context, json.RawMessage) (string, error) {
	<-it.release
	return "late", nil
}

// R12.3: Close waits at most about 1 s for goroutines that ignore cancellation.
func TestCloseBoundedWait_R12_3(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tool := ignoringTool{release: make(chan struct{})}
		m := newFakeModel()
		s, err := New(Config{Model: m, Base: baseSettings(), Agents: []*Agent{{Name: "A", Tools: []tools.Tool{tool}}}, Audio: &fakeSink{}})
		if err != nil {
			t.Fatal(err)
		}
		evs := s.Events()
		if err := s.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		m.emit(realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{Settings: *m.connected}})
		m.emit(toolCall("", "fc1", "c1", "stuck", "{}")...)
		for ev := range evs {
			if _, ok := ev.(ToolStart); ok {
				break
			}
		}
		t0 := time.Now()
		done := make(chan struct{})
		go func() {
			for range evs {
			}
			close(done)
		}()
		_ = s.Close()
		if d := time.Since(t0); d > 2500*time.Millisecond {
			t.Errorf("Close took %v", d)
		}
		<-done
		close(tool.release)
		synctest.Wait()
	})
}
