package session

import (
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// playing scripts response r1 with item m1 and received bytes, and tells the sink that
// m1 is playing with played bytes.
func (h *harness) playing(received, played int) {
	h.t.Helper()
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(audio("r1", "m1", received))
	waitEvent[AudioStarted](h.t, h.rec, nil)
	h.sink.play("r1", "m1", 0, played)
}

func interruptEffective(on bool) func(*realtime.Settings) {
	return func(s *realtime.Settings) {
		td := *s.TurnDetection
		td.InterruptResponse = boolPtr(on)
		s.TurnDetection = &td
	}
}

// R7.4 example: 72,000 bytes played of 96,000 received → audio_end_ms 1500.
// R7.7: a server speech_started with interrupt_response:true → no client cancel.
func TestBargeInTruncatesAtPlayed_R7_4_R7_7(t *testing.T) {
	h := start(t, Config{}, nil)
	h.playing(96000, 72000)
	h.m.emit(realtime.SpeechStarted{ItemID: "u1", AudioStartMS: 100})
	ai := waitEvent[AudioInterrupted](t, h.rec, nil)
	if ai.ItemID != "m1" || ai.PlayedMS != 1500 || ai.Reason != ReasonBargeIn || ai.ResponseID != "r1" {
		t.Errorf("audio_interrupted = %+v", ai)
	}
	tr := waitCmd[realtime.TruncateItem](t, h.m, nil)
	if tr != (realtime.TruncateItem{ItemID: "m1", ContentIndex: 0, AudioEndMS: 1500}) {
		t.Errorf("truncate = %+v", tr)
	}
	h.sync()
	if n := len(cmdsOf[realtime.CancelResponse](h.m.commands())); n != 0 {
		t.Errorf("%d cancels: the server cancels on its own with interrupt_response:true", n)
	}
	if _, n := h.sink.counts(); n != 1 {
		t.Errorf("sink interrupted %d times", n)
	}
}

// R7.7 and R2.6: the cancel decision reads interrupt_response from the EFFECTIVE
// session: here the base asked for true but the server reports false → cancel, and
// the cancel precedes the truncate (R7.6 steps 4–5).
func TestBargeInCancelsPerEffectiveSession_R7_7(t *testing.T) {
	h := start(t, Config{}, interruptEffective(false))
	h.playing(96000, 48000)
	h.m.emit(realtime.SpeechStarted{ItemID: "u1"})
	waitCmd[realtime.TruncateItem](t, h.m, nil)
	cmds := h.m.commands()
	ic, it := lastCmd[realtime.CancelResponse](cmds), lastCmd[realtime.TruncateItem](cmds)
	if ic < 0 || ic > it {
		t.Errorf("want cancel before truncate: %s", fmtCmds(cmds))
	}
}

// R7.4: audio_end_ms never exceeds the received audio; R7.1: G.711 is 8 bytes/ms,
// read from the effective output format.
func TestTruncateClampAndG711_R7_1_R7_4(t *testing.T) {
	h := start(t, Config{}, func(s *realtime.Settings) { s.OutputFormat = realtime.AudioFormat{Type: "audio/pcmu"} })
	h.playing(8000, 12000) // 1000 ms received, the sink claims 1500 ms
	h.m.emit(realtime.SpeechStarted{})
	tr := waitCmd[realtime.TruncateItem](t, h.m, nil)
	if tr.AudioEndMS != 1000 {
		t.Errorf("audio_end_ms = %d, want 1000 (clamped to received)", tr.AudioEndMS)
	}
}

// R7.5 #1: nothing playing → no flush, no audio_interrupted, no truncate; R7.7: a
// manual interrupt still cancels an active response.
func TestInterruptNothingPlaying_R7_5(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(realtime.SpeechStarted{})
	h.sync()
	h.s.Interrupt("")
	waitCmd[realtime.CancelResponse](t, h.m, nil)
	h.sync()
	cmds := h.m.commands()
	if n := len(cmdsOf[realtime.CancelResponse](cmds)); n != 1 {
		t.Errorf("%d cancels, want 1 (manual only)", n)
	}
	if n := len(cmdsOf[realtime.TruncateItem](cmds)); n != 0 {
		t.Errorf("%d truncates with nothing playing", n)
	}
	if n := len(eventsOf[AudioInterrupted](h.rec.events())); n != 0 {
		t.Errorf("%d audio_interrupted with nothing playing", n)
	}
	if _, n := h.sink.counts(); n != 0 {
		t.Errorf("sink flushed %d times with nothing playing", n)
	}
}

// R7.5 #6: the playing item is truncated at the played position, a queued item that
// never started at 0; one audio_interrupted per item.
func TestInterruptQueuedItemsAtZero_R7_5(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(audio("r1", "m1", 4800))
	waitEvent[AudioStarted](t, h.rec, nil)
	h.sink.play("r1", "m1", 0, 0) // m1 starts playing before m2 arrives
	h.m.emit(done("r1", "completed"))
	h.m.emit(created("r2"))
	h.m.emit(assistantItem("r2", "m2")...)
	h.m.emit(audio("r2", "m2", 4800))
	waitEventN[AudioStarted](t, h.rec, 2, nil)
	h.sink.play("r1", "m1", 0, 960)
	h.s.Interrupt(ReasonManual)
	waitEventN[AudioInterrupted](t, h.rec, 2, nil)
	h.sync()
	trs := cmdsOf[realtime.TruncateItem](h.m.commands())
	if len(trs) != 2 || trs[0] != (realtime.TruncateItem{ItemID: "m1", AudioEndMS: 20}) || trs[1] != (realtime.TruncateItem{ItemID: "m2", AudioEndMS: 0}) {
		t.Errorf("truncates = %+v", trs)
	}
	if n := len(cmdsOf[realtime.CancelResponse](h.m.commands())); n != 1 {
		t.Errorf("%d cancels for r2, want 1", n)
	}
}

// R7.5 #5: audio queued but nothing played yet → truncate at 0.
func TestInterruptNothingPlayedYet_R7_5(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(audio("r1", "m1", 4800))
	waitEvent[AudioStarted](t, h.rec, nil)
	h.sink.SetState(realtime.PlaybackState{Active: true}) // prebuffering
	h.m.emit(realtime.SpeechStarted{})
	tr := waitCmd[realtime.TruncateItem](t, h.m, nil)
	if tr.ItemID != "m1" || tr.AudioEndMS != 0 {
		t.Errorf("truncate = %+v", tr)
	}
}

// R7.10 / R12.2 #4: after an interrupt no audio of the dropped response or the
// truncated item is played or emitted; a new response plays again.
func TestDropLateDeltas_R7_10(t *testing.T) {
	h := start(t, Config{}, nil)
	h.playing(4800, 960)
	h.m.emit(realtime.SpeechStarted{})
	waitEvent[AudioInterrupted](t, h.rec, nil)
	enq, _ := h.sink.counts()
	h.m.emit(audio("r1", "m1", 480), audio("r1", "m9", 480))
	h.m.emit(done("r1", realtime.ResponseCancelled))
	h.m.emit(audio("r1", "m1", 480)) // truncated item: dropped permanently
	h.m.emit(created("r2"))
	h.m.emit(assistantItem("r2", "m2")...)
	h.m.emit(audio("r2", "m2", 480))
	waitEvent(t, h.rec, func(a AudioStarted) bool { return a.ItemID == "m2" })
	h.sync()
	if got, _ := h.sink.counts(); got != enq+1 {
		t.Errorf("sink got %d chunks after the interrupt, want 1 (r2 only)", got-enq)
	}
	evs := h.rec.events()
	ia := indexOfEvent(evs, func(e Event) bool { _, ok := e.(AudioInterrupted); return ok })
	for _, ev := range evs[ia:] {
		if a, ok := ev.(AudioStarted); ok && a.ResponseID == "r1" {
			t.Errorf("late audio emitted: %+v", a)
		}
	}
}

// R7.8: a non-interruptible agent ignores speech_started; explicit interrupts work.
func TestNonInterruptible_R7_8(t *testing.T) {
	no := false
	h := start(t, Config{Agents: []*Agent{{Name: "A", Interruptible: &no}}}, nil)
	h.playing(4800, 960)
	h.m.emit(realtime.SpeechStarted{})
	h.sync()
	if n := len(eventsOf[AudioInterrupted](h.rec.events())); n != 0 {
		t.Fatal("speech_started interrupted a non-interruptible agent")
	}
	// §5.7: a user turn committed while the response runs queues a trigger.
	h.m.emit(realtime.AudioCommitted{ItemID: "u1"})
	waitCmd[realtime.CreateResponse](t, h.m, nil)
	h.s.Interrupt(ReasonManual)
	waitEvent[AudioInterrupted](t, h.rec, nil)
	waitCmd[realtime.CancelResponse](t, h.m, nil)
}

// R7.7: a manual interrupt cancels even with interrupt_response:true (pipecat#950).
func TestManualInterruptCancels_R7_7(t *testing.T) {
	h := start(t, Config{}, nil)
	h.playing(4800, 960)
	h.s.Interrupt(ReasonManual)
	ai := waitEvent[AudioInterrupted](t, h.rec, nil)
	if ai.Reason != ReasonManual {
		t.Errorf("reason = %q", ai.Reason)
	}
	waitCmd[realtime.CancelResponse](t, h.m, nil)
}

// R7.9: conversation.item.truncated → retrieve, truncated_at_ms in history.
func TestItemTruncatedRetrieves_R7_9(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(realtime.ItemTruncated{ItemID: "m1", AudioEndMS: 1500})
	if r := waitCmd[realtime.RetrieveItem](t, h.m, nil); r.ItemID != "m1" {
		t.Errorf("retrieve = %+v", r)
	}
	up := waitEvent(t, h.rec, func(e HistoryUpdated) bool { return e.Item != nil && e.Item.TruncatedAtMS != nil })
	if *up.Item.TruncatedAtMS != 1500 {
		t.Errorf("truncated_at_ms = %d", *up.Item.TruncatedAtMS)
	}
}

// §5.8 push-to-talk: key-down while playing → full interrupt (ptt) + clear; key-up
// commits with a trigger only with ≥ 100 ms appended, else clears.
func TestPushToTalk_5_8(t *testing.T) {
	h := start(t, Config{}, nil)
	h.playing(4800, 960)
	if err := h.s.StartPushToTalk(); err != nil {
		t.Fatal(err)
	}
	ai := waitEvent[AudioInterrupted](t, h.rec, nil)
	if ai.Reason != ReasonPTT {
		t.Errorf("reason = %q", ai.Reason)
	}
	waitCmd[realtime.ClearAudio](t, h.m, nil)
	cmds := h.m.commands()
	if len(cmdsOf[realtime.CancelResponse](cmds)) != 1 || len(cmdsOf[realtime.TruncateItem](cmds)) != 1 {
		t.Errorf("ptt interrupt: %s", fmtCmds(cmds))
	}
	_ = h.s.AppendAudio(make([]byte, 2400))
	_ = h.s.AppendAudio(make([]byte, 2400))
	_ = h.s.CommitAudio()
	if c := waitCmd[realtime.CommitAudio](t, h.m, nil); !c.Respond {
		t.Error("commit without a trigger")
	}
	_ = h.s.AppendAudio(make([]byte, 4799))
	_ = h.s.CommitAudio()
	h.m.waitCmds(t, "second clear", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.ClearAudio](cs)) == 2 })
	if n := len(cmdsOf[realtime.CommitAudio](h.m.commands())); n != 1 {
		t.Errorf("%d commits, want 1 (99 ms is too short)", n)
	}
}

