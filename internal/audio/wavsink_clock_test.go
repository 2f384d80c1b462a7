package audio

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// wavData returns the data chunk of a WAV file written by WAVWriter.
func wavData(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < wavHeaderSize {
		t.Fatalf("%s: %d bytes, no header", path, len(b))
	}
	return b[wavHeaderSize:]
}

func testPCM(n int) []byte {
	pcm := make([]byte, n)
	for i := range pcm {
		pcm[i] = byte(i*31 + 7)
	}
	return pcm
}

// Both modes write the enqueued PCM bytes as they are.
func TestWAVSinkWritesBytesAsTheyAre(t *testing.T) {
	for _, fast := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "out.wav")
		s, err := CreateWAVSink(WAVSinkConfig{Path: path, Fast: fast})
		must(t, err)
		var want []byte
		for i := range 30 { // 30 × 40 ms: crosses the one-second header patch
			pcm := testPCM(1920 + 2*i)
			want = append(want, pcm...)
			s.Enqueue("r", "i", 0, pcm)
			pcm[0] ^= 0xff // the sink does not keep the caller's buffer
		}
		must(t, s.Close())
		if got := wavData(t, path); !bytes.Equal(got, want) {
			t.Errorf("fast=%v: file holds %d bytes, not the %d enqueued", fast, len(got), len(want))
		}
	}
}

// The real-time clock owns no goroutine: an idle sink never wakes up. (Goroutines
// of earlier tests in this package may still be ending, so the count may drop; it
// must not grow, and no goroutine may run the sink's or the clock's code.)
func TestWAVSinkClockHasNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := CreateWAVSink(WAVSinkConfig{Path: filepath.Join(t.TempDir(), "out.wav")})
	must(t, err)
	s.Enqueue("r", "i", 0, testPCM(4800))
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after creating a real-time WAV sink, want at most %d", n, before)
	}
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")[1:] { // [0]: this test
		if strings.Contains(g, "internal/audio.(*WAVSink)") || strings.Contains(g, "internal/audio.CreateWAVSink") ||
			strings.Contains(g, "internal/audio/wallclock.") {
			t.Errorf("a goroutine runs the WAV sink's clock:\n%s", g)
		}
	}
	must(t, s.Close())
}

// WaitPlayed sleeps until the queue runs out by the clock — exactly then, and
// audio enqueued meanwhile extends the wait; the file holds what played.
func TestWAVSinkWaitPlayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.wav")
		s, err := CreateWAVSink(WAVSinkConfig{Path: path})
		must(t, err)
		start := time.Now()
		must(t, s.WaitPlayed(context.Background())) // idle: at once
		if d := time.Since(start); d != 0 {
			t.Fatalf("idle WaitPlayed took %v", d)
		}
		s.Enqueue("r", "i", 0, testPCM(4800)) // 100 ms
		done := make(chan error)
		go func() { done <- s.WaitPlayed(context.Background()) }()
		time.Sleep(60 * time.Millisecond)
		if !s.State().Active {
			t.Fatal("not active 60 ms into 100 ms of audio")
		}
		s.Enqueue("r", "i", 0, testPCM(2400)) // +50 ms
		must(t, <-done)
		if d := time.Since(start); d != 150*time.Millisecond {
			t.Errorf("WaitPlayed returned after %v, want 150ms", d)
		}
		if st := s.State(); st.Active || st.PlayedBytes != 7200 {
			t.Errorf("after WaitPlayed: %+v", st)
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.Enqueue("r", "j", 0, testPCM(4800))
		cancel()
		if err := s.WaitPlayed(ctx); err != context.Canceled {
			t.Errorf("WaitPlayed with a cancelled context: %v", err)
		}
		must(t, s.Close())
	})
}

// At real-time delivery (each 40 ms delta arrives as the one before runs out, so the
// queue runs dry between deltas) the clock sink allocates nothing per delta, as
// the --fast sink does not, and the file still holds every byte in order (issue 13).
func TestWAVSinkClockRealTimeNoAlloc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.wav")
		s, err := CreateWAVSink(WAVSinkConfig{Path: path})
		must(t, err)
		want := make([]byte, 0, 24*1920)
		pcm := testPCM(1920)
		delta := func() {
			s.Enqueue("resp", "item", 0, pcm)
			want = append(want, pcm...)
			pcm[0]++ // the caller reuses its buffer
			time.Sleep(45 * time.Millisecond)
		}
		delta()
		// 24 deltas: under a second of audio, so no header patch in the window.
		if a := testing.AllocsPerRun(23, delta); a != 0 {
			t.Errorf("%v allocations per delta, want 0", a)
		}
		must(t, s.Close())
		if got := wavData(t, path); !bytes.Equal(got, want) {
			t.Errorf("file holds %d bytes, not the %d enqueued", len(got), len(want))
		}
	})
}
