package session

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// answer scripts one complete text answer of response resp in item item.
func answer(resp, item, text string) []realtime.Event {
	it := realtime.Item{ID: item, Type: realtime.ItemMessage, Role: "assistant", Status: "in_progress", Content: []realtime.Content{{Type: realtime.ContentText}}}
	return []realtime.Event{
		created(resp),
		realtime.OutputItemAdded{ResponseID: resp, Item: it},
		realtime.ItemEvent{Kind: realtime.ItemAdded, Item: it},
		realtime.TranscriptDelta{ResponseID: resp, ItemID: item, Delta: text},
		realtime.TranscriptDone{ResponseID: resp, ItemID: item, Transcript: text, Text: true},
		done(resp, "completed"),
	}
}

// echoUserText is the server's conversation.item.added for a sent text message.
func echoUserText(id, text string) realtime.Event {
	return realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: id, Type: realtime.ItemMessage, Role: "user", Status: "completed",
		Content: []realtime.Content{{Type: realtime.ContentInputText, Text: text}}}}
}

// Issue 9 #4: a guardrail that trips on the answer to its own correction does not
// loop: after maxConsecutiveTrips trips the engine stops re-prompting, tells the user,
// and the next user turn starts a new chain.
func TestGuardrailCorrectionLoopIsBounded(t *testing.T) {
	g := &testGuardrail{name: "no_discount", trip: containsWord("discount")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	corrections := func() int {
		n := 0
		for _, c := range cmdsOf[realtime.SendUserText](h.m.commands()) {
			if strings.HasPrefix(c.Text, "guardrail triggered:") {
				n++
			}
		}
		return n
	}
	h.m.emit(answer("r1", "m1", "a discount for you")...)
	c1 := waitEvent[GuardrailCorrection](t, h.rec, nil)
	if !c1.Sent || c1.Text != "guardrail triggered: no_discount" || c1.Reason != "no_discount: test" || corrections() != 1 {
		t.Fatalf("first trip: correction %+v, %d corrective messages", c1, corrections())
	}
	// The model answers the correction with the same offence.
	h.m.emit(echoUserText("c1", c1.Text))
	h.m.emit(answer("r2", "m2", "still a discount")...)
	c2 := waitEventN[GuardrailCorrection](t, h.rec, 2, nil)
	if c2.Sent || c2.Text != "" || !strings.Contains(c2.Notice, "not asking the model again") {
		t.Errorf("second consecutive trip: %+v, want no corrective message and a notice", c2)
	}
	h.sync()
	if n := corrections(); n != 1 {
		t.Fatalf("%d corrective messages after two consecutive trips, want 1", n)
	}
	// The session stays usable: a new user turn starts a new chain.
	if err := h.s.SendText("something else"); err != nil {
		t.Fatal(err)
	}
	h.m.emit(answer("r3", "m3", "discount again")...)
	c3 := waitEventN[GuardrailCorrection](t, h.rec, 3, nil)
	if !c3.Sent || corrections() != 2 {
		t.Errorf("after a user turn: %+v, %d corrective messages, want a new correction", c3, corrections())
	}
}

// A passing answer between two trips ends the chain: both trips are corrected.
func TestGuardrailChainResetsOnPassingAnswer(t *testing.T) {
	g := &testGuardrail{name: "no_discount", trip: containsWord("discount")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(answer("r1", "m1", "a discount")...)
	waitEvent[GuardrailCorrection](t, h.rec, nil)
	h.m.emit(answer("r2", "m2", "sorry, no deals")...)
	g.waitChecks(t, 2)
	h.sync()
	h.m.emit(answer("r3", "m3", "discount!")...)
	c := waitEventN[GuardrailCorrection](t, h.rec, 2, nil)
	if !c.Sent {
		t.Errorf("a trip after a passing answer was not corrected: %+v", c)
	}
}

// Issue 9 #5: the corrective message is a system action, never a user turn; the
// blocked text is replaced by a marker naming the guardrail; the reason is carried.
func TestGuardrailCorrectionIsSystemAction(t *testing.T) {
	g := &testGuardrail{name: "no_card", trip: containsWord("4111")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(answer("r1", "m1", "your card is 4111 1111 1111 1111")...)
	trip := waitEvent[GuardrailTripped](t, h.rec, nil)
	if strings.Contains(trip.Message, "4111") || trip.Message != "[withheld by guardrail no_card]" || trip.Reason != "no_card: test" {
		t.Errorf("guardrail_tripped = %+v: want a marker and the reason, never the blocked text", trip)
	}
	corr := waitEvent[GuardrailCorrection](t, h.rec, nil)
	h.m.emit(echoUserText("c1", corr.Text))
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemDone, Item: realtime.Item{ID: "c1", Type: realtime.ItemMessage, Role: "user", Status: "completed",
		Content: []realtime.Content{{Type: realtime.ContentInputText, Text: corr.Text}}}})
	h.sync()
	for _, tr := range eventsOf[Transcript](h.rec.events()) {
		if tr.Role == "user" {
			t.Errorf("corrective message shown as a user turn: %+v", tr)
		}
	}
	hist := h.s.History()
	var sys, asst *HistoryItem
	for i := range hist {
		switch hist[i].ID {
		case "c1":
			sys = &hist[i]
		case "m1":
			asst = &hist[i]
		}
	}
	if sys == nil || sys.Kind != KindSystem {
		t.Errorf("corrective item in history = %+v, want kind system", sys)
	}
	if asst == nil || strings.Contains(asst.Text(), "4111") || asst.Text() != "[withheld by guardrail no_card]" {
		t.Errorf("blocked item in history = %+v, want the marker", asst)
	}
	// A real user text with the same words is still a user turn.
	if err := h.s.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	h.m.emit(echoUserText("u1", "hello"))
	waitEvent(t, h.rec, func(e Transcript) bool { return e.Role == "user" && e.ItemID == "u1" })
}
