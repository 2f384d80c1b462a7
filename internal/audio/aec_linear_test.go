package audio

import (
	"math"
	"testing"
)

// TestAECLinearNoDelay: with no playback, the linear filter's output (Linear) is the
// microphone frame itself, while the residual echo suppression's overlap-add
// delays the full output by one frame: a burst in frame 5 comes out of Cancel in
// frame 6. The local voice detector reads Linear for that 20 ms.
func TestAECLinearNoDelay(t *testing.T) {
	e, err := NewEchoCanceller(AECConfig{})
	must(t, err)
	defer e.Close()
	const frames, burst = 10, 5
	silence := make([]int16, FrameSamples)
	out := make([]int16, FrameSamples)
	lin := make([]int16, FrameSamples)
	var outRMS, linRMS [frames]float64
	for f := 0; f < frames; f++ {
		mic := silence
		if f == burst {
			mic = sine(FrameSamples, 440, SampleRate, 0.5, 0)
		}
		e.Cancel(mic, silence, out)
		e.Linear(lin)
		outRMS[f], linRMS[f] = RMS(out), RMS(lin)
	}
	argmax := func(v []float64) int {
		k := 0
		for i := range v {
			if v[i] > v[k] {
				k = i
			}
		}
		return k
	}
	if k := argmax(linRMS[:]); k != burst {
		t.Errorf("linear output peaks in frame %d, want %d (no delay); RMS %v", k, burst, linRMS)
	}
	if k := argmax(outRMS[:]); k != burst+1 {
		t.Errorf("suppressed output peaks in frame %d, want %d (one frame of overlap-add); RMS %v", k, burst+1, outRMS)
	}
	if math.Abs(linRMS[burst]-RMS(sine(FrameSamples, 440, SampleRate, 0.5, 0))) > 0.05 {
		t.Errorf("linear output RMS %v in the burst frame, want the input's", linRMS[burst])
	}
}
