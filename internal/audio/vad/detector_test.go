package vad

import (
	"testing"

	"github.com/rtagent/rtagent/internal/audio"
)

// TestOnsetLatency: the user's speech after a second of room noise starts an event
// within MinSpeech plus one capture frame of the true onset (both 10 ms classifier
// frames of a capture frame are decided when it arrives: no wait for the next one); the event's Start points back at the onset; silence and noise start nothing.
func TestOnsetLatency(t *testing.T) {
	user := trimLeading(userSpeech(t))
	lead := audio.SampleRate
	mic := mix(append(noise(lead, 8, 1), user...), noise(lead+len(user), 8, 2))
	mic = append(mic, noise(audio.SampleRate, 8, 3)...)
	truth := int64(lead + onset(user))
	for _, ms := range []int{20, 60, 100} {
		o := Options{MinSpeechMS: ms}
		ev := detect(t, o, mic)
		if len(ev) < 2 || ev[0].Kind != SpeechStart || ev[len(ev)-1].Kind != SpeechEnd {
			t.Fatalf("min %d ms: events %+v, want a start first and an end last", ms, ev)
		}
		lat := (ev[0].Decided - truth) * 1000 / audio.SampleRate
		startErr := (ev[0].Start - truth) * 1000 / audio.SampleRate
		t.Logf("min_speech %3d ms: onset detected %d ms after the speech began (run start %+d ms); %d events", ms, lat, startErr, len(ev))
		if lat < int64(ms) || lat > int64(ms)+20 {
			t.Errorf("min %d ms: onset latency %d ms, want %d..%d", ms, lat, ms, ms+20)
		}
		if startErr < -20 || startErr > 40 {
			t.Errorf("min %d ms: run start %+d ms from the true onset", ms, startErr)
		}
	}
	for _, sens := range []Sensitivity{SensitivityLow, SensitivityMedium} {
		if ev := detect(t, Options{Sensitivity: sens}, noise(3*audio.SampleRate, 30, 4)); len(ev) != 0 {
			t.Errorf("%v: room noise at -61 dBFS gave events %+v", sens, ev)
		}
	}
	if ev := detect(t, Options{}, make([]int16, audio.SampleRate)); len(ev) != 0 {
		t.Errorf("digital silence gave events %+v", ev)
	}
}

// TestDetectorChunking: the events do not depend on how the stream is cut.
func TestDetectorChunking(t *testing.T) {
	user := trimLeading(userSpeech(t))
	mic := mix(append(noise(audio.SampleRate/2, 8, 1), user...), noise(audio.SampleRate/2+len(user), 8, 2))
	want := detect(t, Options{}, mic)
	d, err := NewDetector(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []Event
	for i, n := 0, 1; i < len(mic); i, n = i+n, n*3%997+1 {
		if got, err = d.Process(got, mic[i:min(i+n, len(mic))]); err != nil {
			t.Fatal(err)
		}
	}
	// detect stops at the last whole 20 ms frame; compare what both saw.
	if len(got) < len(want) || len(want) == 0 {
		t.Fatalf("odd chunks: %+v; 20 ms frames: %+v", got, want)
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].Start != want[i].Start {
			t.Errorf("event %d: %+v vs %+v", i, got[i], want[i])
		}
	}
	// Reset restarts positions and state.
	must(t, d.Reset())
	if d.Fed() != 0 || d.Speaking() {
		t.Errorf("after Reset: fed %d speaking %v", d.Fed(), d.Speaking())
	}
	again, err := d.Process(nil, mic[:len(mic)/audio.FrameSamples*audio.FrameSamples])
	must(t, err)
	if len(again) == 0 || again[0].Kind != want[0].Kind || again[0].Start != want[0].Start {
		t.Errorf("after Reset: %+v, want %+v first", again, want[0])
	}
	d.Close()
	if _, err := d.Process(nil, mic[:480]); err == nil {
		t.Error("Process after Close succeeded")
	}
}

// BenchmarkDetectorFrame: the cost of one 20 ms capture frame (resampling and two
// WebRTC classifications).
func BenchmarkDetectorFrame(b *testing.B) {
	user := userSpeech(b)
	d, err := NewDetector(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	frames := len(user) / audio.FrameSamples
	ev := make([]Event, 0, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := (i % frames) * audio.FrameSamples
		if ev, err = d.Process(ev[:0], user[k:k+audio.FrameSamples]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/frame")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(audio.FrameDuration.Nanoseconds())*100, "%core")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
