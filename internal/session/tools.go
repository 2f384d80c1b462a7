package session

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// Outputs the model reads (R8.7, R8.8).
const (
	notApprovedOutput = "Tool execution was not approved."
	neverPolicyOutput = "Tool execution was not approved: the approval policy refuses tools that need approval."
)

// call is one detected function call (R8.2).
type call struct {
	id, name, args string
	itemID, respID string
	agent          *Agent     // active agent at detection (R8.3)
	tool           tools.Tool // nil for handoffs and unknown tools
	silent         bool       // R8.11
	counted        bool       // counted in its response's outstanding batch
	skipped        bool       // incomplete item: never run (R8.2)
	started        time.Time  // detection time, for durations of refusals

	// held is the call's finished output while an earlier call of its response
	// has not sent its own yet (outputs go in call order, R8.10).
	held *heldOutput
}

// heldOutput is a finished call's output waiting for its turn.
type heldOutput struct {
	output        string
	wantsResponse bool
	end           *ToolEnd // emitted once the output was sent (R8.10); nil: none
}

// onArgumentsDone records a candidate call (R8.2). It runs when its item completes
// (response.output_item.done) or, if no such event arrives, when its response ends
// completed. Starting on arguments.done alone could run a call whose response is
// being cancelled: the .done events fire on cancel too (§4.2).
func (s *Session) onArgumentsDone(e realtime.FunctionCallArgumentsDone) {
	if c, known := s.calls[e.CallID]; known {
		s.checkSameName(c, e.Name)
		return
	}
	s.candidates[e.CallID] = e
}

// settleCandidates resolves the candidates of a finished response (R8.2) and also
// picks up completed function calls listed only in response.done of a completed
// response.
func (s *Session) settleCandidates(responseID string, e realtime.ResponseDone) {
	completed := e.Status == realtime.ResponseCompleted
	var mine []realtime.FunctionCallArgumentsDone
	for id, c := range s.candidates {
		if c.ResponseID != responseID {
			continue
		}
		delete(s.candidates, id)
		mine = append(mine, c)
	}
	if completed {
		// In output order (the order of response.done's output), so their outputs
		// go in call order too (R8.10).
		pos := func(itemID string) int {
			for i, it := range e.Output {
				if it.ID == itemID {
					return i
				}
			}
			return len(e.Output)
		}
		slices.SortStableFunc(mine, func(a, b realtime.FunctionCallArgumentsDone) int {
			if d := pos(a.ItemID) - pos(b.ItemID); d != 0 {
				return d
			}
			return strings.Compare(a.CallID, b.CallID)
		})
		for _, c := range mine {
			s.detectCall(c.CallID, c.Name, c.Arguments, c.ItemID, c.ResponseID)
		}
	}
	if !completed {
		return // output items of cancelled responses may claim "completed" (§4.2)
	}
	for _, it := range e.Output {
		if it.Type == realtime.ItemFunctionCall && it.Status == "completed" {
			s.detectCall(it.CallID, it.Name, it.Arguments, it.ID, responseID)
		}
	}
}

func (s *Session) checkSameName(c *call, name string) bool {
	if name != "" && c.name != "" && name != c.name {
		// R8.6: same call_id, different name: a protocol error; do not run.
		s.emit(Error{Source: SourceEngine, Message: fmt.Sprintf("call %s detected as %q and as %q; not run", c.id, c.name, name)})
		return false
	}
	return true
}

// detectCall handles one call detection, deduplicated by call_id (R8.6).
func (s *Session) detectCall(callID, name, args, itemID, respID string) {
	if c, known := s.calls[callID]; known {
		s.checkSameName(c, name)
		return
	}
	delete(s.candidates, callID)
	c := &call{id: callID, name: name, args: args, itemID: itemID, respID: respID, agent: s.active, started: time.Now()}
	s.calls[callID] = c
	s.upsertItem(realtime.Item{ID: itemID, Type: realtime.ItemFunctionCall, Status: "completed", CallID: callID, Name: name, Arguments: args}, "", s.attributedAgent(respID).Name)

	// Resolve against the table captured now (R8.3): a later handoff cannot reroute it.
	for _, h := range c.agent.Handoffs {
		if h.toolName() == name {
			s.handoff(c, h)
			return
		}
	}
	// Handoffs send their output at once (R9.2); every other call's output keeps
	// its place in its response's call order (R8.10).
	if r := s.lookupResponse(respID); r != nil {
		r.calls = append(r.calls, c)
	}
	for _, t := range c.agent.Tools {
		if t.Definition().Name == name {
			c.tool = t
			break
		}
	}
	if c.tool == nil {
		// R8.7: close the call without forcing a turn.
		msg := "Tool " + name + " not found"
		s.emit(Error{Source: SourceTool, Message: msg})
		s.finishCall(c, msg, msg, 0, false)
		return
	}
	def := c.tool.Definition()
	c.silent = def.Silent
	if r := s.lookupResponse(respID); r != nil {
		r.outstanding++
		c.counted = true
	}
	if err := tools.CheckArguments(def, args); err != nil {
		// Not run, so no tool_start/tool_end (tool_start means "about to invoke"):
		// a tool_error, and the model is told why (R8.10).
		s.emit(ToolError{Agent: c.agent.Name, Tool: name, CallID: callID, Arguments: args, Error: err.Error()})
		reason := strings.TrimPrefix(err.Error(), tools.ErrInvalidArguments.Error()+": ")
		s.sendOutput(c, "Invalid arguments for tool "+name+": "+reason, !c.silent)
		return
	}
	if !def.NeedsApproval {
		s.runTool(c)
		return
	}
	if approved, ok := s.sticky[name]; ok {
		s.decide(c, approved, "")
		return
	}
	switch s.cfg.Approval {
	case ApprovalAlways:
		s.runTool(c)
	case ApprovalNever:
		s.finishCall(c, neverPolicyOutput, "not approved (policy never)", time.Since(c.started), !c.silent)
	default:
		s.approvals[callID] = c
		s.emit(ToolApprovalRequired{Agent: c.agent.Name, Tool: name, CallID: callID, Arguments: args})
	}
}

