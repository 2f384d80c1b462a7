package session

import (
	"context"
	"strings"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// guardrailMessage is the corrective user message after a trip (R10.4 step 4).
func guardrailMessage(names []string) string {
	return "guardrail triggered: " + strings.Join(names, ", ")
}

// runChecks runs every guardrail on text and returns the names of those that tripped.
// A guardrail that errors is logged and counts as not tripped (R10.3).
func (s *Session) runChecks(ctx context.Context, gs []guardrail.Guardrail, text string) []string {
	var tripped []string
	for _, g := range gs {
		if ctx.Err() != nil {
			return nil
		}
		hit, reason, err := g.Check(ctx, text)
		if err != nil {
			s.log.Warn("guardrail failed", "guardrail", g.Name(), "err", err)
			continue
		}
		if hit {
			s.log.Info("guardrail tripped", "guardrail", g.Name(), "reason", reason)
			tripped = append(tripped, g.Name())
		}
	}
	return tripped
}

// onTranscriptDelta forwards an assistant transcript/text delta and feeds the output
// guardrails (R10.1, R10.2).
func (s *Session) onTranscriptDelta(e realtime.TranscriptDelta) {
	r := s.lookupResponse(e.ResponseID)
	if r != nil && r.textDropped {
		return // R7.10 for a guardrail trip
	}
	k := audioKey{e.ItemID, e.ContentIndex}
	s.acc[k] += e.Delta
	agent := s.attributedAgent(e.ResponseID)
	s.emit(Transcript{Role: "assistant", Agent: agent.Name, ItemID: e.ItemID, ResponseID: e.ResponseID, Delta: e.Delta})
	if r == nil || r.tripped || len(agent.OutputGuardrails) == 0 {
		return
	}
	if text, check := s.deb.Add(e.ItemID, e.Delta); check {
		s.checkOutput(r, agent, e.ItemID, text)
	} else {
		s.trackTextItem(r, e.ItemID)
	}
}

// onTranscriptDone sets the authoritative transcript and runs the final check.
func (s *Session) onTranscriptDone(e realtime.TranscriptDone) {
	delete(s.acc, audioKey{e.ItemID, e.ContentIndex})
	s.setAssistantText(e.ItemID, e.ContentIndex, e.Transcript, e.Text, s.attributedAgent(e.ResponseID).Name)
	r := s.lookupResponse(e.ResponseID)
	if r != nil && r.textDropped {
		return
	}
	agent := s.attributedAgent(e.ResponseID)
	s.emit(Transcript{Role: "assistant", Agent: agent.Name, ItemID: e.ItemID, ResponseID: e.ResponseID, Final: true, Text: e.Transcript})
	if r == nil || r.tripped || len(agent.OutputGuardrails) == 0 {
		return
	}
	s.trackTextItem(r, e.ItemID)
	if text, check := s.deb.Final(e.ItemID, e.Transcript); check {
		s.checkOutput(r, agent, e.ItemID, text)
	}
}

func (s *Session) trackTextItem(r *response, itemID string) {
	if r.textItems == nil {
		r.textItems = map[string]bool{}
	}
	r.textItems[itemID] = true
}

// checkOutput runs the output guardrails of the response's agent asynchronously.
func (s *Session) checkOutput(r *response, agent *Agent, itemID, text string) {
	s.trackTextItem(r, itemID)
	r.pendingChecks++
	gs := agent.OutputGuardrails
	s.goWorker(func() {
		names := s.runChecks(s.ctx, gs, text)
		s.post(func() {
			r.pendingChecks--
			if len(names) > 0 {
				s.tripOutput(r, itemID, text, names)
			}
			if r.done {
				s.resetGuardrailState(r)
			}
		})
	})
}

// resetGuardrailState clears R's accumulators once its checks finished (R10.6).
func (s *Session) resetGuardrailState(r *response) {
	if r.pendingChecks > 0 {
		return
	}
	for item := range r.textItems {
		s.deb.Reset(item)
	}
	r.textItems = nil
}

// tripOutput handles an output guardrail trip (R10.4, R10.5), at most once per response.
func (s *Session) tripOutput(r *response, itemID, text string, names []string) {
	if r.tripped {
		return
	}
	r.tripped = true
	ev := GuardrailTripped{Kind: GuardrailOutput, Agent: r.agent.Name, ResponseID: r.id, ItemID: itemID, Guardrails: names, Message: text}
	if r.done && s.newerThan(r) {
		// R10.5 stale trip: flush R's still-buffered audio only; no cancel, no message.
		s.emit(ev)
		if st := s.sink.State(); st.Active && st.ResponseID == r.id {
			s.interrupt(ReasonGuardrail, interruptOpts{noCancel: true})
		}
		return
	}
	// R10.4 step 1: mark dropped (text too: stop forwarding its transcript).
	if !r.done {
		r.audioDropped, r.textDropped = true, true
	}
	s.emit(ev) // step 2, before the audio_interrupted it causes (R12.2 #5)
	// Step 3: interrupt with a forced cancel; in text mode this is a cancel alone.
	s.interrupt(ReasonGuardrail, interruptOpts{forceCancel: true})
	// Step 4: corrective message and trigger. If R already finished (typical in fast
	// text mode, where the whole answer arrives before the check returns) and nothing
	// newer started, the offending answer is already in the conversation: the
	// corrective message is then the only way to make the model take it back, so it
	// is sent as well.
	if s.newerThan(r) {
		return
	}
	s.send(realtime.SendUserText{Text: guardrailMessage(names), Respond: true})
}

// typedText is a user text waiting for its input guardrail check.
type typedText struct {
	text    string
	checked bool
	tripped []string
}

// sendText sends typed text, after the input guardrails when the agent has any
// (R10.7). Texts keep their order: a later text waits for earlier checks.
//
// On a trip the text is not sent to the model at all and no refusal note is added:
// the model never sees the blocked input, and the consumer learns about it from
// guardrail_tripped{kind:"input"}.
func (s *Session) sendText(text string) {
	s.q.turns++
	gs := s.active.InputGuardrails
	if len(gs) == 0 && len(s.textQueue) == 0 {
		s.send(realtime.SendUserText{Text: text, Respond: true})
		return
	}
	t := &typedText{text: text}
	s.textQueue = append(s.textQueue, t)
	s.goWorker(func() {
		names := s.runChecks(s.ctx, gs, text)
		s.post(func() {
			t.checked, t.tripped = true, names
			s.flushTexts()
		})
	})
}

func (s *Session) flushTexts() {
	for len(s.textQueue) > 0 && s.textQueue[0].checked {
		t := s.textQueue[0]
		s.textQueue = s.textQueue[1:]
		if len(t.tripped) > 0 {
			s.emit(GuardrailTripped{Kind: GuardrailInput, Agent: s.active.Name, Guardrails: t.tripped, Message: t.text})
			continue
		}
		s.send(realtime.SendUserText{Text: t.text, Respond: true})
	}
}

// onInputTranscript sets the user transcript (R11.4), counts transcription usage
// (R13.3) and runs the input guardrails (R10.7).
func (s *Session) onInputTranscript(e realtime.InputTranscriptCompleted) {
	if e.Usage != nil {
		s.addTranscriptionUsage(*e.Usage)
	}
	s.setUserTranscript(e.ItemID, e.ContentIndex, e.Transcript, "completed")
	s.emit(Transcript{Role: "user", ItemID: e.ItemID, Final: true, Text: e.Transcript})
	gs := s.active.InputGuardrails
	if len(gs) == 0 {
		if s.strict {
			s.send(realtime.CreateResponse{})
		}
		return
	}
	agent := s.active.Name
	itemID, text := e.ItemID, e.Transcript
	s.goWorker(func() {
		names := s.runChecks(s.ctx, gs, text)
		s.post(func() { s.onInputChecked(agent, itemID, text, names) })
	})
}

func (s *Session) onInputChecked(agent, itemID, text string, names []string) {
	if len(names) == 0 {
		if s.strict {
			s.send(realtime.CreateResponse{}) // the transcript passed: answer it now
		}
		return
	}
	s.emit(GuardrailTripped{Kind: GuardrailInput, Agent: agent, ItemID: itemID, Guardrails: names, Message: text})
	if s.strict {
		return // no response was created for this turn; skip it
	}
	// best_effort: the server probably started answering already.
	s.interrupt(ReasonGuardrail, interruptOpts{forceCancel: true})
	s.send(realtime.SendUserText{Text: guardrailMessage(names), Respond: true})
}

func (s *Session) onInputTranscriptFailed(e realtime.InputTranscriptFailed) {
	s.setUserTranscript(e.ItemID, e.ContentIndex, "", "failed")
	s.emit(Error{Source: SourceServer, Code: "input_transcription_failed", Message: "input transcription failed: " + e.Message})
}
