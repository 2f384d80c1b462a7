package session

import (
	"math"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// R13.1 example usage priced per R13.4: cached tokens are a subset of input.
func TestPricesCost_R13(t *testing.T) {
	u := realtime.Usage{TotalTokens: 320, InputTokens: 132, OutputTokens: 188,
		InputTextTokens: 59, InputAudioTokens: 73, CachedTokens: 64, CachedAudioTokens: 64,
		OutputTextTokens: 41, OutputAudioTokens: 147}
	p := Prices{TextIn: 4, CachedTextIn: 0.4, AudioIn: 32, CachedAudioIn: 0.4, TextOut: 16, AudioOut: 64,
		TranscriptionPerMinute: 0.006, TranscriptionInPerM: 1.25, TranscriptionOutPerM: 5}
	tr := realtime.TranscriptionUsage{Seconds: 30, InputTokens: 1000, OutputTokens: 200}
	want := (59*4+0*0.4+9*32+64*0.4+41*16+147*64)/1e6 + 0.003 + (1000*1.25+200*5)/1e6
	if got := p.Cost(u, tr); math.Abs(got-want) > 1e-12 {
		t.Errorf("cost = %.10f, want %.10f", got, want)
	}
	// Without a per-modality breakdown the totals count as text.
	if got := (Prices{TextIn: 1, TextOut: 2}).Cost(realtime.Usage{InputTokens: 1e6, OutputTokens: 1e6}, realtime.TranscriptionUsage{}); got != 3 {
		t.Errorf("cost without details = %v", got)
	}
}

// R13.2/R13.3: every response.done with usage counts (cancelled ones too), null usage
// does not; usage < agent_end (R12.2 #2); transcription usage is a separate total.
func TestUsageAccumulation_R13_2(t *testing.T) {
	h := start(t, Config{Prices: &Prices{TextIn: 1e6}}, nil)
	one := realtime.Usage{TotalTokens: 10, InputTokens: 4, InputTextTokens: 4, OutputTokens: 6}
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u1", Transcript: "hi", Usage: &realtime.TranscriptionUsage{Type: "tokens", InputTokens: 7, TotalTokens: 7}})
	h.m.emit(created("r1"), realtime.ResponseDone{ResponseID: "r1", Status: "completed", Usage: &one})
	h.m.emit(created("r2"), realtime.ResponseDone{ResponseID: "r2", Status: "cancelled", Usage: &realtime.Usage{}})
	h.m.emit(created("r3"), realtime.ResponseDone{ResponseID: "r3", Status: "completed"})
	waitEvent(t, h.rec, func(e AgentEnd) bool { return e.ResponseID == "r3" })
	u, tr, cost := h.s.Usage()
	if u.Requests != 2 || u.TotalTokens != 10 || u.InputTokens != 4 || tr.InputTokens != 7 || tr.Type != "tokens" {
		t.Errorf("usage = %+v, transcription = %+v", u, tr)
	}
	if cost != 4 {
		t.Errorf("cost = %v, want 4", cost)
	}
	evs := h.rec.events()
	ues := eventsOf[UsageEvent](evs)
	if len(ues) != 2 || ues[0].Usage.Requests != 1 || ues[1].Total.Requests != 2 || ues[0].TranscriptionTotal.InputTokens != 7 || ues[0].CostUSD != 4 {
		t.Errorf("usage events = %+v", ues)
	}
	iu := indexOfEvent(evs, func(e Event) bool { v, ok := e.(UsageEvent); return ok && v.ResponseID == "r1" })
	ie := indexOfEvent(evs, func(e Event) bool { v, ok := e.(AgentEnd); return ok && v.ResponseID == "r1" })
	if iu > ie {
		t.Error("usage after agent_end")
	}
}
