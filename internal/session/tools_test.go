package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

func agentWith(ts ...tools.Tool) []*Agent {
	return []*Agent{{Name: "Triage", Instructions: "x", Tools: ts}}
}

// R8.6: output_item.done and function_call_arguments.done for the same call run it once.
// R8.10: tool_start/tool_end carry the arguments; tool_end after the output was sent.
func TestToolDetectedOnce_R8_6_R8_10(t *testing.T) {
	tool := newTool("lookup")
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "call_1", "lookup", `{"id":"A-1"}`)...)
	h.m.emit(realtime.OutputItemDone{ResponseID: "r1", Item: realtime.Item{ID: "fc1", Type: realtime.ItemFunctionCall, Status: "completed", CallID: "call_1", Name: "lookup", Arguments: `{"id":"A-1"}`}})
	h.m.emit(realtime.ResponseDone{ResponseID: "r1", Status: "completed", Output: []realtime.Item{{ID: "fc1", Type: realtime.ItemFunctionCall, Status: "completed", CallID: "call_1", Name: "lookup", Arguments: `{"id":"A-1"}`}}})
	end := waitEvent[ToolEnd](t, h.rec, nil)
	h.sync()
	cmds := h.m.commands()
	outs := cmdsOf[realtime.SendToolOutput](cmds)
	if len(outs) != 1 || outs[0].CallID != "call_1" || outs[0].Output != "lookup ok" {
		t.Fatalf("tool outputs when tool_end arrived = %+v", outs)
	}
	// R6.4: exactly one follow-up is asked for — by the output itself when the tool
	// finished after response.done, else by response.done (the tool may win the race).
	if creates := len(cmdsOf[realtime.CreateResponse](cmds)); outs[0].Respond == (creates == 1) || creates > 1 {
		t.Fatalf("output Respond=%v with %d CreateResponse: want exactly one follow-up trigger", outs[0].Respond, creates)
	}
	if end.Arguments != `{"id":"A-1"}` || end.Output != "lookup ok" || end.Error != "" || end.Agent != "Triage" || end.Duration <= 0 {
		t.Errorf("tool_end = %+v", end)
	}
	h.sync()
	evs := h.rec.events()
	if n := len(eventsOf[ToolEnd](evs)); n != 1 {
		t.Errorf("%d tool_end events", n)
	}
	st := eventsOf[ToolStart](evs)
	if len(st) != 1 || st[0].Arguments != `{"id":"A-1"}` {
		t.Errorf("tool_start = %+v", st)
	}
	if tool.callCount() != 1 {
		t.Errorf("tool ran %d times", tool.callCount())
	}
}

// R8.2: a call whose item did not complete, or whose response ended cancelled before
// its item completed, never runs; arguments.done alone runs once the response completed.
func TestToolNotRunForIncompleteCalls_R8_2(t *testing.T) {
	tool := newTool("lookup")
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	// Incomplete item.
	h.m.emit(created("r1"),
		realtime.FunctionCallArgumentsDone{ResponseID: "r1", ItemID: "fc1", CallID: "c1", Name: "lookup", Arguments: "{}"},
		realtime.OutputItemDone{ResponseID: "r1", Item: realtime.Item{ID: "fc1", Type: realtime.ItemFunctionCall, Status: "incomplete", CallID: "c1", Name: "lookup"}},
		done("r1", realtime.ResponseCancelled))
	// Arguments done, then the response was cancelled; response.done lists the item
	// as completed (§4.2: partial items may claim it) — still not run.
	h.m.emit(created("r2"),
		realtime.FunctionCallArgumentsDone{ResponseID: "r2", ItemID: "fc2", CallID: "c2", Name: "lookup", Arguments: "{}"},
		realtime.ResponseDone{ResponseID: "r2", Status: realtime.ResponseCancelled, Output: []realtime.Item{{ID: "fc2", Type: realtime.ItemFunctionCall, Status: "completed", CallID: "c2", Name: "lookup"}}})
	// Arguments done only, response completed → runs.
	h.m.emit(created("r3"),
		realtime.FunctionCallArgumentsDone{ResponseID: "r3", ItemID: "fc3", CallID: "c3", Name: "lookup", Arguments: "{}"},
		done("r3", realtime.ResponseCompleted))
	waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c3" })
	h.sync()
	for _, e := range eventsOf[ToolStart](h.rec.events()) {
		if e.CallID != "c3" {
			t.Errorf("call %s ran", e.CallID)
		}
	}
	if tool.callCount() != 1 {
		t.Errorf("tool ran %d times, want 1", tool.callCount())
	}
}

