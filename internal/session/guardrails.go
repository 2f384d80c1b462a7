package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// guardrailMessage is the corrective message after a trip (R10.4 step 4). It goes to
// the model as a user message, as the reference SDKs send it, but it is a system
// action: the engine reports it as GuardrailCorrection and shows its conversation
// item as a system item, never as a user turn.
func guardrailMessage(names []string) string {
	return "guardrail triggered: " + strings.Join(names, ", ")
}

// withheldMarker replaces blocked text wherever the engine would show it.
func withheldMarker(names []string) string {
	return "[withheld by guardrail " + strings.Join(names, ", ") + "]"
}

// maxConsecutiveTrips bounds the corrective loop (issue 9 #4): a guardrail that
// trips on the model's answer to its own correction would otherwise re-prompt
// forever, each round a billed response. After this many consecutive output trips
// on one response chain (no passing answer and no new user turn in between) the
// engine stops sending corrective messages, tells the user (GuardrailCorrection with
// Sent false) and leaves the session usable: the next user turn starts a new chain.
const maxConsecutiveTrips = 2

// guardChain tracks corrective messages and the consecutive trips of a chain.
type guardChain struct {
	streak  int             // consecutive output trips on the current chain
	pending map[string]int  // corrective texts sent, not yet seen as items
	items   map[string]bool // item ids of corrective messages
}

// resetChain starts a new chain: a user turn or an answer that passed its checks.
func (s *Session) resetChain() { s.guard.streak = 0 }

// sendCorrection sends the corrective message and remembers it so that its
// conversation item is shown as a system item.
func (s *Session) sendCorrection(text string) {
	if s.guard.pending == nil {
		s.guard.pending = map[string]int{}
	}
	s.guard.pending[text]++
	s.send(realtime.SendUserText{Text: text, Respond: true})
}

// systemView rewrites a corrective message item as a system item (issue 9 #5).
func (s *Session) systemView(it *realtime.Item) {
	if it.Type != realtime.ItemMessage || it.Role != "user" || it.ID == "" {
		return
	}
	if !s.guard.items[it.ID] {
		text := ""
		for _, c := range it.Content {
			if c.Type == realtime.ContentInputText {
				text += c.Text
			}
		}
		if s.guard.pending[text] == 0 {
			return
		}
		if s.guard.pending[text]--; s.guard.pending[text] == 0 {
			delete(s.guard.pending, text)
		}
		if s.guard.items == nil {
			s.guard.items = map[string]bool{}
		}
		s.guard.items[it.ID] = true
	}
	it.Role = "system"
}

// runChecks runs every guardrail on text and returns the names of those that
// tripped and their reasons. A guardrail that errors is logged and counts as not
// tripped (R10.3).
func (s *Session) runChecks(ctx context.Context, gs []guardrail.Guardrail, text string) (tripped []string, reason string) {
	var reasons []string
	for _, g := range gs {
		if ctx.Err() != nil {
			return nil, ""
		}
		hit, why, err := g.Check(ctx, text)
		if err != nil {
			s.log.Warn("guardrail failed", "guardrail", g.Name(), "err", err)
			continue
		}
		if hit {
			s.log.Info("guardrail tripped", "guardrail", g.Name(), "reason", why)
			tripped = append(tripped, g.Name())
			if why != "" {
				reasons = append(reasons, g.Name()+": "+why)
			}
		}
	}
	return tripped, strings.Join(reasons, "; ")
}

