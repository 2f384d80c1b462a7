package e2e

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/audio/vad"
	"github.com/rtagent/rtagent/internal/session"
)

func skipShort(b *testing.B) {
	if testing.Short() {
		b.Skip("voice benchmark: skipped in -short")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pct returns the p-quantile (nearest rank) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(len(ds))
}

// BenchmarkOutputPathLatency measures the client's output path: a
// response.output_audio.delta frame arriving from the socket (timestamped at the
// loopback proxy just before it is written to the client) → the player's write of the
// delta's first sample to the device returned (OnPlayed). The simulator sends in real
// time (Pace 1), so this includes the jitter buffer: the first delta of an item waits
// for the prebuffer (120 ms, reported as first-ms); later deltas wait behind the audio
// queued ahead of them. audible-p50-ms adds the device output latency.
func BenchmarkOutputPathLatency(b *testing.B) {
	skipShort(b)
	dir := fakeDir(b, nil)
	_ = dir
	log := &playLog{keep: true}
	p := openPlayer(b, audio.PlayerConfig{OnPlayed: log.onPlayed})
	type delta struct {
		at   time.Time
		item string
		n    int
	}
	var mu sync.Mutex
	var deltas []delta
	r := startRig(b, rigConfig{Pace: 1, Base: voiceBase(nil, false), Sink: p, NoTrace: true,
		Keep: func(e session.Event) bool { _, ok := e.(session.AgentEnd); return ok },
		OnServer: func(at time.Time, data []byte) {
			if frameType(data) != "response.output_audio.delta" {
				return
			}
			var d struct {
				ItemID string `json:"item_id"`
				Delta  string `json:"delta"`
			}
			_ = json.Unmarshal(data, &d)
			n := len(d.Delta) / 4 * 3
			n -= strings.Count(d.Delta[max(0, len(d.Delta)-2):], "=")
			mu.Lock()
			deltas = append(deltas, delta{at, d.ItemID, n / 2})
			mu.Unlock()
		}})
	const text = "read me these ten words back please thank you"
	want := speech("You said: " + text)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = r.sess.SendText(text)
		waitEventN[session.AgentEnd](b, r.rec, i+1, nil)
		drain(b, p)
	}
	b.StopTimer()
	r.close()
	_ = p.Close()

	samples, writes := log.snapshot()
	var all, steady, first, audible []time.Duration
	itemStart := map[string]int{}
	itemOff := map[string]int{}
	from := 0
	ew := firstNonZero(want)
	for _, d := range deltas {
		o, ok := itemStart[d.item]
		if !ok {
			nz := firstNonZero(samples[from:])
			if nz < 0 {
				b.Fatalf("item %s not found on the device", d.item)
			}
			o = from + nz - ew
			if o < 0 || o+len(want) > len(samples) || !equal16(samples[o:o+len(want)], want) {
				b.Fatalf("item %s: device audio is not the synthesized answer", d.item)
			}
			itemStart[d.item] = o
			from = o + len(want)
		}
		idx := o + itemOff[d.item]
		w, found := writeOf(writes, idx)
		if !found {
			b.Fatalf("delta at item sample %d never written", itemOff[d.item])
		}
		lat := w.wall.Sub(d.at)
		all = append(all, lat)
		if itemOff[d.item] == 0 {
			first = append(first, lat)
		} else {
			steady = append(steady, lat)
		}
		audible = append(audible, w.at.Add(time.Duration(idx-w.start)*time.Second/audio.SampleRate).Sub(d.at))
		itemOff[d.item] += d.n
	}
	b.ReportMetric(ms(pct(all, 0.5)), "p50-ms")
	b.ReportMetric(ms(pct(all, 0.99)), "p99-ms")
	b.ReportMetric(ms(mean(first)), "first-ms")
	b.ReportMetric(ms(pct(steady, 0.5)), "steady-p50-ms")
	b.ReportMetric(ms(pct(steady, 0.99)), "steady-p99-ms")
	b.ReportMetric(ms(pct(audible, 0.5)), "audible-p50-ms")
	b.ReportMetric(ms(audio.DefaultPrebuffer), "prebuffer-ms")
	b.ReportMetric(float64(len(all)), "deltas")
}

func equal16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hashPCM(p []byte) uint64 {
	h := fnv.New64a()
	h.Write(p)
	return h.Sum64()
}

