package audio

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWAVRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.wav")
	s := pattern(SampleRate/2 + 7)
	w, err := CreateWAV(p, SampleRate, 1)
	must(t, err)
	must(t, w.Write(s[:1000]))
	must(t, w.Write(s[1000:]))
	must(t, w.Close())
	got, err := LoadWAV24k(p)
	must(t, err)
	if len(got) != len(s) {
		t.Fatalf("%d samples, want %d", len(got), len(s))
	}
	for i := range s {
		if got[i] != s[i] {
			t.Fatalf("sample %d", i)
		}
	}
	// Stereo 48 kHz float is downmixed and resampled.
	st := filepath.Join(t.TempDir(), "st.wav")
	writeFloatWAV(t, st, 48000, 2, 48000)
	mono, err := LoadWAV24k(st)
	must(t, err)
	if d := len(mono) - SampleRate; d < -1 || d > 1 {
		t.Fatalf("%d samples", len(mono))
	}
	if snr := snrDB(mono, 1000, 0.25, 200); snr < 60 {
		t.Errorf("downmix+resample SNR %.1f", snr)
	}
}

// writeFloatWAV writes frames of 1 kHz at 0.5 on the left and 0 on the right.
func writeFloatWAV(t *testing.T, path string, rate, ch, frames int) {
	var b bytes.Buffer
	data := frames * ch * 4
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(3), uint16(ch), uint32(rate), uint32(rate * ch * 4), uint16(ch * 4), uint16(32)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("LIST")
	binary.Write(&b, binary.LittleEndian, uint32(3))
	b.Write([]byte{1, 2, 3, 0}) // odd chunk + pad byte
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	for i := 0; i < frames; i++ {
		binary.Write(&b, binary.LittleEndian, float32(0.5*math.Sin(2*math.Pi*1000*float64(i)/float64(rate))))
		binary.Write(&b, binary.LittleEndian, float32(0))
	}
	must(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func readStereo(t *testing.T, path string) (l, r []int16, info WAVInfo) {
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	s, info, err := DecodeWAV(f)
	must(t, err)
	for i := 0; i+1 < len(s); i += 2 {
		l = append(l, clamp16(float64(s[i])*32768))
		r = append(r, clamp16(float64(s[i+1])*32768))
	}
	return l, r, info
}

func TestRecorderAlignment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rec.wav")
	t0 := time.Now()
	r, err := CreateRecorder(p, t0)
	must(t, err)
	mic := pattern(SampleRate) // 1 s of mic in 20 ms frames
	model := sine(SampleRate/2, 700, SampleRate, 0.3, 0.5)
	for i := 0; i < len(mic)/FrameSamples; i++ {
		at := t0.Add(time.Duration(i) * FrameDuration)
		// Jitter of a few ms must not move the audio.
		jit := time.Duration(i%3) * time.Millisecond
		r.Mic(at.Add(jit), mic[i*FrameSamples:(i+1)*FrameSamples])
		if ms := i * 20; ms >= 300 && ms < 800 {
			k := (ms - 300) * 24
			r.Model(t0.Add(300*time.Millisecond+time.Duration(k)*time.Second/SampleRate), model[k:k+FrameSamples])
		}
	}
	must(t, r.Close())
	r.Mic(t0, mic[:10]) // after Close: ignored
	l, rt, info := readStereo(t, p)
	if info.Channels != 2 || info.SampleRate != SampleRate || len(l) != SampleRate {
		t.Fatalf("%+v, %d frames", info, len(l))
	}
	for i := range mic {
		if l[i] != mic[i] {
			t.Fatalf("left sample %d", i)
		}
	}
	off := 300 * 24
	for i := range rt {
		want := int16(0)
		if i >= off && i < off+len(model) {
			want = model[i-off]
		}
		if rt[i] != want {
			t.Fatalf("right sample %d (%.1f ms): %d want %d", i, float64(i)/24, rt[i], want)
		}
	}
}

func TestRecorderDurableWhenNotClosed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "crash.wav")
	t0 := time.Now()
	r, err := CreateRecorder(p, t0)
	must(t, err)
	mic := pattern(3 * SampleRate / 2)
	for i := 0; i < len(mic)/FrameSamples; i++ {
		r.Mic(t0.Add(time.Duration(i)*FrameDuration), mic[i*FrameSamples:(i+1)*FrameSamples])
	}
	// Simulated crash: read the file without closing the recorder.
	b, err := os.ReadFile(p)
	must(t, err)
	size := binary.LittleEndian.Uint32(b[40:44])
	if size < 2*2*SampleRate {
		t.Errorf("header says %d data bytes; want at least 1 s patched", size)
	}
	if len(b)-44 < 2*2*(len(mic)-recHorizon) {
		t.Errorf("file holds %d data bytes; want all but the last 500 ms of %d", len(b)-44, 4*len(mic))
	}
	l, _, _ := readStereo(t, p)
	for i := range l {
		if l[i] != mic[i] {
			t.Fatalf("sample %d", i)
		}
	}
	must(t, r.Close())
	l, _, _ = readStereo(t, p)
	if len(l) != len(mic) {
		t.Errorf("after close %d frames, want %d", len(l), len(mic))
	}
}

