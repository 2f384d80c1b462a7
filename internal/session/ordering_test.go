package session

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// checkOrdering asserts the ordering guarantees of R12.2 on a complete event stream.
// rawBefore maps a raw event type to the session event type derived from it (#1).
func checkOrdering(t *testing.T, evs []Event) {
	t.Helper()
	fail := func(i int, format string, args ...any) {
		t.Helper()
		t.Errorf("event %d (%s): %s", i, evs[i].EventType(), fmt.Sprintf(format, args...))
	}
	ready := false
	started := map[string]bool{}     // response → agent_start seen
	ended := map[string]bool{}       // response → agent_end seen
	usage := map[string]bool{}       // response → usage seen
	added := map[string]bool{}       // history ids added
	interrupted := map[string]bool{} // items
	droppedResp := map[string]bool{}
	lastAudio := map[string]int{}
	audioEnded := map[string]bool{}
	toolStart := map[string]bool{}
	toolEnd := map[string]bool{}
	approval := map[string]bool{}
	handedTo := ""                   // agent of the last handoff whose first response has not started
	pendingTrip := map[string]bool{} // responses tripped, awaiting audio_interrupted
	closed := 0
	for i, ev := range evs {
		if closed > 0 {
			fail(i, "event after closed (#9)")
		}
		switch e := ev.(type) {
		case SessionReady:
			ready = true
		case AgentStart:
			if !ready {
				fail(i, "response event before session_ready (#10)")
			}
			if handedTo != "" && e.Agent != handedTo {
				fail(i, "first response after the handoff to %s names %s (#6)", handedTo, e.Agent)
			}
			handedTo = ""
			started[e.ResponseID] = true
		case Handoff:
			if !e.Manual {
				handedTo = e.ToAgent
			}
		case AudioStarted:
			if !started[e.ResponseID] || ended[e.ResponseID] {
				fail(i, "audio of %s outside agent_start..agent_end (#2)", e.ResponseID)
			}
			if interrupted[e.ItemID] || droppedResp[e.ResponseID] {
				fail(i, "audio of interrupted item %s / dropped response %s (#4)", e.ItemID, e.ResponseID)
			}
			if audioEnded[e.ItemID] {
				fail(i, "audio after audio_end of %s (#8)", e.ItemID)
			}
			lastAudio[e.ItemID] = i
		case AudioEnd:
			audioEnded[e.ItemID] = true
		case Transcript:
			if e.Role == "assistant" && (!started[e.ResponseID] || ended[e.ResponseID]) {
				fail(i, "transcript of %s outside agent_start..agent_end (#2)", e.ResponseID)
			}
		case AudioInterrupted:
			interrupted[e.ItemID] = true
			if !ended[e.ResponseID] {
				droppedResp[e.ResponseID] = true
			}
			if e.Reason == ReasonGuardrail {
				if !pendingTrip[e.ResponseID] && !anyTrue(pendingTrip) {
					fail(i, "audio_interrupted(guardrail) without a preceding guardrail_tripped (#5)")
				}
			}
		case GuardrailTripped:
			if e.Kind == GuardrailOutput {
				pendingTrip[e.ResponseID] = true
			} else {
				pendingTrip["input"] = true
			}
		case UsageEvent:
			if !started[e.ResponseID] || ended[e.ResponseID] {
				fail(i, "usage of %s outside agent_start..agent_end (#2)", e.ResponseID)
			}
			usage[e.ResponseID] = true
		case AgentEnd:
			ended[e.ResponseID] = true
			delete(droppedResp, e.ResponseID)
		case ToolApprovalRequired:
			approval[e.CallID] = true
		case ToolStart:
			if toolStart[e.CallID] {
				fail(i, "tool_start twice for %s", e.CallID)
			}
			toolStart[e.CallID] = true
		case ToolEnd:
			if toolEnd[e.CallID] {
				fail(i, "tool_end twice for %s (#7)", e.CallID)
			}
			toolEnd[e.CallID] = true
		case HistoryAdded:
			added[e.Item.ID] = true
		case HistoryUpdated:
			if e.Item != nil && !added[e.Item.ID] {
				fail(i, "history_updated for %s before history_added (#3)", e.Item.ID)
			}
		case Closed:
			closed++
		}
	}
	// #7: approval < start < end, checked by position.
	for id := range toolStart {
		is := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolStart); return ok && v.CallID == id })
		ie := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolEnd); return ok && v.CallID == id })
		if ie >= 0 && ie < is {
			t.Errorf("tool_end(%s) before tool_start (#7)", id)
		}
		if approval[id] {
			ia := indexOfEvent(evs, func(e Event) bool { v, ok := e.(ToolApprovalRequired); return ok && v.CallID == id })
			if ia > is {
				t.Errorf("tool_approval_required(%s) after tool_start (#7)", id)
			}
		}
	}
	if len(evs) == 0 || closed != 1 {
		t.Errorf("%d closed events, want exactly one, last (#9)", closed)
	} else if _, ok := evs[len(evs)-1].(Closed); !ok {
		t.Errorf("last event is %s, not closed (#9)", evs[len(evs)-1].EventType())
	}
}

