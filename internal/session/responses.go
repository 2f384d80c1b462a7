package session

import (
	"github.com/rtagent/rtagent/internal/realtime"
)

// maxDoneResponses bounds how many finished responses the engine remembers.
const maxDoneResponses = 64

// response is the engine's view of one response.
type response struct {
	id    string
	agent *Agent // active at response.created (R9.4)
	seq   int    // creation order
	done  bool

	audioDropped bool // R7.10: drop audio deltas until response.done
	textDropped  bool // guardrail trip: drop transcript deltas too
	tripped      bool // output guardrail tripped (at most once, R10.4)

	pendingChecks int             // output guardrail checks in flight
	textItems     map[string]bool // items with debouncer state (R10.6)

	// Tool batch (R6.4 refinement): outputs still outstanding, whether a follow-up
	// response is wanted, sent on the last output once the response is done.
	outstanding int
	needRespond bool
	// calls are the response's detected calls whose outputs are not sent yet, in
	// call order: an output waits for the earlier ones (R8.10).
	calls []*call

	audioStarted bool // AudioStarted was emitted
}

// lookupResponse returns the response with this id, creating a placeholder for ids
// seen without response.created (attributed to the active agent).
func (s *Session) lookupResponse(id string) *response {
	if id == "" {
		return nil
	}
	r := s.responses[id]
	if r == nil {
		s.respSeq++
		r = &response{id: id, agent: s.active, seq: s.respSeq}
		s.responses[id] = r
	}
	return r
}

func (s *Session) onResponseCreated(e realtime.ResponseCreated) {
	s.respSeq++
	r := &response{id: e.ResponseID, agent: s.active, seq: s.respSeq}
	s.responses[e.ResponseID] = r
	s.activeResp = e.ResponseID
	s.emit(AgentStart{Agent: r.agent.Name, ResponseID: r.id})
}

// newerThan reports whether a response was created after r.
func (s *Session) newerThan(r *response) bool { return s.respSeq > r.seq }

func (s *Session) onResponseDone(e realtime.ResponseDone) {
	r := s.lookupResponse(e.ResponseID)
	if r == nil {
		r = &response{agent: s.active}
	}
	// R8.2: candidates from function_call_arguments.done whose item never reported
	// completion run only if the whole response completed.
	s.settleCandidates(r.id, e)
	r.done = true
	r.audioDropped, r.textDropped = false, false // R7.10: until response.done
	if s.activeResp == e.ResponseID {
		s.activeResp = ""
	}
	s.fillFromDeltas(e.Output)
	if r.outstanding == 0 && r.needRespond {
		// Every output of the batch was already sent before the response ended.
		r.needRespond = false
		s.send(realtime.CreateResponse{})
	}
	s.resetGuardrailState(r)
	if e.Usage != nil {
		s.addResponseUsage(e.ResponseID, *e.Usage)
	}
	if e.Status == realtime.ResponseFailed {
		ev := Error{Source: SourceServer, Message: "response failed"}
		if e.Error != nil {
			ev.Type, ev.Code, ev.Message = e.Error.Type, e.Error.Code, e.Error.Message
		}
		s.emit(ev)
	}
	s.emit(AgentEnd{Agent: r.agent.Name, ResponseID: e.ResponseID, Status: e.Status, StatusReason: e.StatusReason})
	s.pruneResponses()
}

// pruneResponses forgets the oldest finished responses with nothing outstanding.
func (s *Session) pruneResponses() {
	if len(s.responses) <= maxDoneResponses {
		return
	}
	oldest := s.respSeq - maxDoneResponses
	for id, r := range s.responses {
		if r.done && r.seq <= oldest && r.outstanding == 0 && r.pendingChecks == 0 {
			delete(s.responses, id)
		}
	}
}

func (s *Session) onOutputItemAdded(e realtime.OutputItemAdded) {
	r := s.lookupResponse(e.ResponseID)
	s.finals.noteItem(e.Item.ID, e.ResponseID)
	switch e.Item.Type {
	case realtime.ItemMessage:
		it := e.Item
		if it.Status == "" {
			it.Status = "in_progress"
		}
		s.upsertItem(it, "", agentName(r, s.active))
	case realtime.ItemFunctionCall:
		// UI hint only: never execute here (R8.2).
	}
}

