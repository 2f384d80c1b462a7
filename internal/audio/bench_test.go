package audio

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	return ms(d[len(d)/2]), ms(d[min(len(d)-1, len(d)*99/100)])
}

// BenchmarkOutputLatency: Enqueue of a 40 ms frame → its first sample handed to the
// device, in steady state (frames arriving every 40 ms, 60 ms prebuffer). Each frame
// is a constant marker value so the OnPlayed tap can see it arrive.
func BenchmarkOutputLatency(b *testing.B) {
	fakeDir(b)
	var mu sync.Mutex
	sent := map[int16]time.Time{}
	var lat []time.Duration
	p, err := OpenPlayer(PlayerConfig{PaceToClock: true, Prebuffer: 60 * time.Millisecond, OnPlayed: func(_ time.Time, pcm []int16) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for _, v := range pcm {
			if t, ok := sent[v]; ok {
				lat = append(lat, now.Sub(t))
				delete(sent, v)
			}
		}
	}})
	must(b, err)
	frames := max(b.N, 10)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < frames; i++ {
		sleepUntil(start.Add(time.Duration(i)*40*time.Millisecond), nil)
		v := int16(1000 + i%30000)
		s := make([]int16, 960)
		for k := range s {
			s[k] = v
		}
		mu.Lock()
		sent[v] = time.Now()
		mu.Unlock()
		p.Enqueue("r", "i", 0, SamplesToBytes(nil, s))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(b, p.Drain(ctx))
	b.StopTimer()
	must(b, p.Close())
	p50, p99 := percentiles(lat)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
}

// BenchmarkCaptureLatency: device read returns → frame received from Frames().
func BenchmarkCaptureLatency(b *testing.B) {
	dir := fakeDir(b)
	writeIn(b, dir, make([]int16, 10*SampleRate))
	c, err := OpenCapture(CaptureConfig{PaceToClock: true})
	must(b, err)
	n := max(b.N, 20)
	lat := make([]time.Duration, 0, n)
	b.ResetTimer()
	for i := 0; i < n; i++ {
		f := <-c.Frames()
		lat = append(lat, time.Since(f.Read))
	}
	b.StopTimer()
	must(b, c.Close())
	p50, p99 := percentiles(lat)
	b.ReportMetric(p50*1000, "p50_µs")
	b.ReportMetric(p99*1000, "p99_µs")
}

// BenchmarkInterruptToSilence: how much audio leaves the device after Interrupt (from
// out.raw), and how long until the output is silent.
func BenchmarkInterruptToSilence(b *testing.B) {
	var audioMs, wallMs float64
	for i := 0; i < b.N; i++ {
		dir := fakeDir(b)
		cfg := PlayerConfig{PaceToClock: true, DeviceBuffer: 10 * time.Millisecond}
		out, _, _, played, silent := interruptRun(b, dir, cfg)
		lead := firstNonZero(out)
		audioMs += float64(lastNonZero(out)+1-(lead+played/2)) / 24
		wallMs += float64(silent) / float64(time.Millisecond)
	}
	b.ReportMetric(audioMs/float64(b.N), "audio_ms_after")
	b.ReportMetric(wallMs/float64(b.N), "wall_ms_to_silent")
}
