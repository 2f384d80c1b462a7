package audio

import (
	"context"
	"testing"
	"time"
)

// pattern is a loud signal with no zero samples, so its start is easy to find.
func pattern(n int) []int16 {
	s := sine(n, 523, SampleRate, 0.6, 0)
	for i := range s {
		if s[i] >= 0 && s[i] < 200 {
			s[i] = 200 + int16(i%50)
		} else if s[i] < 0 && s[i] > -200 {
			s[i] = -200 - int16(i%50)
		}
	}
	return s
}

func enqueueChunks(p *Player, resp, item string, s []int16, chunk int) {
	for i := 0; i < len(s); i += chunk {
		p.Enqueue(resp, item, 0, SamplesToBytes(nil, s[i:min(i+chunk, len(s))]))
	}
}

func TestPlayerPlaysWhatWasEnqueued(t *testing.T) {
	dir := fakeDir(t)
	p, err := OpenPlayer(PlayerConfig{PaceToClock: true, Prebuffer: 60 * time.Millisecond})
	must(t, err)
	a, b := pattern(SampleRate/4), pattern(SampleRate/5)
	enqueueChunks(p, "r1", "item_a", a, 960) // 40 ms deltas
	enqueueChunks(p, "r1", "item_b", b, 960)
	if st := p.State(); !st.Active {
		t.Errorf("state before playback %+v, want active", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, p.Drain(ctx))
	st := p.State()
	if st.ItemID != "item_b" || st.PlayedBytes != 2*len(b) || st.Active {
		t.Errorf("after drain: %+v, want item_b fully played (%d bytes), inactive", st, 2*len(b))
	}
	if lvl := p.Level(); lvl.RMS != 0 {
		t.Errorf("output level after drain %+v, want silence", lvl)
	}
	must(t, p.Close())
	out := newestOut(t, dir)
	lead := firstNonZero(out)
	want := append(append([]int16{}, a...), b...)
	if lead < 0 || len(out) < lead+len(want) {
		t.Fatalf("out.raw has %d samples, audio at %d", len(out), lead)
	}
	for i, v := range want {
		if out[lead+i] != v {
			t.Fatalf("sample %d: played %d, enqueued %d", i, out[lead+i], v)
		}
	}
	if l := lastNonZero(out); l != lead+len(want)-1 {
		t.Errorf("audio after the end: last non-zero %d, want %d", l, lead+len(want)-1)
	}
	t.Logf("leading silence %.1f ms, output latency %v", float64(lead)/24, p.OutputLatency())
}

// interruptRun plays 2 s of audio, interrupts after about 400 ms and returns what the
// device received, the snapshot, the enqueued signal and the player.
func interruptRun(t testing.TB, dir string, cfg PlayerConfig) ([]int16, []int16, *Player, int, time.Duration) {
	p, err := OpenPlayer(cfg)
	must(t, err)
	sig := pattern(2 * SampleRate)
	enqueueChunks(p, "r1", "item_1", sig, 2400)
	deadline := time.Now().Add(5 * time.Second)
	for p.State().PlayedBytes < 400*BytesPerMsPCM16 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	snap := p.Interrupt()
	tInt := time.Now()
	if snap.ItemID != "item_1" || !snap.Active || snap.PlayedBytes < 400*BytesPerMsPCM16 {
		t.Fatalf("snapshot %+v", snap)
	}
	if st := p.State(); st.Active || st.ItemID != "" {
		t.Errorf("state after interrupt %+v, want reset", st)
	}
	// Wait until the fade has been handed to the device.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, p.Drain(ctx))
	silentAfter := time.Since(tInt)
	time.Sleep(2 * cfg.DeviceBuffer)
	must(t, p.Close())
	return newestOut(t, dir), sig, p, snap.PlayedBytes, silentAfter
}

func TestPlayerInterruptFadesAndTracks(t *testing.T) {
	dir := fakeDir(t)
	cfg := PlayerConfig{PaceToClock: true, DeviceBuffer: 10 * time.Millisecond}
	out, sig, p, played, _ := interruptRun(t, dir, cfg)
	buf := int(SampleRate * cfg.DeviceBuffer.Seconds())
	lead := firstNonZero(out)
	cut := lead
	for cut < len(out) && cut-lead < len(sig) && out[cut] == sig[cut-lead] {
		cut++
	}
	// The fade starts where output first departs from the signal (its first gain is 1,
	// so it may start one sample earlier).
	fadeAt := -1
	for _, f := range []int{cut - 1, cut} {
		ok := true
		for i := 0; i < FadeSamples && ok; i++ {
			want := clamp16(float64(sig[f-lead+i]) * float64(FadeSamples-i) / FadeSamples)
			if d := int(out[f+i]) - int(want); d > 1 || d < -1 {
				ok = false
			}
		}
		if ok {
			fadeAt = f
			break
		}
	}
	if fadeAt < 0 {
		t.Fatalf("no linear 12 ms fade at sample %d (item sample %d)", cut, cut-lead)
	}
	if l := lastNonZero(out); l >= fadeAt+FadeSamples {
		t.Errorf("audio after the fade: last non-zero %d, fade ends %d", l, fadeAt+FadeSamples)
	}
	// Written item samples at the interrupt = fadeAt−lead; the tracker reports that
	// minus the output latency, within one device buffer.
	written := fadeAt - lead
	lat := samplesFor(p.OutputLatency(), SampleRate)
	if d := played/2 - (written - lat); d > buf || d < -buf {
		t.Errorf("played %d samples, written %d − latency %d = %d: off by %d (> one buffer %d)", played/2, written, lat, written-lat, d, buf)
	}
	after := float64(fadeAt+FadeSamples-(lead+played/2)) / 24
	t.Logf("interrupt at item sample %d; device had %d; audio after the interrupt point: %.1f ms (latency %v + fade 12 ms)", played/2, written, after, p.OutputLatency())
}

func TestPlayerRearmsAfterStarvation(t *testing.T) {
	dir := fakeDir(t)
	p, err := OpenPlayer(PlayerConfig{PaceToClock: true, Prebuffer: 100 * time.Millisecond})
	must(t, err)
	short := pattern(SampleRate / 50) // 20 ms: shorter than the prebuffer
	p.Enqueue("r1", "a", 0, SamplesToBytes(nil, short))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, p.Drain(ctx)) // must start after the prebuffer timeout
	p.Enqueue("r2", "b", 0, SamplesToBytes(nil, short))
	must(t, p.Drain(ctx))
	must(t, p.Close())
	out := newestOut(t, dir)
	first := firstNonZero(out)
	second := first + len(short)
	for second < len(out) && out[second] == 0 {
		second++
	}
	gap := float64(second-first-len(short)) / 24
	if gap < 90 {
		t.Errorf("second response started %.1f ms after the first ended; want the prebuffer (100 ms) re-armed", gap)
	}
	if st := p.State(); st.ItemID != "b" || st.PlayedBytes != 2*len(short) {
		t.Errorf("state %+v", st)
	}
}