func TestWAVSource(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.wav")
	s := pattern(SampleRate/10 + 100) // 100 ms + a partial frame
	w, err := CreateWAV(p, SampleRate, 1)
	must(t, err)
	must(t, w.Write(s))
	must(t, w.Close())
	for _, fast := range []bool{true, false} {
		src, err := OpenWAVSource(WAVSourceConfig{Path: p, Fast: fast, TrailingSilence: 40 * time.Millisecond})
		must(t, err)
		start := time.Now()
		var got []int16
		for f := range src.Frames() {
			got = append(got, BytesToSamples(nil, f.PCM)...)
		}
		el := time.Since(start)
		must(t, src.Close())
		if len(got) != 8*FrameSamples { // 100 ms + partial (padded) + 40 ms
			t.Fatalf("fast=%v: %d samples", fast, len(got))
		}
		for i := range s {
			if got[i] != s[i] {
				t.Fatalf("sample %d", i)
			}
		}
		if !fast && el < 140*time.Millisecond {
			t.Errorf("real-time source took %v for 160 ms", el)
		}
		if fast && el > 100*time.Millisecond {
			t.Errorf("fast source took %v", el)
		}
	}
	// Close mid-stream joins the goroutine.
	src, err := OpenWAVSource(WAVSourceConfig{Path: p})
	must(t, err)
	<-src.Frames()
	must(t, src.Close())
}

func TestWAVSinkInterrupt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.wav")
	s, err := CreateWAVSink(WAVSinkConfig{Path: p})
	must(t, err)
	sig := pattern(SampleRate) // 1 s
	s.Enqueue("r", "a", 0, SamplesToBytes(nil, sig))
	time.Sleep(200 * time.Millisecond)
	st := s.Interrupt()
	if st.ItemID != "a" || st.PlayedBytes < 150*48 || st.PlayedBytes > 400*48 {
		t.Errorf("snapshot %+v", st)
	}
	s.Enqueue("r2", "b", 0, SamplesToBytes(nil, sig[:2400]))
	must(t, s.Close()) // writes the queued remainder of b
	got, err := LoadWAV24k(p)
	must(t, err)
	played := st.PlayedBytes / 2
	if len(got) < played+FadeSamples+2400-480 || len(got) > played+FadeSamples+2400+480 {
		t.Errorf("file has %d samples; want played %d + fade %d + 2400 (± one tick)", len(got), played, FadeSamples)
	}
	for i := 0; i < played-480; i++ {
		if got[i] != sig[i] {
			t.Fatalf("sample %d", i)
		}
	}
	// Fast mode writes everything at once.
	p2 := filepath.Join(t.TempDir(), "fast.wav")
	f, err := CreateWAVSink(WAVSinkConfig{Path: p2, Fast: true})
	must(t, err)
	f.Enqueue("r", "a", 0, SamplesToBytes(nil, sig))
	f.Interrupt()
	must(t, f.Close())
	got, err = LoadWAV24k(p2)
	must(t, err)
	if len(got) != len(sig) {
		t.Errorf("fast sink wrote %d samples", len(got))
	}
}