// BenchmarkMicToSocket measures the input path: a microphone frame read from the
// (fake ALSA) capture device (Frame.Read) → its input_audio_buffer.append frame read
// at the loopback proxy (client socket write + loopback). Frames are matched by
// content (in.raw is pseudo-random, low level). from-recv-* starts when the consumer
// took the frame off the Frames channel.
func BenchmarkMicToSocket(b *testing.B) {
	skipShort(b)
	const frames = 150 // 3 s per iteration
	n := (b.N*frames + 500) * audio.FrameSamples
	in := make([]int16, n)
	x := uint32(12345)
	for i := range in {
		x = x*1664525 + 1013904223
		in[i] = int16(int32(x>>16)%400 - 200)
	}
	fakeDir(b, in)
	var mu sync.Mutex
	seen := map[uint64]time.Time{}
	r := startRig(b, rigConfig{Pace: 0, Base: voiceBase(nil, false), NoTrace: true, // no sink: the session's wall-clock fallback
		Keep: func(session.Event) bool { return false },
		OnClient: func(at time.Time, data []byte) {
			if frameType(data) != "input_audio_buffer.append" {
				return
			}
			var f struct {
				Audio []byte `json:"audio"` // base64
			}
			if json.Unmarshal(data, &f) != nil {
				return
			}
			h := hashPCM(f.Audio)
			mu.Lock()
			seen[h] = at
			mu.Unlock()
		}})
	capt, err := audio.OpenCapture(audio.CaptureConfig{PaceToClock: true})
	if err != nil {
		b.Fatal(err)
	}
	defer capt.Close()
	type sent struct {
		h          uint64
		read, recv time.Time
	}
	var out []sent
	b.ResetTimer()
	for len(out) < b.N*frames {
		fr, ok := <-capt.Frames()
		if !ok {
			b.Fatal("capture stopped")
		}
		recv := time.Now()
		out = append(out, sent{hashPCM(fr.PCM), fr.Read, recv})
		if err := r.sess.AppendAudio(fr.PCM); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = capt.Close()
	deadline := time.Now().Add(waitTimeout)
	for {
		mu.Lock()
		k := 0
		for _, s := range out {
			if _, ok := seen[s.h]; ok {
				k++
			}
		}
		mu.Unlock()
		if k == len(out) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d frames reached the socket", k, len(out))
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.close()
	var fromRead, fromRecv []time.Duration
	mu.Lock()
	for _, s := range out {
		fromRead = append(fromRead, seen[s.h].Sub(s.read))
		fromRecv = append(fromRecv, seen[s.h].Sub(s.recv))
	}
	mu.Unlock()
	b.ReportMetric(ms(pct(fromRead, 0.5)), "p50-ms")
	b.ReportMetric(ms(pct(fromRead, 0.99)), "p99-ms")
	b.ReportMetric(ms(pct(fromRecv, 0.5)), "from-recv-p50-ms")
	b.ReportMetric(ms(pct(fromRecv, 0.99)), "from-recv-p99-ms")
	b.ReportMetric(float64(len(out)), "frames")
}

// BenchmarkBargeInSilence measures server-VAD barge-in during a real-time response:
// speech_started leaving the proxy for the client → the last non-zero sample (end of
// the 12 ms fade) handed to the device. audio-after-ms is the audio written to the
// device after speech_started (fade included); wall-ms the time until the fade's last
// buffer was written; audible-ms until that sample is heard (output latency added).
func BenchmarkBargeInSilence(b *testing.B) {
	skipShort(b)
	fakeDir(b, nil)
	log := &playLog{keep: true}
	p := openPlayer(b, audio.PlayerConfig{OnPlayed: log.onPlayed})
	var st syncTimes
	r := startRig(b, rigConfig{Pace: 1, Base: voiceBase(serverVAD(false, true), false), Sink: p, NoTrace: true,
		Keep: func(e session.Event) bool {
			switch e.(type) {
			case session.AgentEnd, session.AudioInterrupted, session.SpeechStopped:
				return true
			}
			return false
		},
		OnServer: func(at time.Time, data []byte) {
			if frameType(data) == "input_audio_buffer.speech_started" {
				st.add(at)
			}
		}})
	const text = "please read this fairly long sentence back to me slowly"
	utter := pcm(tone(100*time.Millisecond, 440, 0.3), silence(400*time.Millisecond))
	prev := ""
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = r.sess.SendText(text)
		deadline := time.Now().Add(waitTimeout)
		for {
			s := p.State()
			if s.ItemID != "" && s.ItemID != prev && s.PlayedBytes >= 500*audio.BytesPerMsPCM16 {
				prev = s.ItemID
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("playback did not start")
			}
			time.Sleep(time.Millisecond)
		}
		_ = r.sess.AppendAudio(utter)
		waitEventN[session.AudioInterrupted](b, r.rec, i+1, nil)
		waitEventN[session.AgentEnd](b, r.rec, i+1, nil)
		waitEventN[session.SpeechStopped](b, r.rec, i+1, nil)
		time.Sleep(150 * time.Millisecond)
	}
	b.StopTimer()
	r.close()
	_ = p.Close()

	samples, writes := log.snapshot()
	var after, wall, audible []time.Duration
	for _, ts := range st.get() {
		k := sort.Search(len(writes), func(i int) bool { return writes[i].wall.After(ts) })
		if k == len(writes) {
			b.Fatal("no device write after speech_started")
		}
		sA := writes[k].start
		// the last non-zero sample before 200 ms of silence
		last, run := sA-1, 0
		for j := sA; j < len(samples) && run < 4800; j++ {
			if samples[j] != 0 {
				last, run = j, 0
			} else {
				run++
			}
		}
		after = append(after, time.Duration(last+1-sA)*time.Second/audio.SampleRate)
		if last < sA {
			wall = append(wall, 0)
			audible = append(audible, 0)
			continue
		}
		w, _ := writeOf(writes, last)
		wall = append(wall, w.wall.Sub(ts))
		audible = append(audible, w.at.Add(time.Duration(last-w.start)*time.Second/audio.SampleRate).Sub(ts))
	}
	b.ReportMetric(ms(mean(after)), "audio-after-ms")
	b.ReportMetric(ms(mean(wall)), "wall-ms")
	b.ReportMetric(ms(mean(audible)), "audible-ms")
	b.ReportMetric(float64(len(after)), "barge-ins")
}

func rusageCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// contextSwitches counts this process's context switches (all threads, voluntary
// and involuntary): at a few CPU seconds per audio-minute the voice pipeline's cost
// is mostly thread wake-ups, so this is the figure to watch next to the CPU.
func contextSwitches() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Nvcsw + ru.Nivcsw
}

