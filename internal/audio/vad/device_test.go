package vad

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
)

// TestBargeInDevice measures local barge-in end to end through real PortAudio on the
// ALSA file device: the assistant's voice plays through the duplex (AEC on, and off
// as with headphones) while
// the microphone file holds room noise and then the user's speech; the BargeIn on
// the capture's OnMic interrupts the player (what session.Interrupt does first,
// R7.6 steps 1–2). The figure is from the speech onset in the microphone signal to
// the last audible output sample, both on the stream timelines (capture: when a
// sample entered the microphone; playback: when it is heard).
func TestBargeInDevice(t *testing.T) {
	for _, c := range []struct {
		noAEC bool
		ms    int
	}{{false, 20}, {false, 40}, {false, DefaultMinSpeechMS}, {true, 20}} {
		lat := bargeInDevice(t, c.noAEC, c.ms)
		t.Logf("AEC off %v, min_speech %d ms: speech onset → playback silent %.1f ms", c.noAEC, c.ms, float64(lat)/float64(time.Millisecond))
		// About ms+50 on an idle machine; the bound leaves room for a loaded one (the
		// capture timeline is nominal, the interrupt happens when the goroutine runs).
		if lat <= 0 || lat > time.Duration(c.ms+250)*time.Millisecond {
			t.Errorf("AEC off %v, min_speech %d ms: onset → silent %v, want (0, %d ms]", c.noAEC, c.ms, lat, c.ms+250)
		}
	}
}

func bargeInDevice(t *testing.T, noAEC bool, minSpeechMS int) time.Duration {
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
		cut      bool
		lastLoud time.Time // end of the last non-zero output sample
		quiet    int       // silent buffers since the interrupt
		silent   = make(chan struct{})
	)
	onMic := func(captured time.Time, mic, out []int16) {
		mu.Lock()
		if capStart.IsZero() {
			capStart = captured
		}
		mu.Unlock()
		bi.Observe(captured, mic, out)
	}
	onPlayed := func(at time.Time, pcm []int16) {
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
	bi.Attach(d.Player, func(o Onset) {
		d.Player.Interrupt()
		mu.Lock()
		cut = true
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
	t.Logf("min_speech %d ms: onset at %v on the capture timeline (true %v), detected %v after it; output latency %v",
		minSpeechMS, o.Speech.Sub(capStart), truth.Sub(capStart), o.Detected.Sub(truth), d.Player.OutputLatency())
	if e := o.Speech.Sub(truth); e < -20*time.Millisecond || e > 40*time.Millisecond {
		t.Errorf("onset reported %v from the true onset", e)
	}
	return lastLoud.Sub(truth)
}