// R1.12: microphone audio before the session is ready is not sent.
func TestAudioHeldUntilReady_R1_12(t *testing.T) {
	m := newFakeModel()
	s, err := New(Config{Model: m, Base: baseSettings(), Agents: []*Agent{{Name: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(s)
	defer func() { _ = s.Close(); <-rec.Done() }()
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	_ = s.AppendAudio(make([]byte, 960))
	ch := make(chan struct{})
	_ = s.do(func() { close(ch) })
	<-ch // the append was handled before the server reports ready
	m.emit(realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{Settings: *m.connected}})
	waitEvent[SessionReady](t, rec, nil)
	_ = s.AppendAudio(make([]byte, 480))
	got := waitCmd[realtime.AppendAudio](t, m, nil)
	if len(got.Audio) != 480 {
		t.Errorf("first append has %d bytes, want the post-ready 480", len(got.Audio))
	}
}

// Issue 9 #2 (R7.4, R7.5): barge-in after all received audio played (the sink is
// idle after an underrun) while the response is still open truncates at the received
// length and reports audio_interrupted; once the response is done, nothing is sent.
func TestBargeInAfterUnderrunTruncates_R7_5(t *testing.T) {
	for _, respDone := range []bool{false, true} {
		name := "response open"
		if respDone {
			name = "response done"
		}
		t.Run(name, func(t *testing.T) {
			h := start(t, Config{}, nil)
			h.m.emit(created("r1"))
			h.m.emit(assistantItem("r1", "m1")...)
			h.m.emit(audio("r1", "m1", 48000)) // 1000 ms at 24 kHz PCM16
			waitEvent[AudioStarted](t, h.rec, nil)
			if respDone {
				h.m.emit(done("r1", "completed"))
			}
			h.sync() // the fake sink is idle: everything received was played
			h.s.Interrupt(ReasonManual)
			h.sync()
			trs := cmdsOf[realtime.TruncateItem](h.m.commands())
			ais := eventsOf[AudioInterrupted](h.rec.events())
			if respDone {
				if len(trs) != 0 || len(ais) != 0 {
					t.Errorf("heard in full and done: truncates %+v, audio_interrupted %+v", trs, ais)
				}
				return
			}
			if len(trs) != 1 || trs[0] != (realtime.TruncateItem{ItemID: "m1", AudioEndMS: 1000}) {
				t.Errorf("truncates = %+v, want m1 at 1000 ms", trs)
			}
			if len(ais) != 1 || ais[0].ItemID != "m1" || ais[0].PlayedMS != 1000 || ais[0].Reason != ReasonManual {
				t.Errorf("audio_interrupted = %+v", ais)
			}
			if n := len(cmdsOf[realtime.CancelResponse](h.m.commands())); n != 1 {
				t.Errorf("%d cancels, want 1", n)
			}
		})
	}
}

// R7.6, R7.8: local barge-in (the client's voice detector) is a full interrupt with
// its own reason and a client cancel; on a non-interruptible agent it does nothing
// at all: no fade, no audio_interrupted, no cancel, no truncate.
func TestLocalVADInterrupt_R7_6_R7_8(t *testing.T) {
	h := start(t, Config{}, nil)
	h.playing(96000, 72000)
	h.s.Interrupt(ReasonLocalVAD)
	ai := waitEvent[AudioInterrupted](t, h.rec, nil)
	if ai.Reason != ReasonLocalVAD || ai.PlayedMS != 1500 {
		t.Errorf("audio_interrupted = %+v", ai)
	}
	waitCmd[realtime.CancelResponse](t, h.m, nil)
	if tr := waitCmd[realtime.TruncateItem](t, h.m, nil); tr.AudioEndMS != 1500 {
		t.Errorf("truncate = %+v", tr)
	}

	no := false
	h = start(t, Config{Agents: []*Agent{{Name: "A", Interruptible: &no}}}, nil)
	h.playing(4800, 960)
	h.s.Interrupt(ReasonLocalVAD)
	h.sync()
	if n := len(eventsOf[AudioInterrupted](h.rec.events())); n != 0 {
		t.Error("local VAD interrupted a non-interruptible agent")
	}
	if n := len(cmdsOf[realtime.CancelResponse](h.m.commands())) + len(cmdsOf[realtime.TruncateItem](h.m.commands())); n != 0 {
		t.Errorf("%d cancels/truncates sent for a non-interruptible agent", n)
	}
	if _, n := h.sink.counts(); n != 0 {
		t.Errorf("sink interrupted %d times", n)
	}
	h.s.Interrupt(ReasonManual) // the key still interrupts (R7.8)
	waitEvent[AudioInterrupted](t, h.rec, nil)
}
