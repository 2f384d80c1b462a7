package session

import (
	"context"

	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// Issue 9 #1: every assistant text part gets exactly one final transcript, however
// its text arrives, and the output guardrails get their final check then.
func TestFinalTranscriptWithoutDoneEvent(t *testing.T) {
	msg := func(status string, c realtime.Content) realtime.Item {
		return realtime.Item{ID: "m1", Type: realtime.ItemMessage, Role: "assistant", Status: status, Content: []realtime.Content{c}}
	}
	cases := []struct {
		name   string
		deltas []string
		events func() []realtime.Event
		want   string
	}{
		{"output_item.done audio transcript", nil, func() []realtime.Event {
			return []realtime.Event{realtime.OutputItemDone{ResponseID: "r1", Item: msg("completed", realtime.Content{Type: realtime.ContentAudio, Transcript: "Claro, dime"})}}
		}, "Claro, dime"},
		{"output_item.done text", nil, func() []realtime.Event {
			return []realtime.Event{realtime.OutputItemDone{ResponseID: "r1", Item: msg("completed", realtime.Content{Type: realtime.ContentText, Text: "commentary"})}}
		}, "commentary"},
		{"conversation.item.done only", nil, func() []realtime.Event {
			return []realtime.Event{realtime.ItemEvent{Kind: realtime.ItemDone, Item: msg("completed", realtime.Content{Type: realtime.ContentAudio, Transcript: "from item"})}}
		}, "from item"},
		{"both item.done events", nil, func() []realtime.Event {
			it := msg("completed", realtime.Content{Type: realtime.ContentText, Text: "twice"})
			return []realtime.Event{realtime.OutputItemDone{ResponseID: "r1", Item: it}, realtime.ItemEvent{Kind: realtime.ItemDone, Item: it}}
		}, "twice"},
		{"deltas then null transcript", []string{"Hel", "lo"}, func() []realtime.Event {
			return []realtime.Event{realtime.OutputItemDone{ResponseID: "r1", Item: msg("completed", realtime.Content{Type: realtime.ContentAudio})}}
		}, "Hello"},
		{"done item without status", nil, func() []realtime.Event {
			return []realtime.Event{realtime.OutputItemDone{ResponseID: "r1", Item: msg("", realtime.Content{Type: realtime.ContentAudio, Transcript: "no status"})}}
		}, "no status"},
		{"transcript.done then item.done", nil, func() []realtime.Event {
			return []realtime.Event{
				realtime.TranscriptDone{ResponseID: "r1", ItemID: "m1", Transcript: "once"},
				realtime.OutputItemDone{ResponseID: "r1", Item: msg("completed", realtime.Content{Type: realtime.ContentAudio, Transcript: "once"})},
				realtime.ItemEvent{Kind: realtime.ItemDone, Item: msg("completed", realtime.Content{Type: realtime.ContentAudio, Transcript: "once"})},
			}
		}, "once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &testGuardrail{name: "never", trip: func(string) bool { return false }}
			h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
			h.m.emit(created("r1"))
			h.m.emit(assistantItem("r1", "m1")...)
			for _, d := range tc.deltas {
				h.m.emit(tdelta("r1", "m1", d))
			}
			h.m.emit(tc.events()...)
			h.m.emit(done("r1", "completed"))
			waitEvent(t, h.rec, func(e AgentEnd) bool { return e.ResponseID == "r1" })
			checks := g.waitChecks(t, 1)
			h.sync()
			var finals []Transcript
			for _, tr := range eventsOf[Transcript](h.rec.events()) {
				if tr.Final && tr.Role == "assistant" {
					finals = append(finals, tr)
				}
			}
			if len(finals) != 1 || finals[0].Text != tc.want || finals[0].ItemID != "m1" || finals[0].ResponseID != "r1" || finals[0].Agent != "A" {
				t.Fatalf("final transcripts %+v, want one %q", finals, tc.want)
			}
			if checks[len(checks)-1] != tc.want {
				t.Errorf("final guardrail check on %q, want %q", checks[len(checks)-1], tc.want)
			}
			if got := h.s.History()[0].Text(); got != tc.want {
				t.Errorf("history text %q, want %q", got, tc.want)
			}
		})
	}
}

// An incomplete (cancelled) item does not produce a final transcript from item.done.
func TestNoFinalTranscriptForIncompleteItem(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(tdelta("r1", "m1", "cut"))
	h.m.emit(realtime.OutputItemDone{ResponseID: "r1", Item: realtime.Item{ID: "m1", Type: realtime.ItemMessage, Role: "assistant", Status: "incomplete", Content: []realtime.Content{{Type: realtime.ContentAudio}}}})
	h.m.emit(done("r1", "cancelled"))
	waitEvent(t, h.rec, func(e AgentEnd) bool { return e.ResponseID == "r1" })
	for _, tr := range eventsOf[Transcript](h.rec.events()) {
		if tr.Final && tr.Role == "assistant" {
			t.Errorf("final transcript for an incomplete item: %+v", tr)
		}
	}
}

// Issue 9 #8: a bare session.updated (no session object) makes the session ready
// and keeps the settings it asked for (the output format stays usable).
func TestBareSessionUpdatedIsAcknowledgement(t *testing.T) {
	m := newFakeModel()
	sink := &fakeSink{}
	s, err := New(Config{Model: m, Base: baseSettings(), Audio: sink, Agents: []*Agent{{Name: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(s)
	t.Cleanup(func() { _ = s.Close(); <-rec.Done() })
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.emit(realtime.SessionUpdated{Created: true, Bare: true}, realtime.SessionUpdated{Ready: true, Bare: true})
	ready := waitEvent[SessionReady](t, rec, nil)
	if ready.Settings.OutputFormat != realtime.PCM24k {
		t.Errorf("ready settings output format %+v, want the requested PCM24k", ready.Settings.OutputFormat)
	}
}