// BenchmarkDuplexCPU measures the client's CPU (this process, user+sys; the
// simulator runs in a child process, reported separately) per minute of full-duplex
// voice in real time through chat's own voice pipeline (app.Voice): fake microphone
// (600 ms utterance every 3 s) → AEC → session → simulator (Pace 1, server VAD) →
// answers played by the real player. Sub-benchmarks: AEC on (the default), AEC on
// with local VAD (model.local_vad), AEC off.
func BenchmarkDuplexCPU(b *testing.B) {
	for _, c := range []struct {
		name     string
		noAEC    bool
		localVAD bool
	}{{"aec", false, false}, {"aec+local_vad", false, true}, {"no_aec", true, false}} {
		b.Run(c.name, func(b *testing.B) { duplexCPU(b, c.noAEC, c.localVAD) })
	}
}

func duplexCPU(b *testing.B, noAEC, localVAD bool) {
	skipShort(b)
	dur := time.Duration(b.N) * 15 * time.Second
	cycle := append(tone(600*time.Millisecond, 440, 0.3), silence(2400*time.Millisecond)...)
	var in []int16
	for range int(dur/(3*time.Second)) + 2 {
		in = append(in, cycle...)
	}
	in = append(in, silence(10*time.Second)...)
	fakeDir(b, in)
	url, stopSim := startSimProcess(b, 1)
	v, err := app.OpenVoice(app.VoiceOptions{NoAEC: noAEC, PaceToClock: true})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	r := startRig(b, rigConfig{URL: url, Base: voiceBase(serverVAD(true, true), true), Sink: v.Sink(), NoTrace: true,
		Keep: func(session.Event) bool { return false }})
	if localVAD {
		if _, err := v.StartLocalVAD(&vad.Options{Enabled: true}, r.sess); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v.Start(ctx, r.sess, true)
	b.ResetTimer()
	cpu0, sw0, t0 := rusageCPU(), contextSwitches(), time.Now()
	time.Sleep(dur)
	cpu, sw, el := rusageCPU()-cpu0, contextSwitches()-sw0, time.Since(t0)
	b.StopTimer()
	turns := r.rec.count("agent_end")
	r.close()
	_ = v.Close()
	simCPU := stopSim()
	b.ReportMetric(cpu.Seconds()/el.Minutes(), "cpu-s/min")
	b.ReportMetric(100*cpu.Seconds()/el.Seconds(), "cpu-%")
	b.ReportMetric(float64(sw)/el.Seconds(), "ctxsw/s")
	b.ReportMetric(simCPU.Seconds()/el.Minutes(), "sim-cpu-s/min")
	b.ReportMetric(float64(turns), "answers")
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// slope is the least-squares slope of y over x.
func slope(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// BenchmarkLongSessionRSS runs 10 minutes of voice turns (1 s utterance + 1 s
// silence each, fast WAV sources) against the simulator (child process, Pace 0), with
// a fast WAVSink as the speaker, like `run --fast`. RSS (/proc/self/statm) and live
// heap (after a GC) are sampled every 10 turns (20 s of audio); slopes are per minute
// of input audio over the samples after the first minute.
func BenchmarkLongSessionRSS(b *testing.B) {
	skipShort(b)
	const turns = 300 // 10 minutes of input audio
	dir := b.TempDir()
	turnWAV := filepath.Join(dir, "turn.wav")
	w, err := audio.CreateWAV(turnWAV, audio.SampleRate, 1)
	if err != nil {
		b.Fatal(err)
	}
	_ = w.Write(append(tone(time.Second, 440, 0.3), silence(time.Second)...))
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		url, stopSim := startSimProcess(b, 0)
		sink, err := audio.CreateWAVSink(audio.WAVSinkConfig{Path: filepath.Join(dir, "out.wav"), Fast: true})
		if err != nil {
			b.Fatal(err)
		}
		r := startRig(b, rigConfig{URL: url, Base: voiceBase(serverVAD(true, true), true), Sink: sink, NoTrace: true,
			Keep: func(session.Event) bool { return false }})
		var xs, rss, heap []float64
		sample := func(turn int) {
			runtime.GC()
			xs = append(xs, float64(turn)*2/60)
			rss = append(rss, float64(rssBytes())/(1<<20))
			heap = append(heap, float64(heapBytes())/(1<<20))
		}
		t0 := time.Now()
		sample(0)
		for turn := 1; turn <= turns; turn++ {
			src, err := audio.OpenWAVSource(audio.WAVSourceConfig{Path: turnWAV, Fast: true})
			if err != nil {
				b.Fatal(err)
			}
			for fr := range src.Frames() {
				_ = r.sess.AppendAudio(fr.PCM)
			}
			_ = src.Close()
			deadline := time.Now().Add(waitTimeout)
			for r.rec.count("agent_end") < turn {
				if time.Now().After(deadline) {
					b.Fatalf("turn %d: no answer (%d answers, %d errors)", turn, r.rec.count("agent_end"), r.rec.count("error"))
				}
				select {
				case <-r.rec.Changed():
				case <-time.After(10 * time.Millisecond):
				}
			}
			if turn%10 == 0 {
				sample(turn)
			}
		}
		el := time.Since(t0)
		interrupted := r.rec.count("audio_interrupted")
		errs := r.rec.count("error")
		r.close()
		_ = sink.Close()
		stopSim()
		maxRSS := 0.0
		for _, v := range rss {
			maxRSS = max(maxRSS, v)
		}
		k := 3 // skip the first minute (warm-up)
		b.ReportMetric(rss[k], "rss-start-MB")
		b.ReportMetric(rss[len(rss)-1], "rss-end-MB")
		b.ReportMetric(maxRSS, "rss-max-MB")
		b.ReportMetric(slope(xs[k:], rss[k:]), "rss-MB/min")
		b.ReportMetric(heap[k], "heap-start-MB")
		b.ReportMetric(heap[len(heap)-1], "heap-end-MB")
		b.ReportMetric(slope(xs[k:], heap[k:]), "heap-MB/min")
		b.ReportMetric(float64(turns), "turns")
		b.ReportMetric(el.Seconds(), "wall-s")
		b.ReportMetric(float64(interrupted), "truncations")
		b.ReportMetric(float64(errs), "errors")
	}
}
