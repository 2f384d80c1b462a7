package audio

import (
	"math"
	"testing"
)

// snrDB compares got against an ideal sine at 24 kHz, skipping the edges.
func snrDB(got []int16, freq, amp float64, skip int) float64 {
	var sig, noise float64
	for i := skip; i < len(got)-skip; i++ {
		ideal := amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/SampleRate)
		d := float64(got[i]) - ideal
		sig += ideal * ideal
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}

func resampleAll(t *testing.T, in []int16, from, to int, chunk int) []int16 {
	rs, err := NewResampler(from, to)
	must(t, err)
	var out []int16
	for i := 0; i < len(in); i += chunk {
		out = rs.Process(out, in[i:min(i+chunk, len(in))])
	}
	return rs.Flush(out)
}

func TestResamplerQuality(t *testing.T) {
	for _, from := range []int{48000, 16000, 44100, 8000} {
		in := sine(from, 1000, float64(from), 0.5, 0) // 1 s of 1 kHz
		out := resampleAll(t, in, from, SampleRate, 441)
		if d := len(out) - SampleRate; d < -1 || d > 1 {
			t.Errorf("%d→24k: %d samples, want %d", from, len(out), SampleRate)
		}
		snr := snrDB(out, 1000, 0.5, 200)
		t.Logf("%d → 24000: 1 kHz SNR %.1f dB", from, snr)
		if snr < 60 {
			t.Errorf("%d → 24000: SNR %.1f dB < 60", from, snr)
		}
	}
	// Aliasing: a 15 kHz tone above the 12 kHz output Nyquist must vanish.
	in := sine(48000, 1000, 48000, 0.4, 0)
	hi := sine(48000, 15000, 48000, 0.4, 0)
	for i := range in {
		in[i] += hi[i]
	}
	out := resampleAll(t, in, 48000, SampleRate, 960)
	snr := snrDB(out, 1000, 0.4*32767/32767, 200)
	t.Logf("48000 → 24000 with a 15 kHz tone: SNR %.1f dB", snr)
	if snr < 60 {
		t.Errorf("aliasing: SNR %.1f dB < 60", snr)
	}
	// Upsampling back keeps the tone too (24k → 48k).
	up := resampleAll(t, sine(SampleRate, 1000, SampleRate, 0.5, 0), SampleRate, 48000, 480)
	var sig, noise float64
	for i := 400; i < len(up)-400; i++ {
		ideal := 0.5 * 32767 * math.Sin(2*math.Pi*1000*float64(i)/48000)
		sig += ideal * ideal
		noise += (float64(up[i]) - ideal) * (float64(up[i]) - ideal)
	}
	if snr := 10 * math.Log10(sig/noise); snr < 60 {
		t.Errorf("24000 → 48000: SNR %.1f dB", snr)
	}
}

func TestLevels(t *testing.T) {
	full := sine(2400, 1000, SampleRate, 1, 0)
	if d := DBFS(RMS(full)); math.Abs(d+3.01) > 0.05 {
		t.Errorf("full-scale sine RMS %.2f dBFS, want -3.01", d)
	}
	if d := DBFS(Peak(full)); math.Abs(d) > 0.01 {
		t.Errorf("peak %.2f dBFS", d)
	}
	if DBFS(RMS(make([]int16, 10))) != MinDBFS || RMS(nil) != 0 {
		t.Error("silence")
	}
	var m Meter
	m.Update(sine(480, 1000, SampleRate, 0.1, 0))
	if l := m.Read(); math.Abs(l.RMSDBFS+23.0) > 0.1 {
		t.Errorf("meter %+v", l)
	}
}

func TestTrackerMaths(t *testing.T) {
	if BytesPerMsPCM16 != 48 || BytesPerMsG711 != 8 {
		t.Fatal("bytes per ms")
	}
	for _, c := range []struct{ n, bpm, ms int }{
		{72000, 48, 1500}, {96000, 48, 2000}, {47, 48, 0}, {48, 48, 1}, {4799, 48, 99},
		{8000, 8, 1000}, {7, 8, 0}, {0, 48, 0}, {100, 0, 0},
	} {
		if got := BytesToMs(c.n, c.bpm); got != c.ms {
			t.Errorf("BytesToMs(%d, %d) = %d, want %d", c.n, c.bpm, got, c.ms)
		}
	}
	var tr Tracker
	tr.Played("r1", "a", 0, 960)
	tr.Played("r1", "a", 0, 960)
	if s := tr.State(); s.ItemID != "a" || s.PlayedBytes != 1920 || tr.PlayedMs(48) != 40 {
		t.Errorf("%+v", s)
	}
	tr.Played("r1", "a", 1, 480) // another content part is another item
	if s := tr.State(); s.ContentIndex != 1 || s.PlayedBytes != 480 {
		t.Errorf("content switch: %+v", s)
	}
	tr.Played("r2", "b", 0, 96)
	if s := tr.State(); s.ItemID != "b" || s.ResponseID != "r2" || s.PlayedBytes != 96 {
		t.Errorf("item switch: %+v", s)
	}
	tr.Reset()
	if s := tr.State(); s.ItemID != "" || s.PlayedBytes != 0 {
		t.Errorf("reset: %+v", s)
	}
}

func TestEchoGate(t *testing.T) {
	g := NewEchoGate(EchoGateMode)
	if !g.AdmitRMS(0.001) {
		t.Error("quiet frame blocked while nothing plays")
	}
	if th := g.Threshold(); th != GateFloor {
		t.Errorf("idle threshold %v", th)
	}
	// Playback at RMS 0.2 for a while: EMA → 0.2, threshold → 0.6·0.2+0.002 = 0.122.
	for i := 0; i < 200; i++ {
		g.ObservePlayback(0.2, true)
	}
	if th := g.Threshold(); math.Abs(th-0.122) > 1e-6 {
		t.Errorf("threshold %v, want 0.122", th)
	}
	if g.AdmitRMS(0.12) || !g.AdmitRMS(0.123) {
		t.Error("gate boundary")
	}
	// One step of the EMA: 0.9·old + 0.1·new.
	g2 := NewEchoGate(EchoGateMode)
	g2.ObservePlayback(0.1, true)
	if th := g2.Threshold(); th != GateFloor { // 0.6·0.01+0.002 = 0.008 < floor
		t.Errorf("floor: %v", th)
	}
	g2.ObservePlayback(0.5, true) // ema = 0.009 + 0.05 = 0.059 → 0.0374
	if th := g2.Threshold(); math.Abs(th-0.0374) > 1e-9 {
		t.Errorf("EMA step: %v, want 0.0374", th)
	}
	if !g2.Admit(sine(480, 300, SampleRate, 0.2, 0)) || g2.Admit(sine(480, 300, SampleRate, 0.04, 0)) {
		t.Error("Admit on PCM")
	}
	// Playback ends: everything passes again.
	g.ObservePlayback(0, false)
	if !g.AdmitRMS(0.001) {
		t.Error("blocked after playback ended")
	}
	h := NewEchoGate(EchoHalfDuplex)
	h.ObservePlayback(0.01, true)
	if h.AdmitRMS(0.9) {
		t.Error("half duplex admitted during playback")
	}
	f := NewEchoGate(EchoFullDuplex)
	f.ObservePlayback(0.5, true)
	if !f.AdmitRMS(0.001) || f.Mode().String() != "headphones" {
		t.Error("full duplex")
	}
}
