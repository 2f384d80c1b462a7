package session

import "testing"

// Audio bytes go to the sink only; the event stream carries one AudioStarted per
// response (the first chunk), for latency clocks.
func TestAudioStartedOncePerResponse(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(audio("r1", "m1", 480), audio("r1", "m1", 480), audio("r1", "m1", 480))
	h.m.emit(done("r1", "completed"))
	h.m.emit(created("r2"))
	h.m.emit(assistantItem("r2", "m2")...)
	h.m.emit(audio("r2", "m2", 480), audio("r2", "m2", 480))
	waitEvent(t, h.rec, func(e AudioStarted) bool { return e.ResponseID == "r2" })
	h.sync()
	got := eventsOf[AudioStarted](h.rec.events())
	if len(got) != 2 || got[0] != (AudioStarted{ResponseID: "r1", ItemID: "m1"}) || got[1] != (AudioStarted{ResponseID: "r2", ItemID: "m2"}) {
		t.Errorf("audio_started = %+v, want one for r1/m1 and one for r2/m2", got)
	}
	if enq, _ := h.sink.counts(); enq != 5 {
		t.Errorf("sink got %d chunks, want 5", enq)
	}
}