// runTool starts the tool in its own goroutine (R8.3) and reports back to the engine.
func (s *Session) runTool(c *call) {
	s.emit(ToolStart{Agent: c.agent.Name, Tool: c.name, CallID: c.id, Arguments: c.args})
	t, args := c.tool, c.args
	s.q.running[c.id] = true
	s.goWorker(func() {
		res := tools.Invoke(s.ctx, t, args)
		s.post(func() {
			errText := ""
			if res.Err != nil {
				errText = res.Err.Error()
			}
			s.finishCall(c, res.Output, errText, res.Duration, !c.silent)
		})
	})
}

// finishCall sends the output (R8.10), batching the response trigger per response
// (R6.4): only the output of the last outstanding call of a finished response asks for
// a response; if the response is still running, response.done asks instead.
func (s *Session) finishCall(c *call, output, errText string, d time.Duration, wantsResponse bool) {
	end := ToolEnd{Agent: c.agent.Name, Tool: c.name, CallID: c.id, Arguments: c.args, Output: output, Error: errText, Duration: d}
	s.releaseOutput(c, &heldOutput{output: output, wantsResponse: wantsResponse, end: &end})
}

// sendOutput sends a call's output and records it, without tool_end.
func (s *Session) sendOutput(c *call, output string, wantsResponse bool) {
	s.releaseOutput(c, &heldOutput{output: output, wantsResponse: wantsResponse})
}

// releaseOutput sends c's output once every earlier call of its response has sent
// its own: calls of one response run concurrently (R8.3) but their outputs go in
// call order (R8.10), each output that completes the prefix releasing the held
// ones after it.
func (s *Session) releaseOutput(c *call, h *heldOutput) {
	r := s.responses[c.respID]
	if r == nil {
		s.writeOutput(c, h)
		return
	}
	c.held = h
	for len(r.calls) > 0 && r.calls[0].held != nil {
		next := r.calls[0]
		r.calls = r.calls[1:]
		out := next.held
		next.held = nil
		s.writeOutput(next, out)
	}
	if !slices.Contains(r.calls, c) && c.held != nil {
		// Not in its response's order list (detected before the response was
		// known): nothing to wait for.
		out := c.held
		c.held = nil
		s.writeOutput(c, out)
	}
}

// writeOutput sends one output now, then its tool_end (R8.10).
func (s *Session) writeOutput(c *call, h *heldOutput) {
	s.sendOutputNow(c, h.output, h.wantsResponse)
	if h.end != nil {
		s.emit(*h.end)
	}
}

// sendOutputNow sends a call's output and records it, without tool_end.
func (s *Session) sendOutputNow(c *call, output string, wantsResponse bool) {
	respond := wantsResponse
	if r := s.responses[c.respID]; r != nil && c.counted {
		r.outstanding--
		c.counted = false
		if wantsResponse {
			r.needRespond = true
		}
		respond = r.done && r.outstanding == 0 && r.needRespond
		if respond {
			r.needRespond = false
		}
	}
	delete(s.q.running, c.id)
	s.send(realtime.SendToolOutput{CallID: c.id, Output: output, Respond: respond})
	s.setCallOutput(c.id, output)
}

// Approve approves a pending call; always makes it sticky for the tool (R8.8).
// Unknown or non-pending ids are ignored.
func (s *Session) Approve(callID string, always bool) {
	_ = s.do(func() {
		c := s.approvals[callID]
		if c == nil {
			return
		}
		if always {
			s.sticky[c.name] = true
		}
		s.decide(c, true, "")
	})
}

// Reject rejects a pending call with message (or the default refusal); always makes
// it sticky for the tool (R8.8). Unknown or non-pending ids are ignored.
func (s *Session) Reject(callID string, always bool, message string) {
	_ = s.do(func() {
		c := s.approvals[callID]
		if c == nil {
			return
		}
		if always {
			s.sticky[c.name] = false
		}
		s.decide(c, false, message)
	})
}

func (s *Session) decide(c *call, approved bool, message string) {
	delete(s.approvals, c.id)
	if approved {
		s.runTool(c)
		return
	}
	if message == "" {
		message = notApprovedOutput
	}
	s.finishCall(c, message, "not approved", time.Since(c.started), !c.silent)
}
