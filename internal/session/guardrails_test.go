package session

import (
	"sort"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

func containsWord(w string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, w) }
}

func tdelta(resp, item, d string) realtime.Event {
	return realtime.TranscriptDelta{ResponseID: resp, ItemID: item, Delta: d}
}

// R10.4 in audio mode: trip → dropped, guardrail_tripped before audio_interrupted
// (R12.2 #5), FORCED cancel even with interrupt_response:true, truncate at played,
// corrective message with a trigger; later transcript deltas of R are dropped.
func TestOutputGuardrailTrip_R10_4(t *testing.T) {
	g := &testGuardrail{name: "no_secret", trip: containsWord("secret")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.playing(96000, 48000)
	h.m.emit(tdelta("r1", "m1", strings.Repeat("x", 60)+" "))
	h.m.emit(tdelta("r1", "m1", "the secret is "+strings.Repeat("y", 30)))
	trip := waitEvent[GuardrailTripped](t, h.rec, nil)
	if trip.Kind != GuardrailOutput || trip.ResponseID != "r1" || trip.ItemID != "m1" || len(trip.Guardrails) != 1 || trip.Guardrails[0] != "no_secret" || !strings.Contains(trip.Message, "secret") {
		t.Errorf("guardrail_tripped = %+v", trip)
	}
	msg := waitCmd[realtime.SendUserText](t, h.m, nil)
	if msg.Text != "guardrail triggered: no_secret" || !msg.Respond {
		t.Errorf("corrective message = %+v", msg)
	}
	cmds := h.m.commands()
	if len(cmdsOf[realtime.CancelResponse](cmds)) != 1 {
		t.Errorf("no forced cancel: %s", fmtCmds(cmds))
	}
	if trs := cmdsOf[realtime.TruncateItem](cmds); len(trs) != 1 || trs[0].AudioEndMS != 1000 {
		t.Errorf("truncates = %+v", trs)
	}
	h.m.emit(tdelta("r1", "m1", "more hidden text"))
	h.m.emit(audio("r1", "m1", 480))
	h.sync()
	evs := h.rec.events()
	it := indexOfEvent(evs, func(e Event) bool { _, ok := e.(GuardrailTripped); return ok })
	ia := indexOfEvent(evs, func(e Event) bool { _, ok := e.(AudioInterrupted); return ok })
	if it < 0 || ia < it {
		t.Errorf("guardrail_tripped at %d, audio_interrupted at %d", it, ia)
	}
	for _, ev := range evs[it:] {
		switch e := ev.(type) {
		case Transcript:
			if e.ResponseID == "r1" {
				t.Errorf("transcript of the tripped response forwarded: %+v", e)
			}
		case AudioStarted:
			t.Errorf("audio after the trip: %+v", e)
		}
	}
}

// R10.2: checks run at ≥100, ≥200 … characters on the full text, plus a final check
// when the text grew; R10.4: at most one trip per response.
func TestOutputGuardrailDebounce_R10_2(t *testing.T) {
	g := &testGuardrail{name: "g", trip: containsWord("BAD")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(tdelta("r1", "m1", strings.Repeat("a", 99)))
	h.sync()
	if n := len(g.checked()); n != 0 {
		t.Fatalf("%d checks below 100 characters", n)
	}
	h.m.emit(tdelta("r1", "m1", "b"))
	h.m.emit(tdelta("r1", "m1", strings.Repeat("c", 50)))
	h.m.emit(realtime.TranscriptDone{ResponseID: "r1", ItemID: "m1", Transcript: strings.Repeat("a", 99) + "b" + strings.Repeat("c", 50)})
	h.m.emit(done("r1", "completed"))
	h.sync()
	// Checks run concurrently, in any order.
	got := g.waitChecks(t, 2)
	sort.Slice(got, func(i, j int) bool { return len(got[i]) < len(got[j]) })
	if len(got) != 2 || len(got[0]) != 100 || len(got[1]) != 150 {
		t.Errorf("checked %d texts of lengths %d, %d; want 100 and the final 150", len(got), len(got[0]), len(got[len(got)-1]))
	}

	// Two trips in one response → one guardrail_tripped.
	h.m.emit(created("r2"))
	h.m.emit(assistantItem("r2", "m2")...)
	h.m.emit(tdelta("r2", "m2", "BAD"+strings.Repeat("x", 100)))
	waitEvent[GuardrailTripped](t, h.rec, nil)
	h.m.emit(tdelta("r2", "m2", strings.Repeat("BAD", 40)))
	h.m.emit(done("r2", "cancelled"))
	h.sync()
	if n := len(eventsOf[GuardrailTripped](h.rec.events())); n != 1 {
		t.Errorf("%d trips for one response", n)
	}
}

// The tripped response already finished (fast text mode) and nothing newer exists:
// guardrail_tripped and the corrective message are still sent; no cancel.
func TestOutputGuardrailAfterResponseDone_TextMode(t *testing.T) {
	g := &testGuardrail{name: "g", trip: containsWord("BAD"), gate: make(chan struct{})}
	base := baseSettings()
	base.OutputModalities = []string{realtime.ModalityText}
	h := start(t, Config{Base: base, Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	text := "BAD " + strings.Repeat("t", 120)
	h.m.emit(created("r1"))
	h.m.emit(realtime.TranscriptDelta{ResponseID: "r1", ItemID: "m1", Delta: text, Text: true})
	h.m.emit(realtime.TranscriptDone{ResponseID: "r1", ItemID: "m1", Transcript: text, Text: true})
	h.m.emit(done("r1", "completed"))
	waitEvent[AgentEnd](t, h.rec, nil)
	g.gate <- struct{}{}
	waitEvent[GuardrailTripped](t, h.rec, nil)
	msg := waitCmd[realtime.SendUserText](t, h.m, nil)
	if msg.Text != "guardrail triggered: g" || !msg.Respond {
		t.Errorf("message = %+v", msg)
	}
	if n := len(cmdsOf[realtime.CancelResponse](h.m.commands())); n != 0 {
		t.Errorf("%d cancels for a finished response", n)
	}
	if n := len(eventsOf[AudioInterrupted](h.rec.events())); n != 0 {
		t.Error("audio_interrupted in text mode")
	}
	if n := len(g.checked()); n != 1 {
		t.Errorf("%d checks, want 1 (the final text did not grow)", n)
	}
}

// R10.5: a trip for a response that is done while a newer one exists: no cancel and
// no corrective message.
func TestOutputGuardrailStale_R10_5(t *testing.T) {
	g := &testGuardrail{name: "g", trip: containsWord("BAD"), gate: make(chan struct{}, 4)}
	h := start(t, Config{Agents: []*Agent{{Name: "A", OutputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(created("r1"))
	h.m.emit(tdelta("r1", "m1", "BAD "+strings.Repeat("t", 120)))
	h.m.emit(done("r1", "completed"), created("r2"))
	waitEvent(t, h.rec, func(e AgentStart) bool { return e.ResponseID == "r2" })
	g.gate <- struct{}{}
	waitEvent[GuardrailTripped](t, h.rec, nil)
	h.sync()
	cmds := h.m.commands()
	if len(cmdsOf[realtime.CancelResponse](cmds))+len(cmdsOf[realtime.SendUserText](cmds)) != 0 {
		t.Errorf("stale trip sent %s", fmtCmds(cmds))
	}
}

// R10.7 typed text: a tripped text is never sent; passing texts keep their order.
func TestInputGuardrailTypedText_R10_7(t *testing.T) {
	g := &testGuardrail{name: "no_ssn", trip: containsWord("ssn")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", InputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	for _, text := range []string{"hello", "my ssn is 123", "bye"} {
		if err := h.s.SendText(text); err != nil {
			t.Fatal(err)
		}
	}
	trip := waitEvent[GuardrailTripped](t, h.rec, nil)
	if trip.Kind != GuardrailInput || trip.Message != "[withheld by guardrail no_ssn]" || trip.CheckedChars != len("my ssn is 123") {
		t.Errorf("trip = %+v", trip)
	}
	cmds := h.m.waitCmds(t, "two texts", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.SendUserText](cs)) == 2 })
	texts := cmdsOf[realtime.SendUserText](cmds)
	if texts[0].Text != "hello" || texts[1].Text != "bye" || !texts[0].Respond {
		t.Errorf("sent %+v", texts)
	}
}

// R10.7 best_effort: a tripped transcript interrupts the running answer and sends the
// corrective message.
func TestInputGuardrailTranscriptBestEffort_R10_7(t *testing.T) {
	g := &testGuardrail{name: "no_ssn", trip: containsWord("ssn")}
	h := start(t, Config{Agents: []*Agent{{Name: "A", InputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.playing(9600, 4800)
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u1", Transcript: "my ssn is 123"})
	trip := waitEvent[GuardrailTripped](t, h.rec, nil)
	if trip.Kind != GuardrailInput || trip.ItemID != "u1" {
		t.Errorf("trip = %+v", trip)
	}
	msg := waitCmd[realtime.SendUserText](t, h.m, nil)
	if msg.Text != "guardrail triggered: no_ssn" || !msg.Respond {
		t.Errorf("message = %+v", msg)
	}
	cmds := h.m.commands()
	if len(cmdsOf[realtime.CancelResponse](cmds)) != 1 || len(cmdsOf[realtime.TruncateItem](cmds)) != 1 {
		t.Errorf("no interrupt: %s", fmtCmds(cmds))
	}
}

// R10.7 strict: the response is created only after the transcript passed.
func TestInputGuardrailTranscriptStrict_R10_7(t *testing.T) {
	g := &testGuardrail{name: "no_ssn", trip: containsWord("ssn")}
	h := start(t, Config{InputGuardrailMode: InputGuardrailsStrict, Agents: []*Agent{{Name: "A", InputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u1", Transcript: "my ssn is 123"})
	waitEvent[GuardrailTripped](t, h.rec, nil)
	h.sync()
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 0 {
		t.Fatalf("response created for a tripped transcript")
	}
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u2", Transcript: "hello"})
	waitCmd[realtime.CreateResponse](t, h.m, nil)
	// Push-to-talk in strict mode commits without a trigger.
	_ = h.s.AppendAudio(make([]byte, 4800))
	_ = h.s.CommitAudio()
	if c := waitCmd[realtime.CommitAudio](t, h.m, nil); c.Respond {
		t.Error("strict commit asked for a response before the transcript passed")
	}
}
