package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/audio/vad"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// espeak renders text with espeak-ng at 24 kHz PCM16 mono through sox without
// dither (deterministic); scripts/deps.sh --test installs both.
func espeak(tb testing.TB, voice, text string) []int16 {
	tb.Helper()
	return audio.BytesToSamples(nil, testkit.Speak(tb, voice, text))
}

// firstAbove is the first sample whose magnitude exceeds lim, or -1.
func firstAbove(s []int16, lim int16) int {
	for i, v := range s {
		if v > lim || v < -lim {
			return i
		}
	}
	return -1
}

// 5. Local barge-in through the chat's voice pipeline (app.Voice: real PortAudio on
// the ALSA file device, AEC on, model.local_vad on): the assistant's answer plays
// while the microphone file holds room noise and then the user's speech. The local
// voice detector interrupts the session (reason local_vad) before the server hears
// anything (manual turns: no server VAD at all): playback goes silent, the client
// cancels (R7.7) and truncates at what was played (R7.4, R7.6). The figure is from
// the speech onset in the microphone signal to the last audible output sample, both
// on the stream timelines.
func TestVoiceLocalVADBargeIn(t *testing.T) {
	for _, ms := range []int{0, 60} { // 0: the default
		t.Run(fmt.Sprintf("min_speech_ms=%d", ms), func(t *testing.T) { localVADBargeIn(t, ms) })
	}
}

