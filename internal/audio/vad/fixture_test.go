package vad

import (
	"math"
	"math/rand"
	"testing"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/testkit"
)

// speak renders text with espeak-ng (voice v) at 24 kHz PCM16 mono through sox
// without dither: deterministic. scripts/deps.sh --test installs both.
func speak(t testing.TB, voice, text string) []int16 {
	t.Helper()
	s := audio.BytesToSamples(nil, testkit.Speak(t, voice, text))
	if len(s) < audio.SampleRate/2 {
		t.Fatalf("espeak-ng produced %d samples", len(s))
	}
	return s
}

// userSpeech is the user's voice; agentSpeech the assistant's (another voice, longer).
func userSpeech(t testing.TB) []int16 {
	return speak(t, "en-us", "Wait, stop. I have a different question about my order.")
}

func agentSpeech(t testing.TB) []int16 {
	return speak(t, "en+f3", "Sure. Your order shipped on Monday and should arrive by Thursday. "+
		"You can track it from the link in your confirmation email, and if anything changes "+
		"we will let you know by text message. Is there anything else I can help you with today?")
}

// trimLeading drops leading samples below -50 dBFS so speech starts at index 0.
func trimLeading(s []int16) []int16 {
	if i := onset(s); i > 0 {
		return s[i:]
	}
	return s
}

// onset is the first sample of the first 5 ms window whose RMS is above -40 dBFS
// (the ground truth for onset latency), or -1.
func onset(s []int16) int {
	const w = audio.SampleRate / 200
	for i := 0; i+w <= len(s); i += w / 5 {
		if audio.DBFS(audio.RMS(s[i:i+w])) > -40 {
			for j := i; j < i+w; j++ {
				if s[j] > 100 || s[j] < -100 {
					return j
				}
			}
			return i
		}
	}
	return -1
}

// noise is Gaussian room noise at the given RMS (in sample units).
func noise(n int, rms float64, seed int64) []int16 {
	rng := rand.New(rand.NewSource(seed))
	s := make([]int16, n)
	for i := range s {
		s[i] = clamp(rms * rng.NormFloat64())
	}
	return s
}

// mix returns a+b (lengths of a).
func mix(a, b []int16) []int16 {
	out := make([]int16, len(a))
	for i := range a {
		v := float64(a[i])
		if i < len(b) {
			v += float64(b[i])
		}
		out[i] = clamp(v)
	}
	return out
}

func clamp(v float64) int16 {
	return int16(math.Max(-32768, math.Min(32767, math.Round(v))))
}

// room is a simulated loudspeaker-to-microphone path: a direct path after delay
// with gain, then exponentially decaying random reflections (decay constant decayMS)
// arriving every reflStep samples, like internal/audio's echoFixture but sparse so
// that the convolution stays quick under the race detector.
type room struct {
	delayMS, tailMS, decayMS float64
	gain, refl               float64
	seed                     int64
}

const reflStep = 6

func (r room) apply(far []int16) []int16 {
	rng := rand.New(rand.NewSource(r.seed))
	d := int(r.delayMS * 24)
	type tap struct {
		k int
		h float64
	}
	taps := []tap{{d, r.gain}}
	for i := d + 1; i < d+int(r.tailMS*24); i += reflStep {
		taps = append(taps, tap{i, r.refl * math.Sqrt(reflStep) * rng.NormFloat64() * math.Exp(-float64(i-d)/(r.decayMS*24))})
	}
	acc := make([]float64, len(far))
	for _, tp := range taps {
		if tp.k >= len(far) {
			break
		}
		dst := acc[tp.k:]
		for n, v := range far[:len(dst)] {
			dst[n] += tp.h * float64(v)
		}
	}
	mic := make([]int16, len(far))
	for n, v := range acc {
		mic[n] = clamp(v)
	}
	return mic
}

// cancel runs the playback echo in mic through internal/audio's EchoCanceller
// (speexdsp, the AEC the voice pipeline uses) with far as the reference, frame by
// frame as the capture does, and returns what the capture hands OnMic.
func cancel(t testing.TB, far, mic []int16) []int16 {
	t.Helper()
	e, err := audio.NewEchoCanceller(audio.AECConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	out := make([]int16, 0, len(mic))
	buf := make([]int16, audio.FrameSamples)
	for i := 0; i+audio.FrameSamples <= len(mic); i += audio.FrameSamples {
		e.Cancel(mic[i:i+audio.FrameSamples], far[i:i+audio.FrameSamples], buf)
		out = append(out, buf...)
	}
	return out
}

// detect feeds s in 20 ms frames, as the capture delivers them, and returns the
// events.
func detect(t testing.TB, o Options, s []int16) []Event {
	t.Helper()
	d, err := NewDetector(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var ev []Event
	for i := 0; i+audio.FrameSamples <= len(s); i += audio.FrameSamples {
		if ev, err = d.Process(ev, s[i:i+audio.FrameSamples]); err != nil {
			t.Fatal(err)
		}
	}
	return ev
}
