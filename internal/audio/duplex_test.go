package audio

import (
	"testing"
	"time"
)

// TestDuplexGatesEchoDuringPlayback plays loud audio while the "microphone" (in.raw)
// holds a quiet echo-level signal: with AEC off and the gate on, mic frames stop while
// the assistant speaks and resume after.
func TestDuplexGatesEchoDuringPlayback(t *testing.T) {
	dir := fakeDir(t)
	writeIn(t, dir, sine(20*SampleRate, 300, SampleRate, 0.02, 0)) // RMS 0.014: passes when idle, below the 0.015 floor
	d, err := OpenDuplex(DuplexConfig{NoAEC: true, PaceToClock: true, Prebuffer: 60 * time.Millisecond})
	must(t, err)
	if d.AEC != nil {
		t.Fatal("AEC on with NoAEC")
	}
	<-d.Capture.Frames() // idle: frames pass
	d.Player.Enqueue("r", "a", 0, SamplesToBytes(nil, sine(SampleRate/2, 500, SampleRate, 0.5, 0)))
	time.Sleep(150 * time.Millisecond)
	for len(d.Capture.Frames()) > 0 {
		<-d.Capture.Frames()
	}
	select {
	case f := <-d.Capture.Frames():
		t.Errorf("echo-level frame %d passed the gate during playback (threshold %.3f)", f.Seq, d.Gate.Threshold())
	case <-time.After(150 * time.Millisecond):
	}
	if l := d.Player.Level(); l.RMS < 0.3 {
		t.Errorf("output level %+v during playback", l)
	}
	must(t, d.Close())
	d2, err := OpenDuplex(DuplexConfig{PaceToClock: true}) // AEC on by default
	must(t, err)
	if d2.AEC == nil {
		t.Error("AEC off by default")
	}
	must(t, d2.Close())
}