func TestPlayerConfigValidation(t *testing.T) {
	for _, c := range []PlayerConfig{{Prebuffer: 10 * time.Millisecond}, {Prebuffer: 3 * time.Second}, {DeviceBuffer: time.Millisecond}} {
		if _, err := OpenPlayer(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// An idle player hands the device idleBlocks buffers of silence per write (a
// quarter of the wake-ups), and one device buffer at a time while audio plays, so an
// interrupt still takes effect within one device buffer.
func TestPlayerIdleWritesAreLong(t *testing.T) {
	fakeDir(t)
	type write struct {
		n    int
		loud bool
	}
	writes := make(chan write, 1000)
	p, err := OpenPlayer(PlayerConfig{PaceToClock: true, Prebuffer: 60 * time.Millisecond, OnPlayed: func(_ time.Time, pcm []int16) {
		loud := false
		for _, v := range pcm {
			loud = loud || v != 0
		}
		select {
		case writes <- write{len(pcm), loud}:
		default:
		}
	}})
	must(t, err)
	defer p.Close()
	block := samplesFor(DefaultDeviceBuffer, SampleRate)
	for range 3 { // idle from the start
		if w := <-writes; w.n != idleBlocks*block || w.loud {
			t.Fatalf("idle write %+v, want %d samples of silence", w, idleBlocks*block)
		}
	}
	enqueueChunks(p, "r1", "item_a", pattern(SampleRate/5), 960)
	var loud int
	for loud < 10 {
		w := <-writes
		if w.loud {
			loud++
			if w.n != block {
				t.Fatalf("write while playing: %d samples, want %d", w.n, block)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, p.Drain(ctx))
	for {
		if w := <-writes; w.n == idleBlocks*block {
			break // idle again
		}
	}
}