func (s *Session) onOutputItemDone(e realtime.OutputItemDone) {
	r := s.lookupResponse(e.ResponseID)
	it := e.Item
	switch it.Type {
	case realtime.ItemFunctionCall:
		delete(s.candidates, it.CallID)
		if it.Status != "completed" && it.Status != "" { // no status: completed (issue 9 #3)
			// R8.2: an incomplete call never runs; remember the id so a later
			// detection of it is ignored.
			if _, known := s.calls[it.CallID]; !known {
				s.calls[it.CallID] = &call{id: it.CallID, name: it.Name, skipped: true}
			}
			s.upsertItem(it, "", agentName(r, s.active))
			return
		}
		s.detectCall(it.CallID, it.Name, it.Arguments, it.ID, e.ResponseID)
	default:
		s.finals.noteItem(it.ID, e.ResponseID)
		s.upsertItem(s.withDeltaText(it), "", agentName(r, s.active))
		s.onAssistantItemDone(it, e.ResponseID)
	}
}

func agentName(r *response, fallback *Agent) string {
	if r != nil && r.agent != nil {
		return r.agent.Name
	}
	return fallback.Name
}

// attributedAgent is the agent a response's events are attributed to (R9.4).
func (s *Session) attributedAgent(responseID string) *Agent {
	if r := s.responses[responseID]; r != nil && r.agent != nil {
		return r.agent
	}
	return s.active
}

// maxFinalItems bounds how many assistant items finalTexts remembers.
const maxFinalItems = 256

// finalTexts makes sure every assistant text part gets exactly one final transcript,
// whichever way its text arrives: response.output_audio_transcript.done /
// response.output_text.done, or only in the finished item
// (response.output_item.done, conversation.item.done), or only as deltas.
type finalTexts struct {
	sent  map[audioKey]bool
	resp  map[string]string // item id → response id
	order []string
}

func (f *finalTexts) remember(item string) {
	if f.resp == nil {
		f.resp, f.sent = map[string]string{}, map[audioKey]bool{}
	}
	if _, ok := f.resp[item]; ok {
		return
	}
	f.resp[item] = ""
	f.order = append(f.order, item)
	if len(f.order) > maxFinalItems {
		old := f.order[0]
		f.order = f.order[1:]
		delete(f.resp, old)
		for k := range f.sent {
			if k.item == old {
				delete(f.sent, k)
			}
		}
	}
}

// noteItem records which response an item belongs to.
func (f *finalTexts) noteItem(item, resp string) {
	if item == "" {
		return
	}
	f.remember(item)
	if resp != "" {
		f.resp[item] = resp
	}
}

func (f *finalTexts) respOf(item string) string { return f.resp[item] }

// onAssistantItemDone emits the final transcript of each text part of a finished
// assistant message that did not get one from a .done text event. A missing status
// counts as completed; the text is the item's transcript/text, else the assembled
// deltas.
func (s *Session) onAssistantItemDone(it realtime.Item, respID string) {
	if it.Type != realtime.ItemMessage || it.Role != "assistant" || it.ID == "" {
		return
	}
	if it.Status != "" && it.Status != "completed" {
		return // incomplete (cancelled, truncated): its deltas already went out
	}
	if respID == "" {
		respID = s.finals.respOf(it.ID)
	}
	it = s.withDeltaText(it)
	for ci, c := range it.Content {
		text, textMode := c.Transcript, false
		switch c.Type {
		case realtime.ContentText:
			text, textMode = c.Text, true
		case realtime.ContentAudio:
		default:
			continue
		}
		if text == "" {
			continue
		}
		s.finalText(respID, it.ID, ci, text, textMode)
	}
}

// finalText sets the authoritative text of one assistant part, emits its final
// transcript (once) and runs the final output guardrail check (R10.2).
func (s *Session) finalText(respID, itemID string, ci int, text string, textMode bool) {
	s.finals.noteItem(itemID, respID)
	k := audioKey{itemID, ci}
	delete(s.acc, k)
	agent := s.attributedAgent(respID)
	s.setAssistantText(itemID, ci, text, textMode, agent.Name)
	if s.finals.sent[k] {
		return
	}
	s.finals.sent[k] = true
	r := s.lookupResponse(respID)
	if r != nil && r.textDropped {
		return // R7.10: nothing of a tripped response is forwarded
	}
	s.emit(Transcript{Role: "assistant", Agent: agent.Name, ItemID: itemID, ResponseID: respID, Final: true, Text: text})
	if r == nil || r.tripped || len(agent.OutputGuardrails) == 0 {
		return
	}
	s.trackTextItem(r, itemID)
	if checked, check := s.deb.Final(itemID, text); check {
		s.checkOutput(r, agent, itemID, checked)
	}
}