// R8.6: the same call_id with another name is a protocol error and does not run again.
func TestToolSameIDDifferentName_R8_6(t *testing.T) {
	a, b := newTool("a"), newTool("b")
	h := start(t, Config{Agents: agentWith(a, b)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "a", "{}")...)
	h.m.emit(realtime.OutputItemDone{ResponseID: "r1", Item: realtime.Item{ID: "fc1", Type: realtime.ItemFunctionCall, Status: "completed", CallID: "c1", Name: "b"}})
	waitEvent(t, h.rec, func(e Error) bool { return strings.Contains(e.Message, "c1") && e.Source == SourceEngine })
	h.m.emit(done("r1", "completed"))
	waitEvent[ToolEnd](t, h.rec, nil)
	h.sync()
	if a.callCount() != 1 || b.callCount() != 0 {
		t.Errorf("calls: a=%d b=%d", a.callCount(), b.callCount())
	}
}

// R6.4 refinement: outputs of one response's calls are sent as they finish; only the
// last one (after response.done) asks for a response.
func TestToolBatchRespondOnLast_R6_4(t *testing.T) {
	a, b := newTool("a"), newTool("b")
	a.gate, b.gate = make(chan struct{}), make(chan struct{})
	h := start(t, Config{Agents: agentWith(a, b)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "a", "{}")...)
	h.m.emit(toolCall("r1", "fc2", "c2", "b", "{}")...)
	h.m.emit(done("r1", "completed"))
	waitEventN[ToolStart](t, h.rec, 2, nil)
	a.gate <- struct{}{}
	first := waitCmd(t, h.m, func(o realtime.SendToolOutput) bool { return o.CallID == "c1" })
	if first.Respond {
		t.Error("first output of the batch asked for a response")
	}
	b.gate <- struct{}{}
	last := waitCmd(t, h.m, func(o realtime.SendToolOutput) bool { return o.CallID == "c2" })
	if !last.Respond {
		t.Error("last output of the batch did not ask for a response")
	}
	h.sync()
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 0 {
		t.Errorf("%d extra CreateResponse", n)
	}
}

// R6.4/R5.4: when every output was sent before response.done, response.done asks for
// the follow-up response (once).
func TestToolFinishedBeforeResponseDone_R6_4(t *testing.T) {
	tool := newTool("a")
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "a", "{}")...)
	out := waitCmd[realtime.SendToolOutput](t, h.m, nil)
	waitEvent[ToolEnd](t, h.rec, nil)
	if out.Respond {
		t.Fatal("output sent while its response runs asked for a response")
	}
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 0 {
		t.Fatal("CreateResponse before response.done")
	}
	h.m.emit(done("r1", "completed"))
	waitCmd[realtime.CreateResponse](t, h.m, nil)
	h.sync()
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 1 {
		t.Errorf("%d CreateResponse, want 1", n)
	}
}

// R8.11: a silent tool never asks for a response.
func TestSilentTool_R8_11(t *testing.T) {
	tool := newTool("note")
	tool.def.Silent = true
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "note", "{}")...)
	h.m.emit(done("r1", "completed"))
	waitEvent[ToolEnd](t, h.rec, nil)
	h.sync()
	cmds := h.m.commands()
	if outs := cmdsOf[realtime.SendToolOutput](cmds); len(outs) != 1 || outs[0].Respond {
		t.Errorf("outputs = %+v", outs)
	}
	if n := len(cmdsOf[realtime.CreateResponse](cmds)); n != 0 {
		t.Errorf("%d CreateResponse for a silent tool", n)
	}
}

// R8.7: unknown tool → output "Tool <name> not found", no response trigger, error event.
func TestUnknownTool_R8_7(t *testing.T) {
	h := start(t, Config{Agents: agentWith(newTool("a"))}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "nope", "{}")...)
	h.m.emit(done("r1", "completed"))
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Output != "Tool nope not found" || end.Error == "" {
		t.Errorf("tool_end = %+v", end)
	}
	waitEvent(t, h.rec, func(e Error) bool { return e.Message == "Tool nope not found" && e.Source == SourceTool })
	h.sync()
	cmds := h.m.commands()
	if outs := cmdsOf[realtime.SendToolOutput](cmds); len(outs) != 1 || outs[0].Output != "Tool nope not found" || outs[0].Respond {
		t.Errorf("outputs = %+v", outs)
	}
	if n := len(cmdsOf[realtime.CreateResponse](cmds)); n != 0 {
		t.Errorf("%d CreateResponse for an unknown tool", n)
	}
}

// R8.5: a failing tool's error text is the output, tool_end carries error, and a
// follow-up response is still triggered.
func TestToolError_R8_5(t *testing.T) {
	tool := newTool("a")
	tool.err = errors.New("boom")
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "a", "{}")...)
	h.m.emit(done("r1", "completed"))
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Output != "Error running tool a: boom" || !strings.Contains(end.Error, "boom") {
		t.Errorf("tool_end = %+v", end)
	}
	out := waitCmd[realtime.SendToolOutput](t, h.m, nil)
	if !out.Respond || out.Output != end.Output {
		t.Errorf("output = %+v", out)
	}
}

