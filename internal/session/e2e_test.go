package session

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit/rig"
	"github.com/rtagent/rtagent/internal/tools"
)

// e2e starts the simulator and a session on the real OpenAI model over loopback.
func e2e(t *testing.T, cfg Config) (*Session, *recorder) {
	t.Helper()
	r := rig.Open(t, rig.Config{Sim: sim.Options{Pace: 0}, NoTrace: true}, func(m realtime.Model) (*Session, error) {
		cfg.Model = m
		return New(cfg)
	})
	rec := record(r.Session)
	r.Start(t.Context(), rec.Done())
	waitEvent[SessionReady](t, rec, nil)
	return r.Session, rec
}

func finalAssistant(t *testing.T, rec *recorder, n int, want string) Transcript {
	t.Helper()
	tr := waitEventN(t, rec, n, func(e Transcript) bool { return e.Final && e.Role == "assistant" })
	if tr.Text != want {
		t.Errorf("assistant said %q, want %q", tr.Text, want)
	}
	return tr
}

// A text session through the real model and simulator: a plain turn, a tool round
// trip (R8, §5.4), a handoff (R9.2, §5.5), then the R12.2 guarantees on the stream.
func TestE2ESimTextSession(t *testing.T) {
	weather := newTool("get_weather")
	weather.def.Parameters = json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)
	weather.out = "sunny"
	base := baseSettings()
	base.OutputModalities = []string{realtime.ModalityText}
	base.TurnDetection = nil
	base.Transcription = nil
	s, rec := e2e(t, Config{Base: base, Prices: &Prices{TextIn: 1, TextOut: 1}, Agents: []*Agent{
		{Name: "Triage", Instructions: "Front desk.", Tools: []tools.Tool{weather}, Handoffs: []HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Instructions: "Billing desk."},
	}})

	if err := s.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	finalAssistant(t, rec, 1, "You said: hello")

	_ = s.SendText("what does get_weather say for city=Paris")
	end := waitEvent[ToolEnd](t, rec, nil)
	if end.Tool != "get_weather" || end.Output != "sunny" || !strings.Contains(end.Arguments, "Paris") {
		t.Errorf("tool_end = %+v", end)
	}
	finalAssistant(t, rec, 2, "get_weather returned: sunny")

	_ = s.SendText("please transfer me to billing")
	ho := waitEvent[Handoff](t, rec, nil)
	if ho.FromAgent != "Triage" || ho.ToAgent != "Billing" {
		t.Errorf("handoff = %+v", ho)
	}
	tr := finalAssistant(t, rec, 3, "Hi, this is Billing.")
	if tr.Agent != "Billing" {
		t.Errorf("greeting attributed to %q", tr.Agent)
	}
	u, _, cost := s.Usage()
	if u.Requests < 4 || u.TotalTokens == 0 || cost <= 0 {
		t.Errorf("usage = %+v cost %v", u, cost)
	}
	hist := s.History()
	var kinds []string
	for _, it := range hist {
		kinds = append(kinds, it.Kind)
	}
	if got := strings.Join(kinds, ","); got != "user,assistant,user,tool,assistant,user,tool,assistant" {
		t.Errorf("history kinds = %s", got)
	}

	_ = s.Close()
	<-rec.Done()
	checkOrdering(t, rec.events())
	for _, e := range eventsOf[Error](rec.events()) {
		t.Errorf("unexpected error event: %+v", e)
	}
}

// Audio through the real model: the wall-clock estimator (no sink configured) plays
// in real time while the simulator sends faster than that, so a manual interrupt
// truncates at the played position, which the server accepts (R7.4), then the item is
// retrieved and marked truncated (R7.9).
func TestE2ESimAudioInterrupt(t *testing.T) {
	base := baseSettings()
	base.TurnDetection = nil
	base.Transcription = nil
	s, rec := e2e(t, Config{Base: base, Agents: []*Agent{{Name: "A"}}})
	_ = s.SendText("please read this fairly long sentence back to me slowly")
	waitEvent[AudioStarted](t, rec, nil)
	s.Interrupt(ReasonManual)
	ai := waitEvent[AudioInterrupted](t, rec, nil)
	up := waitEvent(t, rec, func(e HistoryUpdated) bool { return e.Item != nil && e.Item.TruncatedAtMS != nil })
	if *up.Item.TruncatedAtMS > ai.PlayedMS || up.Item.ID != ai.ItemID {
		t.Errorf("truncated at %d ms of item %s; interrupted %s at %d ms", *up.Item.TruncatedAtMS, up.Item.ID, ai.ItemID, ai.PlayedMS)
	}
	_ = s.SendText("hello")
	waitEvent(t, rec, func(e Transcript) bool { return e.Final && e.Text == "You said: hello" })
	_ = s.Close()
	<-rec.Done()
	checkOrdering(t, rec.events())
	for _, e := range eventsOf[Error](rec.events()) {
		t.Errorf("unexpected error event: %+v", e)
	}
}
