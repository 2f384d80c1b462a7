package audio

import (
	"math"
	"sync/atomic"
)

// MinDBFS is the floor reported for silence (instead of -Inf).
const MinDBFS = -100.0

// RMS returns the root mean square of samples normalised to -1..1 (full-scale sine ≈ 0.707).
func RMS(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		f := float64(v) / 32768
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(s)))
}

// Peak returns the largest absolute sample normalised to 0..1.
func Peak(s []int16) float64 {
	var p int
	for _, v := range s {
		a := int(v)
		if a < 0 {
			a = -a
		}
		if a > p {
			p = a
		}
	}
	return float64(p) / 32768
}

// DBFS converts a normalised amplitude (RMS or peak, 0..1) to dB full scale,
// floored at MinDBFS.
func DBFS(x float64) float64 {
	if x <= 0 {
		return MinDBFS
	}
	d := 20 * math.Log10(x)
	if d < MinDBFS {
		return MinDBFS
	}
	return d
}

// Level is one meter reading.
type Level struct {
	RMS, Peak         float64 // normalised 0..1
	RMSDBFS, PeakDBFS float64
}

// Meter holds the level of the most recent buffer. Writers (the audio goroutine) call
// Update; the UI samples Read whenever it likes. It is lossy by design: a reading is
// the latest buffer's level, older buffers are overwritten. Safe for concurrent use.
type Meter struct {
	rms, peak atomic.Uint64 // float64 bits
}

// Update stores the level of s.
func (m *Meter) Update(s []int16) {
	m.rms.Store(math.Float64bits(RMS(s)))
	m.peak.Store(math.Float64bits(Peak(s)))
}

// Read returns the latest level.
func (m *Meter) Read() Level {
	r := math.Float64frombits(m.rms.Load())
	p := math.Float64frombits(m.peak.Load())
	return Level{RMS: r, Peak: p, RMSDBFS: DBFS(r), PeakDBFS: DBFS(p)}
}