// R8.3: tools run in their own goroutines; the engine keeps handling audio meanwhile,
// and the call keeps the agent captured at detection even if the agent changes.
func TestToolRunsAsyncWithCapturedAgent_R8_3(t *testing.T) {
	tool := newTool("slow")
	tool.gate = make(chan struct{})
	h := start(t, Config{Agents: []*Agent{{Name: "A", Tools: []tools.Tool{tool}}, {Name: "B"}}}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "slow", "{}")...)
	waitEvent[ToolStart](t, h.rec, nil)
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(audio("r1", "m1", 480))
	waitEvent[AudioStarted](t, h.rec, nil) // the engine is not blocked by the tool
	if err := h.s.SwitchAgent("B"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, h.rec, func(e Handoff) bool { return e.Manual })
	tool.gate <- struct{}{}
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Agent != "A" || end.Output != "slow ok" {
		t.Errorf("tool_end = %+v, want agent A and the tool's output", end)
	}
}

// R8.8: ask → tool_approval_required, wait; approve → runs; reject → refusal output,
// still a follow-up response; always → sticky.
func TestApprovals_R8_8(t *testing.T) {
	tool := newTool("refund")
	tool.def.NeedsApproval = true
	h := start(t, Config{Agents: agentWith(tool)}, nil)

	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "refund", `{"amount":5}`)...)
	h.m.emit(done("r1", "completed"))
	req := waitEvent[ToolApprovalRequired](t, h.rec, nil)
	if req.CallID != "c1" || req.Arguments != `{"amount":5}` || req.Tool != "refund" {
		t.Errorf("approval request = %+v", req)
	}
	h.sync()
	if tool.callCount() != 0 || len(eventsOf[ToolStart](h.rec.events())) != 0 {
		t.Fatal("tool ran before approval")
	}
	h.s.Approve("unknown", false) // ignored
	h.s.Approve("c1", false)
	waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c1" })

	// Reject with a message.
	h.m.emit(created("r2"))
	h.m.emit(toolCall("r2", "fc2", "c2", "refund", "{}")...)
	h.m.emit(done("r2", "completed"))
	waitEvent(t, h.rec, func(e ToolApprovalRequired) bool { return e.CallID == "c2" })
	h.s.Reject("c2", false, "Not today.")
	end := waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c2" })
	if end.Output != "Not today." {
		t.Errorf("rejection output = %q", end.Output)
	}
	out := waitCmd(t, h.m, func(o realtime.SendToolOutput) bool { return o.CallID == "c2" })
	if !out.Respond || out.Output != "Not today." {
		t.Errorf("rejection output command = %+v", out)
	}

	// Reject always with the default message: sticky, later calls do not ask.
	h.m.emit(created("r3"))
	h.m.emit(toolCall("r3", "fc3", "c3", "refund", "{}")...)
	h.m.emit(done("r3", "completed"))
	waitEvent(t, h.rec, func(e ToolApprovalRequired) bool { return e.CallID == "c3" })
	h.s.Reject("c3", true, "")
	end = waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c3" })
	if end.Output != "Tool execution was not approved." {
		t.Errorf("default rejection output = %q", end.Output)
	}
	h.m.emit(created("r4"))
	h.m.emit(toolCall("r4", "fc4", "c4", "refund", "{}")...)
	h.m.emit(done("r4", "completed"))
	end = waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c4" })
	if end.Output != "Tool execution was not approved." {
		t.Errorf("sticky rejection output = %q", end.Output)
	}
	h.sync()
	evs := h.rec.events()
	if n := len(eventsOf[ToolApprovalRequired](evs)); n != 3 {
		t.Errorf("%d approval requests, want 3 (c4 decided by the sticky rejection)", n)
	}
	if tool.callCount() != 1 {
		t.Errorf("tool ran %d times, want 1", tool.callCount())
	}
	// R12.2 #7: tool_approval_required(c) < tool_start(c) < tool_end(c).
	ia := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolApprovalRequired); return ok && v.CallID == "c1" })
	is := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolStart); return ok && v.CallID == "c1" })
	ie := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolEnd); return ok && v.CallID == "c1" })
	if !(ia >= 0 && ia < is && is < ie) {
		t.Errorf("order approval=%d start=%d end=%d", ia, is, ie)
	}
}

