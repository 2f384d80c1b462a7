package vad

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/testkit"
)

// TestBargeInDevice measures local barge-in end to end through real PortAudio on the
// ALSA file device: the assistant's voice plays through the duplex (AEC on, and off
// as with headphones) while the microphone file holds room noise and then the user's
// speech; the BargeIn on the capture's OnMic interrupts the player (what
// session.Interrupt does first, R7.6 steps 1–2). The figure is from the speech onset
// in the microphone signal to the last audible output sample, both on the stream
// timelines (capture: when a sample entered the microphone; playback: when it is
// heard). With the defaults it must be at most 60 ms (issue 13's bound; about 31 ms
// on an idle machine, so the bound leaves room for load).
//
// Where the time goes with the defaults (min_speech 20 ms): the onset is at a
// capture frame's start and both of its 10 ms classifier frames are voiced, so the
// detection completes with that frame (20 ms, on the capture timeline); the file
// device hands a frame over as soon as its first sample is due (about 19 ms before
// its last, logged as the read-ahead: a real microphone delivers it after its last
// sample, so add that much for hardware); then the next 10 ms device buffer carries
// the 12 ms fade and is heard one output latency (10 ms) later.
func TestBargeInDevice(t *testing.T) {
	for _, c := range []struct {
		noAEC bool
		ms    int // 0: the default
	}{{false, 0}, {false, 40}, {false, 60}, {true, 0}} {
		r := bargeInDevice(t, c.noAEC, c.ms)
		ms := c.ms
		if ms == 0 {
			ms = DefaultMinSpeechMS
		}
		t.Logf("AEC off %v, min_speech %d ms (default %v): speech onset → playback silent %.1f ms (%.1f ms without the file device's %.1f ms read-ahead); device loops up to %.1f ms late",
			c.noAEC, ms, c.ms == 0, msf(r.lat), msf(r.lat+r.readAhead), msf(r.readAhead), msf(r.late))
		bound := time.Duration(ms+60) * time.Millisecond // ms+12 idle; room for load
		if c.ms == 0 {
			bound = 60 * time.Millisecond
		}
		if r.late > stallLate {
			// The machine took the CPU away from the capture or playback loop around
			// the barge-in: a stalled loop re-anchors its stream timeline, so the
			// figure measures the scheduler, in either direction, not the detector
			// (the onset it reported is checked in bargeInDevice).
			t.Logf("a device loop ran %v late around the barge-in: the figure is not checked", r.late)
			continue
		}
		if r.lat <= 0 || r.lat > bound {
			t.Errorf("AEC off %v, min_speech %d ms: onset → silent %v, want (0, %v]", c.noAEC, ms, r.lat, bound)
		}
	}
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// stallLate is how late a capture read or playback write may run around the
// barge-in before TestBargeInDevice calls the run stalled (idle: under 2 ms).
const stallLate = 15 * time.Millisecond

// deviceResult is one TestBargeInDevice run: onset → silent on the stream timelines;
// how long before the detecting frame's last sample was due the callback ran (the
// file device's read-ahead; 0 if the callback ran after it); and how late the device
// loops ran from 100 ms before the onset on.
type deviceResult struct{ lat, readAhead, late time.Duration }

func bargeInDevice(t *testing.T, noAEC bool, minSpeechMS int) deviceResult {
	dir := t.TempDir()
	t.Setenv("FAKEAUDIO_DIR", dir)
	u := user(t)
	lead := 3 * audio.SampleRate / 2
	in := mix(append(noise(lead, 8, 1), u...), noise(lead+len(u), 8, 2))
	in = append(in, make([]int16, 2*audio.SampleRate)...) // the file device repeats past the end
	must(t, os.WriteFile(filepath.Join(dir, "in.raw"), audio.SamplesToBytes(nil, in), 0o644))
	truthIdx := lead + onset(u)

	bi, err := NewBargeIn(BargeInConfig{Options: Options{MinSpeechMS: minSpeechMS}, Warmup: time.Second})
	must(t, err)
	defer bi.Close()
	var (
		mu       sync.Mutex
		capStart time.Time
		fired    = make(chan Onset, 1)
		firedAt  time.Time // wall clock when the callback ran
		cut      bool
		lastLoud time.Time // end of the last non-zero output sample
		quiet    int       // silent buffers since the interrupt
		silent   = make(chan struct{})
		late     testkit.Lateness
		outLat   atomic.Int64 // the player's output latency once open
	)
	onMic := func(captured time.Time, mic, out []int16) {
		late.Observe(captured) // the file device hands a frame over at its first sample
		mu.Lock()
		if capStart.IsZero() {
			capStart = captured
			late.From(captured.Add(time.Duration(truthIdx)*time.Second/audio.SampleRate - 100*time.Millisecond))
		}
		mu.Unlock()
		bi.Observe(captured, mic, out)
	}
	onPlayed := func(at time.Time, pcm []int16) {
		late.Observe(at.Add(-time.Duration(outLat.Load()))) // written one output latency ahead
		mu.Lock()
		defer mu.Unlock()
		loud := -1
		for i := len(pcm) - 1; i >= 0; i-- {
			if pcm[i] != 0 {
				loud = i
				break
			}
		}
		if loud >= 0 {
			lastLoud = at.Add(time.Duration(loud+1) * time.Second / audio.SampleRate)
			quiet = 0
		} else if cut {
			if quiet++; quiet == 10 {
				close(silent)
			}
		}
	}

	term, err := audio.Init(nil)
	must(t, err)
	defer term()
	d, err := audio.OpenDuplex(audio.DuplexConfig{NoAEC: noAEC, Mode: audio.EchoFullDuplex, PaceToClock: true, OnMic: onMic, OnPlayed: onPlayed})
	must(t, err)
	defer d.Close()
	outLat.Store(int64(d.Player.OutputLatency()))
	bi.Attach(d.Player, func(o Onset) {
		d.Player.Interrupt()
		now := time.Now()
		mu.Lock()
		cut, firedAt = true, now
		mu.Unlock()
		select {
		case fired <- o:
		default:
		}
	})
	go func() { // drain the frames nobody sends
		for range d.Capture.Frames() {
		}
	}()
	d.Player.Enqueue("resp_1", "item_1", 0, audio.SamplesToBytes(nil, agentSpeech(t)))

	var o Onset
	select {
	case o = <-fired:
	case <-time.After(15 * time.Second):
		t.Fatal("no barge-in within 15 s")
	}
	select {
	case <-silent:
	case <-time.After(5 * time.Second):
		t.Fatal("playback did not go silent within 5 s of the barge-in")
	}
	mu.Lock()
	defer mu.Unlock()
	truth := capStart.Add(time.Duration(truthIdx) * time.Second / audio.SampleRate)
	t.Logf("min_speech %v: onset at %v on the capture timeline (true %v), detected %v after it; output latency %v",
		Options{MinSpeechMS: minSpeechMS}.MinSpeech(), o.Speech.Sub(capStart), truth.Sub(capStart), o.Detected.Sub(truth), d.Player.OutputLatency())
	t.Logf("callback %v after the detecting frame's end on the capture timeline; silent %v after the callback", firedAt.Sub(o.Detected), lastLoud.Sub(firedAt))
	if e := o.Speech.Sub(truth); e < -20*time.Millisecond || e > 40*time.Millisecond {
		t.Errorf("onset reported %v from the true onset", e)
	}
	return deviceResult{lat: lastLoud.Sub(truth), readAhead: max(0, o.Detected.Sub(firedAt)), late: late.Max()}
}
