package session

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// barrier lets n calls through only once all n are inside: a tool that waits on it
// can finish only if the calls overlap.
type barrier struct {
	mu      sync.Mutex
	n       int
	arrived int
	all     chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, all: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// barrierTool waits on the shared barrier, then for its release channel.
type barrierTool struct {
	name    string
	b       *barrier
	release chan struct{}
	passed  chan struct{} // closed when the barrier let this call through
}

func (t *barrierTool) Definition() tools.Definition {
	return tools.Definition{Name: t.name, Description: "waits for its sibling", Parameters: json.RawMessage(`{"type":"object","properties":{}}`)}
}

func (t *barrierTool) Call(ctx context.Context, _ json.RawMessage) (string, error) {
	if err := t.b.wait(ctx); err != nil {
		return "", err
	}
	close(t.passed)
	select {
	case <-t.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return t.name + " done", nil
}

// R8.3/R8.10/R6.4: two calls of one response run at the same time (each waits for
// the other on a barrier, so neither could finish if they ran one after the other),
// their outputs go in call order even when the second finishes first, and the batch
// asks for exactly one follow-up response, with the last output.
func TestParallelCallsOverlapOutputsInOrderOneFollowUp_R8_10_R6_4(t *testing.T) {
	bar := newBarrier(2)
	a := &barrierTool{name: "get_time", b: bar, release: make(chan struct{}), passed: make(chan struct{})}
	b := &barrierTool{name: "echo", b: bar, release: make(chan struct{}), passed: make(chan struct{})}
	h := start(t, Config{Agents: agentWith(a, b)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "get_time", "{}")...)
	h.m.emit(toolCall("r1", "fc2", "c2", "echo", "{}")...)
	h.m.emit(done("r1", "completed"))
	for _, tl := range []*barrierTool{a, b} {
		select {
		case <-tl.passed: // both calls were inside at once
		case <-time.After(10 * time.Second):
			t.Fatalf("%s never passed the barrier: the calls did not overlap", tl.name)
		}
	}
	// The second call finishes first: its output must wait for the first one's.
	close(b.release)
	h.until(func() bool { return h.s.calls["c2"].held != nil })
	if outs := cmdsOf[realtime.SendToolOutput](h.m.commands()); len(outs) != 0 {
		t.Fatalf("output sent before the first call finished: %+v", outs)
	}
	close(a.release)
	waitEventN[ToolEnd](t, h.rec, 2, nil)
	h.sync()
	outs := cmdsOf[realtime.SendToolOutput](h.m.commands())
	if len(outs) != 2 || outs[0].CallID != "c1" || outs[1].CallID != "c2" {
		t.Fatalf("outputs = %+v, want c1 then c2", outs)
	}
	if outs[0].Respond || !outs[1].Respond {
		t.Errorf("Respond = %v, %v: want only the last output to ask for the follow-up", outs[0].Respond, outs[1].Respond)
	}
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 0 {
		t.Errorf("%d extra CreateResponse, want the one trigger on the last output", n)
	}
	ends := eventsOf[ToolEnd](h.rec.events())
	if ends[0].CallID != "c1" || ends[1].CallID != "c2" {
		t.Errorf("tool_end order = %s, %s", ends[0].CallID, ends[1].CallID)
	}
}

// R8.10: calls picked up only from response.done (no output_item.done) run in the
// order of the response's output, not in map order.
func TestCandidatesSettleInOutputOrder_R8_2(t *testing.T) {
	var ts []tools.Tool
	names := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
	for _, n := range names {
		ts = append(ts, newTool(n))
	}
	h := start(t, Config{Agents: agentWith(ts...)}, nil)
	h.m.emit(created("r1"))
	var output []realtime.Item
	for i, n := range names {
		item, id := "fc"+n, "call_"+n
		h.m.emit(realtime.FunctionCallArgumentsDone{ResponseID: "r1", ItemID: item, CallID: id, Name: n, Arguments: "{}"})
		_ = i
		output = append(output, realtime.Item{ID: item, Type: realtime.ItemFunctionCall, CallID: id, Name: n, Arguments: "{}"})
	}
	h.m.emit(realtime.ResponseDone{ResponseID: "r1", Status: "completed", Output: output})
	waitEventN[ToolEnd](t, h.rec, len(names), nil)
	outs := cmdsOf[realtime.SendToolOutput](h.m.commands())
	for i, o := range outs {
		if o.CallID != "call_"+names[i] {
			t.Fatalf("output %d is %s: outputs not in output order: %s", i, o.CallID, fmtCmds(h.m.commands()))
		}
	}
}

// until runs pred on the engine goroutine until it holds (bounded).
func (h *harness) until(pred func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ch := make(chan bool, 1)
		if err := h.s.do(func() { ch <- pred() }); err != nil {
			h.t.Fatal(err)
		}
		if <-ch {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond) // yield to the tool goroutines
	}
}