func TestApprovalAlwaysSticky_R8_8(t *testing.T) {
	tool := newTool("refund")
	tool.def.NeedsApproval = true
	h := start(t, Config{Agents: agentWith(tool)}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "refund", "{}")...)
	waitEvent[ToolApprovalRequired](t, h.rec, nil)
	h.s.Approve("c1", true)
	h.barrier()
	h.m.emit(toolCall("r1", "fc2", "c2", "refund", "{}")...)
	h.m.emit(done("r1", "completed"))
	waitEventN[ToolEnd](t, h.rec, 2, nil)
	h.sync()
	if n := len(eventsOf[ToolApprovalRequired](h.rec.events())); n != 1 {
		t.Errorf("%d approval requests, want 1", n)
	}
	if tool.callCount() != 2 {
		t.Errorf("tool ran %d times", tool.callCount())
	}
}

func TestApprovalPolicies_R8_8(t *testing.T) {
	for _, policy := range []ApprovalPolicy{ApprovalAlways, ApprovalNever} {
		t.Run(string(policy), func(t *testing.T) {
			tool := newTool("refund")
			tool.def.NeedsApproval = true
			h := start(t, Config{Agents: agentWith(tool), Approval: policy}, nil)
			h.m.emit(created("r1"))
			h.m.emit(toolCall("r1", "fc1", "c1", "refund", "{}")...)
			h.m.emit(done("r1", "completed"))
			end := waitEvent[ToolEnd](t, h.rec, nil)
			h.sync()
			if n := len(eventsOf[ToolApprovalRequired](h.rec.events())); n != 0 {
				t.Errorf("policy %s asked", policy)
			}
			switch policy {
			case ApprovalAlways:
				if tool.callCount() != 1 || end.Output != "refund ok" {
					t.Errorf("always: calls=%d output=%q", tool.callCount(), end.Output)
				}
			case ApprovalNever:
				if tool.callCount() != 0 || !strings.Contains(end.Output, "not approved") {
					t.Errorf("never: calls=%d output=%q", tool.callCount(), end.Output)
				}
			}
		})
	}
}

// Issue 9 #3: a function_call item done without status and without
// function_call_arguments.done is run and answered once.
func TestToolCallItemWithoutStatusRuns(t *testing.T) {
	tool := newTool("lookup")
	h := start(t, Config{Agents: []*Agent{{Name: "A", Tools: []tools.Tool{tool}}}}, nil)
	h.m.emit(created("r1"))
	h.m.emit(realtime.OutputItemDone{ResponseID: "r1", Item: realtime.Item{ID: "fc1", Type: realtime.ItemFunctionCall, CallID: "c1", Name: "lookup", Arguments: `{}`}})
	h.m.emit(done("r1", "completed"))
	out := waitCmd[realtime.SendToolOutput](t, h.m, nil)
	if out.CallID != "c1" || out.Output != "lookup ok" {
		t.Errorf("output = %+v", out)
	}
	if !out.Respond {
		waitCmd[realtime.CreateResponse](t, h.m, nil) // R6.4: asked at response.done
	}
	h.sync()
	if n := tool.callCount(); n != 1 {
		t.Errorf("tool ran %d times, want 1", n)
	}
}

// Issue 9 #3: malformed arguments do not run the tool and emit tool_error, not
// tool_start/tool_end; the model still gets an answer.
func TestToolCallMalformedArguments(t *testing.T) {
	for _, args := range []string{`{"city":`, `[1,2]`} {
		t.Run(args, func(t *testing.T) {
			tool := newTool("lookup")
			h := start(t, Config{Agents: []*Agent{{Name: "A", Tools: []tools.Tool{tool}}}}, nil)
			h.m.emit(created("r1"))
			h.m.emit(toolCall("r1", "fc1", "c1", "lookup", args)...)
			h.m.emit(done("r1", "completed"))
			out := waitCmd[realtime.SendToolOutput](t, h.m, nil)
			if out.CallID != "c1" || !strings.HasPrefix(out.Output, "Invalid arguments for tool lookup: ") {
				t.Errorf("output = %+v", out)
			}
			waitCmd[realtime.CreateResponse](t, h.m, nil) // R6.4: the batch asks for an answer at response.done
			te := waitEvent[ToolError](t, h.rec, nil)
			if te.CallID != "c1" || te.Tool != "lookup" || te.Arguments != args || te.Error == "" {
				t.Errorf("tool_error = %+v", te)
			}
			h.sync()
			evs := h.rec.events()
			if n, m := len(eventsOf[ToolStart](evs)), len(eventsOf[ToolEnd](evs)); n != 0 || m != 0 {
				t.Errorf("%d tool_start and %d tool_end for a call that never ran", n, m)
			}
			if n := tool.callCount(); n != 0 {
				t.Errorf("tool ran %d times", n)
			}
		})
	}
}
