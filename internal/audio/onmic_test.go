package audio

import (
	"slices"
	"testing"
	"time"
)

// TestOnMicSeesEveryFrame: OnMic receives every captured frame, raw and after AEC,
// even while the capture is muted and the half-duplex policy drops frames (the local
// voice detector needs the whole stream); the raw frames are in.raw in order, and
// without AEC out is mic.
func TestOnMicSeesEveryFrame(t *testing.T) {
	for _, noAEC := range []bool{false, true} {
		dir := fakeDir(t)
		in := sine(2*SampleRate, 300, SampleRate, 0.3, 0)
		writeIn(t, dir, in)
		type seen struct {
			at       time.Time
			mic, out []int16
		}
		got := make(chan seen, 200)
		d, err := OpenDuplex(DuplexConfig{NoAEC: noAEC, Mode: EchoHalfDuplex, PaceToClock: true,
			OnMic: func(at time.Time, mic, out []int16) {
				select {
				case got <- seen{at, slices.Clone(mic), slices.Clone(out)}:
				default:
				}
			}})
		must(t, err)
		d.Capture.SetMuted(true)
		d.Player.Enqueue("r", "a", 0, SamplesToBytes(nil, sine(SampleRate, 500, SampleRate, 0.5, 0)))
		var frames []seen
		for len(frames) < 10 {
			select {
			case s := <-got:
				frames = append(frames, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("noAEC=%v: %d OnMic frames in 5 s", noAEC, len(frames))
			}
		}
		must(t, d.Close())
		for i, s := range frames {
			if !slices.Equal(s.mic, in[i*FrameSamples:(i+1)*FrameSamples]) {
				t.Fatalf("noAEC=%v: frame %d is not in.raw's frame %d", noAEC, i, i)
			}
			if noAEC && !slices.Equal(s.out, s.mic) {
				t.Errorf("frame %d: out differs from mic without AEC", i)
			}
			if i > 0 && s.at.Sub(frames[i-1].at) != FrameDuration {
				t.Errorf("frame %d: captured %v after the previous", i, s.at.Sub(frames[i-1].at))
			}
		}
	}
}