func localVADBargeIn(t *testing.T, minSpeechMS int) {
	user := espeak(t, "en-us", "Wait, stop. I have a different question about my order.")
	// 7 s of room noise: the answer starts playing within the first 2 s, and local
	// barge-in is trusted after 4 s of playback (vad.DefaultWarmup, the AEC converges).
	lead := 7 * audio.SampleRate
	rng := rand.New(rand.NewSource(1))
	in := make([]int16, lead, lead+len(user)+10*audio.SampleRate)
	for i := range in {
		in[i] = int16(8 * rng.NormFloat64())
	}
	in = append(in, user...)
	in = append(in, make([]int16, 10*audio.SampleRate)...) // the file device repeats past the end
	dir := fakeDir(t, in)
	truthIdx := lead + firstAbove(user, 100)

	var (
		mu       sync.Mutex
		capStart time.Time
		lastLoud time.Time // end of the last non-zero output sample
		late     testkit.Lateness
		outLat   atomic.Int64 // the player's output latency once open
	)
	v, err := app.OpenVoice(app.VoiceOptions{
		// A 300 ms jitter buffer keeps the real-time stream from starving on a loaded
		// machine (a gap in out.raw would hide the cut).
		PaceToClock: true, Prebuffer: 300 * time.Millisecond,
		OnMic: func(captured time.Time, _, _ []int16) {
			late.Observe(captured) // the file device hands a frame over at its first sample
			mu.Lock()
			if capStart.IsZero() {
				capStart = captured
				late.From(captured.Add(time.Duration(truthIdx)*time.Second/audio.SampleRate - 100*time.Millisecond))
			}
			mu.Unlock()
		},
		OnPlayed: func(at time.Time, pcm []int16) {
			late.Observe(at.Add(-time.Duration(outLat.Load()))) // written one output latency ahead
			for i := len(pcm) - 1; i >= 0; i-- {
				if pcm[i] != 0 {
					mu.Lock()
					lastLoud = at.Add(time.Duration(i+1) * time.Second / audio.SampleRate)
					mu.Unlock()
					return
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	p := v.Sink().(*audio.Player)
	outLat.Store(int64(p.OutputLatency()))
	r := startRig(t, rigConfig{Pace: 1, Base: voiceBase(nil, false), Sink: p})
	status, err := v.StartLocalVAD(&vad.Options{Enabled: true, MinSpeechMS: minSpeechMS}, r.sess)
	if err != nil {
		t.Fatal(err)
	}
	if minSpeechMS == 0 {
		minSpeechMS = vad.DefaultMinSpeechMS
	}
	if status != fmt.Sprintf("local VAD medium ≥%dms", minSpeechMS) {
		t.Errorf("status %q", status)
	}

	text := strings.Repeat("please read this fairly long sentence back to me slowly ", 5)
	want := speech("You said: " + strings.TrimSpace(text))
	if len(want) < 12*audio.SampleRate {
		t.Fatalf("answer is %d samples, want more than 12 s", len(want))
	}
	if err := r.sess.SendText(strings.TrimSpace(text)); err != nil {
		t.Fatal(err)
	}
	ai := waitEvent[session.AudioInterrupted](t, r.rec, nil)
	end := waitEvent[session.AgentEnd](t, r.rec, nil)
	waitEvent(t, r.rec, func(e session.HistoryUpdated) bool { return e.Item != nil && e.Item.TruncatedAtMS != nil })
	// Wait for the output to be silent for good: 300 ms of nothing after the cut.
	deadline := time.Now().Add(waitTimeout)
	for {
		mu.Lock()
		ll := lastLoud
		mu.Unlock()
		if time.Since(ll) > 300*time.Millisecond+p.OutputLatency() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("playback did not go silent")
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := r.closeAndValidate()
	r.noErrors()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}

	if ai.Reason != session.ReasonLocalVAD {
		t.Errorf("audio_interrupted %+v, want reason %s", ai, session.ReasonLocalVAD)
	}
	if end.Status != "cancelled" {
		t.Errorf("agent_end %+v, want cancelled", end)
	}
	if n := len(framesOf(lines, "server", "input_audio_buffer.speech_started")); n != 0 {
		t.Errorf("%d server speech_started: the interrupt must be the local detector's", n)
	}
	cancels, tr := framesOf(lines, "client", "response.cancel"), framesOf(lines, "client", "conversation.item.truncate")
	if len(cancels) != 1 || len(tr) != 1 {
		t.Fatalf("%d response.cancel and %d conversation.item.truncate, want 1 each (R7.6, R7.7)", len(cancels), len(tr))
	}
	var trunc struct {
		ItemID     string `json:"item_id"`
		AudioEndMS int    `json:"audio_end_ms"`
	}
	if err := json.Unmarshal(tr[0], &trunc); err != nil {
		t.Fatal(err)
	}
	if trunc.ItemID != ai.ItemID || trunc.AudioEndMS != ai.PlayedMS {
		t.Errorf("truncate %s vs audio_interrupted %+v", tr[0], ai)
	}

	// The device: answer[0:cut] exactly, the 12 ms fade, then silence; the truncate
	// is at the samples written less the output latency (R7.3), within one buffer.
	out := readOut(t, dir)
	off := firstNonZero(out) - firstNonZero(want)
	if off < 0 {
		t.Fatal("nothing played")
	}
	match := 0
	for off+match < len(out) && match < len(want) && out[off+match] == want[match] {
		match++
	}
	var cut = -1
	for c := max(0, match-2*audio.FadeSamples); c <= match && c+audio.FadeSamples <= len(want); c++ {
		if fadeAndSilenceAt(out, want, off, c) {
			cut = c
		}
	}
	if cut < 0 {
		t.Fatalf("out.raw is not answer[0:cut] + 12 ms fade + silence (prefix matches %d samples)", match)
	}
	// A cut inside a pause of the answer (a run of zero samples) cannot be placed in
	// out.raw: any point of the pause fits. cutLo is the pause's start, cut its end.
	cutLo := cut
	for cutLo > 0 && want[cutLo-1] == 0 && off+cutLo-1 < len(out) && out[off+cutLo-1] == 0 {
		cutLo--
	}
	latN := int(p.OutputLatency().Seconds() * audio.SampleRate)
	blockN := int(audio.DefaultDeviceBuffer.Seconds() * audio.SampleRate)
	if end := float64(trunc.AudioEndMS); end < float64(cutLo-latN-blockN)/24-1 || end > float64(cut-latN)/24+1 {
		t.Errorf("audio_end_ms %d does not match the audio written (%d samples, or from %d in a pause, less %d latency) within one device buffer",
			trunc.AudioEndMS, cut, cutLo, latN)
	}

	mu.Lock()
	truth := capStart.Add(time.Duration(truthIdx) * time.Second / audio.SampleRate)
	lat := lastLoud.Sub(truth)
	mu.Unlock()
	t.Logf("speech onset in the microphone → playback silent: %.1f ms (min_speech %d ms; output latency %v; device loops up to %v late); truncate at %d ms",
		float64(lat)/float64(time.Millisecond), minSpeechMS, p.OutputLatency(), late.Max(), trunc.AudioEndMS)
	// About min_speech + 12 ms on an idle machine: the detection completes with the
	// capture frame that holds the onset's first min_speech (the file device hands it
	// over at its first sample, about 19 ms early), then the next 10 ms device
	// buffer carries the 12 ms fade, heard one output latency (10 ms) later. The
	// default must meet issue 13's 60 ms (about 32 ms idle: room for load); other
	// settings get min_speech + 60 ms.
	bound := time.Duration(minSpeechMS+60) * time.Millisecond
	if minSpeechMS == vad.DefaultMinSpeechMS {
		bound = 60 * time.Millisecond
	}
	if cutLo < cut {
		// The last loud sample came before the pause the cut fell in: the figure
		// says when the answer paused, not when it was cut.
		t.Logf("the cut fell in a %d ms pause of the answer: the figure is not checked", (cut-cutLo)/24)
		return
	}
	if l := late.Max(); l > 15*time.Millisecond {
		// The machine took the CPU away from the capture or playback loop around the
		// barge-in (idle: under 2 ms late): a stalled loop re-anchors its stream
		// timeline, so the figure measures the scheduler, in either direction (seen:
		// -20 ms after a 72 ms stall under -race). The barge-in itself is checked above.
		t.Logf("a device loop ran %v late around the barge-in: the figure is not checked", l)
		return
	}
	if lat <= 0 || lat > bound {
		t.Errorf("onset → silent %v, want (0, %v]", lat, bound)
	}
}

// Without AEC on speakers the echo guard cannot tell the assistant's voice from the
// user's, and half-duplex promises barge-in by key only: local VAD stays off there
// and the status line says why.
func TestVoiceLocalVADOffWithoutAEC(t *testing.T) {
	for _, c := range []struct {
		o    app.VoiceOptions
		want string
	}{
		{app.VoiceOptions{NoAEC: true}, "local VAD off (needs AEC; --no-aec)"},
		{app.VoiceOptions{HalfDuplex: true}, "local VAD off (--half-duplex)"},
	} {
		fakeDir(t, nil)
		c.o.PaceToClock = true
		v, err := app.OpenVoice(c.o)
		if err != nil {
			t.Fatal(err)
		}
		status, err := v.StartLocalVAD(&vad.Options{Enabled: true}, nil)
		if err != nil || status != c.want || v.LocalVADStatus() != c.want {
			t.Errorf("%+v: status %q, %v; want %q", c.o, status, err, c.want)
		}
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var none *app.Voice // text mode
	if s, err := none.StartLocalVAD(&vad.Options{Enabled: true}, nil); s != "" || err != nil {
		t.Errorf("text mode: %q, %v", s, err)
	}
}