func anyTrue(m map[string]bool) bool {
	for _, v := range m {
		if v {
			return true
		}
	}
	return false
}

// TestOrderingLongSession_R12_2 runs a long scripted session through every feature and
// checks the R12.2 ordering guarantees on the whole stream, plus #1 (raw before the
// events derived from the same frame).
func TestOrderingLongSession_R12_2(t *testing.T) {
	lookup := newTool("lookup")
	refund := newTool("refund")
	refund.def.NeedsApproval = true
	g := &testGuardrail{name: "no_secret", trip: containsWord("secret")}
	agents := []*Agent{
		{Name: "Triage", Tools: []tools.Tool{lookup}, Handoffs: []HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Tools: []tools.Tool{refund}, OutputGuardrails: []guardrail.Guardrail{g}},
	}
	h := start(t, Config{Agents: agents, RawEvents: true}, nil)
	m := h.m
	usage := &realtime.Usage{TotalTokens: 3, InputTokens: 1, OutputTokens: 2}
	speak := func(resp, item string, words ...string) {
		m.emit(assistantItem(resp, item)...)
		for _, w := range words {
			m.emit(audio(resp, item, 960), tdelta(resp, item, w+" "))
		}
		m.emit(realtime.AudioDone{ResponseID: resp, ItemID: item},
			realtime.TranscriptDone{ResponseID: resp, ItemID: item, Transcript: strings.Join(words, " ")},
			realtime.OutputItemDone{ResponseID: resp, Item: realtime.Item{ID: item, Type: realtime.ItemMessage, Role: "assistant", Status: "completed"}})
	}

	// 1. Text turn, with a raw copy before the typed event.
	_ = h.s.SendText("hello")
	m.emit(realtime.Raw{Direction: "in", Type: "conversation.item.added"},
		realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: "u1", Type: realtime.ItemMessage, Role: "user", Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "hello"}}}},
		realtime.Raw{Direction: "in", Type: "response.created"}, created("r1"))
	speak("r1", "m1", "hi", "there")
	m.emit(realtime.ResponseDone{ResponseID: "r1", Status: "completed", Usage: usage})

	// 2. Tool call with a spoken preamble; follow-up response.
	m.emit(created("r2"))
	speak("r2", "m2", "one", "moment")
	m.emit(toolCall("r2", "fc2", "c2", "lookup", `{"id":"A-1"}`)...)
	m.emit(realtime.ResponseDone{ResponseID: "r2", Status: "completed", Usage: usage})
	waitEvent[ToolEnd](t, h.rec, nil)
	m.emit(created("r3"))
	speak("r3", "m3", "lookup", "ok")
	m.emit(realtime.ResponseDone{ResponseID: "r3", Status: "completed", Usage: usage})

	// 3. Handoff to Billing, whose first response follows.
	m.emit(created("r4"))
	m.emit(toolCall("r4", "fc4", "c4", "transfer_to_billing", "{}")...)
	m.emit(realtime.ResponseDone{ResponseID: "r4", Status: "completed", Usage: usage})
	m.emit(created("r5"))
	speak("r5", "m5", "billing", "here")

	// 4. Barge-in while m5 plays: late deltas are dropped.
	h.sink.play("r5", "m5", 0, 480)
	m.emit(realtime.SpeechStarted{ItemID: "u6"})
	waitEvent[AudioInterrupted](t, h.rec, nil)
	m.emit(audio("r5", "m5", 960), realtime.ResponseDone{ResponseID: "r5", Status: "cancelled", StatusReason: "turn_detected", Usage: &realtime.Usage{}})
	m.emit(realtime.ItemTruncated{ItemID: "m5", AudioEndMS: 10})
	m.emit(realtime.ItemEvent{Kind: realtime.ItemRetrieved, Item: realtime.Item{ID: "m5", Type: realtime.ItemMessage, Role: "assistant", Status: "incomplete", Content: []realtime.Content{{Type: realtime.ContentAudio, Transcript: "bill"}}}})
	m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("u6")}, realtime.InputTranscriptCompleted{ItemID: "u6", Transcript: "refund please"})

	// 5. Approval-gated tool.
	m.emit(created("r6"))
	m.emit(toolCall("r6", "fc6", "c6", "refund", "{}")...)
	m.emit(realtime.ResponseDone{ResponseID: "r6", Status: "completed", Usage: usage})
	waitEvent[ToolApprovalRequired](t, h.rec, nil)
	h.s.Approve("c6", false)
	waitEvent(t, h.rec, func(e ToolEnd) bool { return e.CallID == "c6" })

	// 6. Output guardrail trip while audio plays.
	m.emit(created("r7"))
	m.emit(assistantItem("r7", "m7")...)
	m.emit(audio("r7", "m7", 9600))
	waitEvent(t, h.rec, func(a AudioStarted) bool { return a.ResponseID == "r7" })
	h.sink.play("r7", "m7", 0, 960)
	m.emit(tdelta("r7", "m7", "the secret code is "+strings.Repeat("z", 100)))
	waitEvent[GuardrailTripped](t, h.rec, nil)
	m.emit(audio("r7", "m7", 960), tdelta("r7", "m7", "more"), realtime.ResponseDone{ResponseID: "r7", Status: "cancelled", Usage: usage})
	m.emit(realtime.Error{Source: "server", Code: "x", Message: "non-fatal"})
	m.emit(created("r8"))
	speak("r8", "m8", "sorry")
	m.emit(realtime.ResponseDone{ResponseID: "r8", Status: "completed", Usage: usage})
	waitEvent(t, h.rec, func(e AgentEnd) bool { return e.ResponseID == "r8" })

	_ = h.s.Close()
	<-h.rec.Done()
	evs := h.rec.events()
	checkOrdering(t, evs)

	// #1: raw precedes the events derived from its frame.
	ir := indexOfEvent(evs, func(e Event) bool { v, ok := e.(RawEvent); return ok && v.Type == "response.created" })
	is := indexOfEvent(evs, func(e Event) bool { v, ok := e.(AgentStart); return ok && v.ResponseID == "r1" })
	if ir < 0 || ir > is {
		t.Errorf("raw response.created at %d, agent_start at %d", ir, is)
	}
	// The scenario really exercised what the guarantees talk about.
	for _, typ := range []string{"audio_interrupted", "guardrail_tripped", "handoff", "tool_approval_required", "usage", "audio_end", "history_updated", "error"} {
		if indexOfEvent(evs, func(e Event) bool { return e.EventType() == typ }) < 0 {
			t.Errorf("scenario produced no %s", typ)
		}
	}
	if n := len(eventsOf[AudioInterrupted](evs)); n != 2 {
		t.Errorf("%d audio_interrupted, want 2", n)
	}
}
