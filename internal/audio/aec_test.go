package audio

import (
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// speechFixture returns about 8 s of 24 kHz speech from espeak-ng (deterministic; sox
// without dither), or a synthetic speech-like signal if espeak-ng/sox are missing.
func speechFixture(t testing.TB) []int16 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "speech.s16le")
	text := "The quick brown fox jumps over the lazy dog. Echo cancellation removes the voice of the assistant from the microphone, so the user can interrupt it at any time."
	cmd := exec.Command("sh", "-c", `espeak-ng --stdout "$1" | sox -D -t wav - -t raw -r 24000 -c 1 -b 16 -e signed-integer -L "$2"`, "sh", text, out)
	var s []int16
	if err := cmd.Run(); err == nil {
		b, _ := os.ReadFile(out)
		s = BytesToSamples(nil, b)
	}
	if len(s) < SampleRate {
		t.Logf("espeak-ng/sox unavailable; using a synthetic speech-like signal")
		rng := rand.New(rand.NewSource(1))
		s = make([]int16, 6*SampleRate)
		for i := range s {
			tt := float64(i) / SampleRate
			env := math.Max(0, math.Sin(2*math.Pi*3*tt)) // syllables
			f0 := 120 + 30*math.Sin(2*math.Pi*0.5*tt)
			v := 0.0
			for h := 1; h <= 20; h++ {
				v += math.Sin(2*math.Pi*f0*float64(h)*tt) / float64(h)
			}
			s[i] = clamp16(8000 * env * (v + 0.3*rng.NormFloat64()))
		}
	}
	for len(s) < 8*SampleRate { // give the filter time to converge
		s = append(s, s...)
	}
	return s[:8*SampleRate/FrameSamples*FrameSamples]
}

// echoFixture convolves far with a synthetic room: 8 ms direct path, decaying
// reflections over 80 ms, plus noise at -66 dBFS.
func echoFixture(far []int16) []int16 {
	rng := rand.New(rand.NewSource(7))
	h := make([]float64, 8*24+80*24)
	h[8*24] = 0.5
	for i := 8*24 + 1; i < len(h); i++ {
		h[i] = 0.08 * rng.NormFloat64() * math.Exp(-float64(i-8*24)/(15*24))
	}
	mic := make([]int16, len(far))
	for n := range far {
		var acc float64
		for k, hk := range h {
			if hk != 0 && n-k >= 0 {
				acc += hk * float64(far[n-k])
			}
		}
		mic[n] = clamp16(acc + 16*rng.NormFloat64())
	}
	return mic
}

// erle runs the canceller over the fixture and returns ERLE (dB) over the last 3 s.
func erle(t testing.TB, cfg AECConfig, far, mic []int16, timeline bool) float64 {
	e, err := NewEchoCanceller(cfg)
	must(t, err)
	defer e.Close()
	out := make([]int16, FrameSamples)
	var pin, pout float64
	t0 := time.Now()
	tail := len(far) - 3*SampleRate
	for i := 0; i+FrameSamples <= len(far); i += FrameSamples {
		m := mic[i : i+FrameSamples]
		if timeline {
			// Like the player: the reference is recorded one frame before it is heard.
			if i == 0 {
				e.FarEnd(t0, far[:FrameSamples])
			}
			if j := i + FrameSamples; j+FrameSamples <= len(far) {
				e.FarEnd(t0.Add(durationOf(j, SampleRate)), far[j:j+FrameSamples])
			}
			e.Process(t0.Add(durationOf(i, SampleRate)), m, out)
		} else {
			e.Cancel(m, far[i:i+FrameSamples], out)
		}
		if i >= tail {
			for k := range out {
				pin += float64(m[k]) * float64(m[k])
				pout += float64(out[k]) * float64(out[k])
			}
		}
	}
	return 10 * math.Log10(pin/math.Max(pout, 1))
}

func TestAECERLE(t *testing.T) {
	far := speechFixture(t)
	mic := echoFixture(far)
	lin := erle(t, AECConfig{NoResidualSuppression: true}, far, mic, false)
	full := erle(t, AECConfig{}, far, mic, false)
	tl := erle(t, AECConfig{}, far, mic, true)
	t.Logf("ERLE after convergence: linear filter %.1f dB, with residual suppression %.1f dB, timeline-aligned %.1f dB", lin, full, tl)
	if lin < 10 {
		t.Errorf("linear ERLE %.1f dB < 10", lin)
	}
	if full < 20 {
		t.Errorf("ERLE %.1f dB < 20", full)
	}
	if tl < 20 {
		t.Errorf("timeline ERLE %.1f dB < 20", tl)
	}
	// Near-end speech with no far end passes through (double talk is not suppressed).
	e, err := NewEchoCanceller(AECConfig{})
	must(t, err)
	defer e.Close()
	near := sine(FrameSamples, 300, SampleRate, 0.3, 0)
	out := make([]int16, FrameSamples)
	for i := 0; i < 50; i++ {
		e.Cancel(near, make([]int16, FrameSamples), out)
	}
	if r := DBFS(RMS(out)) - DBFS(RMS(near)); r < -3 {
		t.Errorf("near-end speech attenuated by %.1f dB with a silent far end", -r)
	}
}

func BenchmarkAECFrame(b *testing.B) {
	far := speechFixture(b)
	mic := echoFixture(far)
	e, err := NewEchoCanceller(AECConfig{})
	must(b, err)
	defer e.Close()
	out := make([]int16, FrameSamples)
	frames := len(far) / FrameSamples
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := (i % frames) * FrameSamples
		e.Cancel(mic[k:k+FrameSamples], far[k:k+FrameSamples], out)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(FrameDuration.Nanoseconds())*100, "%core")
	b.ReportMetric(erle(b, AECConfig{}, far, mic, false), "ERLE_dB")
	b.ReportMetric(erle(b, AECConfig{NoResidualSuppression: true}, far, mic, false), "ERLE_linear_dB")
}
