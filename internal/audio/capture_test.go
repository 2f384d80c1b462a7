package audio

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// collect opens a capture with an OnFrame that keeps the first n samples.
func collect(t *testing.T, cfg CaptureConfig, n int) (*Capture, func() []int16) {
	t.Helper()
	var mu sync.Mutex
	var got []int16
	full := make(chan struct{})
	cfg.OnFrame = func(f Frame) {
		mu.Lock()
		defer mu.Unlock()
		if len(f.PCM) != FrameBytes {
			t.Errorf("frame of %d bytes", len(f.PCM))
		}
		if len(got) < n {
			got = append(got, BytesToSamples(nil, f.PCM)...)
			if len(got) >= n {
				close(full)
			}
		}
	}
	c, err := OpenCapture(cfg)
	must(t, err)
	return c, func() []int16 {
		select {
		case <-full:
		case <-time.After(10 * time.Second):
			t.Fatal("capture did not deliver")
		}
		mu.Lock()
		defer mu.Unlock()
		return got[:n]
	}
}

func TestCaptureEqualsFixture(t *testing.T) {
	dir := fakeDir(t)
	fix := sine(SampleRate, 1000, SampleRate, 0.5, 0.3)
	// Reading past the end of in.raw repeats stale data: pad with 2 s of silence.
	writeIn(t, dir, append(append([]int16{}, fix...), make([]int16, 2*SampleRate)...))
	c, wait := collect(t, CaptureConfig{}, len(fix))
	got := wait()
	must(t, c.Close())
	if c.DeviceRate() != SampleRate {
		t.Errorf("device rate %v", c.DeviceRate())
	}
	for i := range fix {
		if got[i] != fix[i] {
			t.Fatalf("sample %d: got %d want %d", i, got[i], fix[i])
		}
	}
	if l := c.Level(); l.RMSDBFS > -60 && l.RMS == 0 {
		t.Errorf("level %+v", l)
	}
	if _, ok := <-c.Err(); ok {
		t.Error("unexpected error after clean close")
	}
}

func TestCapturePacedChannelAndMute(t *testing.T) {
	dir := fakeDir(t)
	fix := sine(SampleRate, 440, SampleRate, 0.25, 0)
	writeIn(t, dir, append(fix, make([]int16, 2*SampleRate)...))
	c, err := OpenCapture(CaptureConfig{PaceToClock: true})
	must(t, err)
	defer c.Close()
	start := time.Now()
	var frames []Frame
	for len(frames) < 10 {
		frames = append(frames, <-c.Frames())
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("10 paced frames in %v, want about 200 ms", el)
	}
	for i, f := range frames {
		if f.Seq != uint64(i) {
			t.Fatalf("frame %d seq %d", i, f.Seq)
		}
		want := SamplesToBytes(nil, fix[i*FrameSamples:(i+1)*FrameSamples])
		if string(f.PCM) != string(want) {
			t.Fatalf("frame %d differs", i)
		}
	}
	if l := c.Level(); l.RMSDBFS < -20 || l.RMSDBFS > -10 {
		t.Errorf("input level %+v, want about -15 dBFS", l)
	}
	c.SetMuted(true)
	time.Sleep(30 * time.Millisecond)
	for len(c.Frames()) > 0 { // drain what was queued before the mute
		<-c.Frames()
	}
	select {
	case f := <-c.Frames():
		if f.Seq > frames[9].Seq+3 {
			t.Errorf("frame %d delivered while muted", f.Seq)
		}
	case <-time.After(100 * time.Millisecond):
	}
	if !c.Muted() {
		t.Error("not muted")
	}
}

type failingReader struct{ n, failAt int }

func (r *failingReader) Read() error {
	r.n++
	if r.n >= r.failAt {
		return errors.New("device unplugged")
	}
	return nil
}

func TestCaptureDeviceErrorStops(t *testing.T) {
	// The fake ALSA device cannot fail mid-stream, so the read is injected here.
	c := newCapture(CaptureConfig{})
	c.reader = &failingReader{failAt: 4}
	c.buf = make([]int16, FrameSamples)
	go c.run()
	n := 0
	for range c.Frames() {
		n++
	}
	if n != 3 {
		t.Errorf("%d frames before the failure, want 3", n)
	}
	err, ok := <-c.Err()
	if !ok || !errors.Is(err, ErrDevice) || !strings.Contains(err.Error(), "unplugged") {
		t.Fatalf("Err() = %v, %v", err, ok)
	}
	must(t, c.Close())
}

func TestCaptureDropsOldest(t *testing.T) {
	c := newCapture(CaptureConfig{QueueFrames: 2})
	for i := 0; i < 5; i++ {
		c.deliver(Frame{Seq: uint64(i)})
	}
	if a, b := (<-c.frames).Seq, (<-c.frames).Seq; a != 3 || b != 4 || c.Dropped() != 3 {
		t.Errorf("kept %d,%d dropped %d; want 3,4 and 3", a, b, c.Dropped())
	}
}