// onTranscriptDelta forwards an assistant transcript/text delta and feeds the output
// guardrails (R10.1, R10.2).
func (s *Session) onTranscriptDelta(e realtime.TranscriptDelta) {
	r := s.lookupResponse(e.ResponseID)
	if r != nil && r.textDropped {
		return // R7.10 for a guardrail trip
	}
	k := audioKey{e.ItemID, e.ContentIndex}
	s.finals.noteItem(e.ItemID, e.ResponseID)
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
	text := e.Transcript
	if text == "" {
		text = s.acc[audioKey{e.ItemID, e.ContentIndex}]
	}
	s.finalText(e.ResponseID, e.ItemID, e.ContentIndex, text, e.Text)
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
		names, reason := s.runChecks(s.ctx, gs, text)
		s.post(func() {
			r.pendingChecks--
			if len(names) > 0 {
				s.tripOutput(r, itemID, text, names, reason)
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
	if !r.tripped && len(r.textItems) > 0 {
		s.resetChain() // this answer passed: the next trip starts a new chain
	}
	for item := range r.textItems {
		s.deb.Reset(item)
	}
	r.textItems = nil
}

// tripOutput handles an output guardrail trip (R10.4, R10.5), at most once per response.
// The blocked text is never shown again: the event and the history carry a marker
// naming the guardrail instead (issue 9 #5).
func (s *Session) tripOutput(r *response, itemID, text string, names []string, reason string) {
	if r.tripped {
		return
	}
	r.tripped = true
	marker := withheldMarker(names)
	ev := GuardrailTripped{Kind: GuardrailOutput, Agent: r.agent.Name, ResponseID: r.id, ItemID: itemID, Guardrails: names,
		Message: marker, Reason: reason, CheckedChars: len([]rune(text))}
	s.withhold(itemID, marker)
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
	s.correct(r.agent.Name, r.id, names, reason)
}

// correct sends the corrective message unless the chain reached
// maxConsecutiveTrips, and reports the system action either way.
func (s *Session) correct(agent, respID string, names []string, reason string) {
	s.guard.streak++
	ev := GuardrailCorrection{Agent: agent, ResponseID: respID, Guardrails: names, Reason: reason}
	if s.guard.streak >= maxConsecutiveTrips {
		ev.Notice = fmt.Sprintf("guardrail %s tripped %d times in a row; not asking the model again: the answer was withheld",
			strings.Join(names, ", "), s.guard.streak)
		s.emit(ev)
		return
	}
	ev.Text, ev.Sent = guardrailMessage(names), true
	ev.Notice = "answer withheld by guardrail " + strings.Join(names, ", ") + "; asked the model to answer again"
	s.sendCorrection(ev.Text) // sent before it is reported: a consumer that sees Sent finds the command sent
	s.emit(ev)
}

// typedText is a user text waiting for its input guardrail check.
type typedText struct {
	text    string
	images  []realtime.Content // input_image parts sent with the text
	checked bool
	tripped []string
}

// sendText sends typed text, after the input guardrails when the agent has any
// (R10.7). Texts keep their order: a later text waits for earlier checks.
//
// On a trip the text is not sent to the model at all and no refusal note is added:
// the model never sees the blocked input, and the consumer learns about it from
// guardrail_tripped{kind:"input"}.
func (s *Session) sendText(text string) { s.sendMessage(text, nil) }

// sendMessage is sendText with images (image.go); the guardrails check the text.
func (s *Session) sendMessage(text string, images []realtime.Content) {
	s.q.turns++
	s.resetChain()
	gs := s.active.InputGuardrails
	unchecked := len(gs) == 0 || text == "" // nothing for the guardrails to read
	if unchecked && len(s.textQueue) == 0 {
		s.sendUserMessage(text, images)
		return
	}
	t := &typedText{text: text, images: images}
	s.textQueue = append(s.textQueue, t)
	if unchecked { // keeps its place behind earlier checks
		t.checked = true
		return
	}
	s.goWorker(func() {
		names, _ := s.runChecks(s.ctx, gs, text)
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
			s.emit(GuardrailTripped{Kind: GuardrailInput, Agent: s.active.Name, Guardrails: t.tripped,
				Message: withheldMarker(t.tripped), CheckedChars: len([]rune(t.text))})
			continue
		}
		s.sendUserMessage(t.text, t.images)
	}
}

// onInputTranscript sets the user transcript (R11.4), counts transcription usage
// (R13.3) and runs the input guardrails (R10.7).
func (s *Session) onInputTranscript(e realtime.InputTranscriptCompleted) {
	if e.Usage != nil {
		s.addTranscriptionUsage(*e.Usage)
	}
	s.resetChain() // a new user turn starts a new guardrail chain
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
		names, reason := s.runChecks(s.ctx, gs, text)
		s.post(func() { s.onInputChecked(agent, itemID, text, names, reason) })
	})
}

func (s *Session) onInputChecked(agent, itemID, text string, names []string, reason string) {
	if len(names) == 0 {
		if s.strict {
			s.send(realtime.CreateResponse{}) // the transcript passed: answer it now
		}
		return
	}
	marker := withheldMarker(names)
	s.emit(GuardrailTripped{Kind: GuardrailInput, Agent: agent, ItemID: itemID, Guardrails: names, Message: marker, Reason: reason,
		CheckedChars: len([]rune(text))})
	s.withhold(itemID, marker)
	if s.strict {
		return // no response was created for this turn; skip it
	}
	// best_effort: the server probably started answering already.
	s.interrupt(ReasonGuardrail, interruptOpts{forceCancel: true})
	s.correct(agent, "", names, reason)
}

func (s *Session) onInputTranscriptFailed(e realtime.InputTranscriptFailed) {
	s.setUserTranscript(e.ItemID, e.ContentIndex, "", "failed")
	s.emit(Error{Source: SourceServer, Code: "input_transcription_failed", Message: "input transcription failed: " + e.Message})
}
