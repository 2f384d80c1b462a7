package audio

import (
	"fmt"
	"math"
)

// Resampler converts a mono PCM16 stream between integer sample rates with a
// polyphase windowed-sinc (Kaiser, β = 9, about 90 dB stop band) filter. Output
// sample n sits exactly at input time n·inRate/outRate, so streams stay time-aligned;
// the filter looks ahead a few milliseconds (Latency). Not safe for concurrent use.
type Resampler struct {
	l, m   int64       // out/in = l/m, reduced
	taps   int         // 2·half
	half   int         // taps either side of the output instant
	coef   [][]float64 // [phase][tap]
	hist   []float64   // input samples from absolute index histStart
	hstart int64
	n      int64 // next output index
}

// Zero crossings of the sinc per side, and the fraction of the lower Nyquist kept.
const (
	rsZeroCrossings = 32
	rsRolloff       = 0.92
	rsBeta          = 9.0
)

// NewResampler returns a resampler from inRate to outRate (Hz).
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 {
		return nil, fmt.Errorf("audio: resampler rates must be positive (got %d → %d)", inRate, outRate)
	}
	g := gcd(inRate, outRate)
	l, m := int64(outRate/g), int64(inRate/g)
	if l > 4096 {
		return nil, fmt.Errorf("audio: cannot resample %d → %d Hz (ratio %d/%d too fine)", inRate, outRate, l, m)
	}
	r := &Resampler{l: l, m: m}
	// Cutoff in cycles per input sample.
	fc := 0.5 * rsRolloff * math.Min(1, float64(l)/float64(m))
	halfWidth := rsZeroCrossings / (2 * fc) // input samples
	r.half = int(math.Ceil(halfWidth))
	r.taps = 2 * r.half
	r.coef = make([][]float64, l)
	for p := int64(0); p < l; p++ {
		frac := float64(p) / float64(l)
		c := make([]float64, r.taps)
		var sum float64
		for j := range c {
			tau := frac + float64(r.half-1-j) // t − i, i = base − half + 1 + j
			x := tau / halfWidth
			if math.Abs(x) >= 1 {
				continue
			}
			c[j] = 2 * fc * sinc(2*fc*tau) * kaiser(x, rsBeta)
			sum += c[j]
		}
		for j := range c {
			c[j] /= sum // unity DC gain in every phase
		}
		r.coef[p] = c
	}
	r.Reset()
	return r, nil
}

// Reset clears the stream history.
func (r *Resampler) Reset() {
	r.hist = make([]float64, r.half, 4*r.taps) // x[-half..-1] = 0
	r.hstart = -int64(r.half)
	r.n = 0
}

// Latency is how far the resampler looks ahead, in input samples.
func (r *Resampler) Latency() int { return r.half }

// Process consumes in and appends the output samples that are now computable to dst.
func (r *Resampler) Process(dst []int16, in []int16) []int16 {
	for _, v := range in {
		r.hist = append(r.hist, float64(v))
	}
	return r.produce(dst)
}

// Flush feeds enough silence to emit every output sample that depends on real input,
// appends them to dst, and resets the stream.
func (r *Resampler) Flush(dst []int16) []int16 {
	end := r.hstart + int64(len(r.hist)) // first index past real input
	for i := 0; i < r.half+1; i++ {
		r.hist = append(r.hist, 0)
	}
	// Emit outputs whose instant lies before the end of the real input.
	for {
		pos := r.n * r.m
		base := pos / r.l
		if base >= end {
			break
		}
		if base+int64(r.half) >= r.hstart+int64(len(r.hist)) {
			r.hist = append(r.hist, 0)
			continue
		}
		dst = append(dst, clamp16(r.at(base, pos%r.l)))
		r.n++
	}
	r.Reset()
	return dst
}

func (r *Resampler) produce(dst []int16) []int16 {
	limit := r.hstart + int64(len(r.hist))
	for {
		pos := r.n * r.m
		base := pos / r.l
		if base+int64(r.half) >= limit {
			break
		}
		dst = append(dst, clamp16(r.at(base, pos%r.l)))
		r.n++
	}
	// Drop history no future output needs.
	keepFrom := (r.n*r.m)/r.l - int64(r.half) + 1
	if drop := keepFrom - r.hstart; drop > 0 && drop > int64(len(r.hist))/2 {
		r.hist = append(r.hist[:0], r.hist[drop:]...)
		r.hstart += drop
	}
	return dst
}

func (r *Resampler) at(base, phase int64) float64 {
	c := r.coef[phase]
	off := int(base - int64(r.half) + 1 - r.hstart)
	x := r.hist[off : off+r.taps]
	var acc float64
	for j, v := range x {
		acc += c[j] * v
	}
	return acc
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func kaiser(x, beta float64) float64 {
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
