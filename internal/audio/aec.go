package audio

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static int rt_echo_set_rate(SpeexEchoState *st, int rate) {
	return speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
}
static int rt_pp_set_echo(SpeexPreprocessState *pp, SpeexEchoState *st) {
	return speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_ECHO_STATE, st);
}
static int rt_pp_set_int(SpeexPreprocessState *pp, int req, int v) {
	return speex_preprocess_ctl(pp, req, &v);
}
*/
import "C"

import (
	"errors"
	"sync"
	"time"
	"unsafe"
)

// AECConfig configures an EchoCanceller.
type AECConfig struct {
	// FilterLength is the echo tail the adaptive filter models (default 200 ms).
	FilterLength time.Duration
	// NoResidualSuppression turns off speex_preprocess's residual echo suppression,
	// leaving only the linear adaptive filter.
	NoResidualSuppression bool
	// Lead shifts the reference window later than the mic frame's timestamp (default
	// 10 ms): the adaptive filter only models causal echo (the echo after its
	// reference), so a reference that is late by up to Lead, through timestamp error,
	// still works; it costs Lead of the FilterLength. The player records its reference
	// about one output latency before it is heard, so that audio is available.
	Lead time.Duration
}

// EchoCanceller is acoustic echo cancellation with speexdsp (MDF adaptive filter plus
// optional residual echo suppression) on 20 ms frames at 24 kHz. Use Cancel when the
// caller has the time-aligned playback frame; otherwise the player feeds FarEnd with
// what it plays on a shared timeline and the capture calls Process. Safe for concurrent
// use (one mutex).
type EchoCanceller struct {
	mu   sync.Mutex
	st   *C.SpeexEchoState
	pp   *C.SpeexPreprocessState
	lead int

	// Far-end timeline: ring holds reference samples [hi−len(ring), hi) at absolute
	// index i = (t − origin)·24 kHz.
	origin  time.Time
	hasOrig bool
	ring    []int16
	hi      int64
	refBuf  []int16
	frames  uint64
	tmpOut  []C.spx_int16_t
	tmpIn   []C.spx_int16_t
	tmpPlay []C.spx_int16_t
	linear  []int16 // the last frame after the linear filter, before residual suppression
}

// NewEchoCanceller creates a canceller; Close frees it.
func NewEchoCanceller(cfg AECConfig) (*EchoCanceller, error) {
	if cfg.FilterLength <= 0 {
		cfg.FilterLength = 200 * time.Millisecond
	}
	if cfg.Lead == 0 {
		cfg.Lead = 10 * time.Millisecond
	}
	tail := samplesFor(cfg.FilterLength, SampleRate)
	st := C.speex_echo_state_init(C.int(FrameSamples), C.int(tail))
	if st == nil {
		return nil, errors.New("audio: speex_echo_state_init failed")
	}
	C.rt_echo_set_rate(st, C.int(SampleRate))
	e := &EchoCanceller{
		st:      st,
		lead:    samplesFor(cfg.Lead, SampleRate),
		ring:    make([]int16, 2*SampleRate),
		refBuf:  make([]int16, FrameSamples),
		tmpOut:  make([]C.spx_int16_t, FrameSamples),
		tmpIn:   make([]C.spx_int16_t, FrameSamples),
		tmpPlay: make([]C.spx_int16_t, FrameSamples),
		linear:  make([]int16, FrameSamples),
	}
	if !cfg.NoResidualSuppression {
		e.pp = C.speex_preprocess_state_init(C.int(FrameSamples), C.int(SampleRate))
		if e.pp == nil {
			C.speex_echo_state_destroy(st)
			return nil, errors.New("audio: speex_preprocess_state_init failed")
		}
		C.rt_pp_set_echo(e.pp, st)
		C.rt_pp_set_int(e.pp, C.SPEEX_PREPROCESS_SET_DENOISE, 0)
		C.rt_pp_set_int(e.pp, C.SPEEX_PREPROCESS_SET_AGC, 0)
		C.rt_pp_set_int(e.pp, C.SPEEX_PREPROCESS_SET_DEREVERB, 0)
	}
	return e, nil
}

// Cancel removes the echo of ref (the playback frame heard while mic was captured)
// from mic and writes the result to out. All three are FrameSamples long.
func (e *EchoCanceller) Cancel(mic, ref, out []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cancelLocked(mic, ref, out)
}

func (e *EchoCanceller) cancelLocked(mic, ref, out []int16) {
	if e.st == nil || len(mic) < FrameSamples || len(ref) < FrameSamples || len(out) < FrameSamples {
		copy(out, mic)
		return
	}
	for i := 0; i < FrameSamples; i++ {
		e.tmpIn[i] = C.spx_int16_t(mic[i])
		e.tmpPlay[i] = C.spx_int16_t(ref[i])
	}
	C.speex_echo_cancellation(e.st, (*C.spx_int16_t)(unsafe.Pointer(&e.tmpIn[0])), (*C.spx_int16_t)(unsafe.Pointer(&e.tmpPlay[0])), (*C.spx_int16_t)(unsafe.Pointer(&e.tmpOut[0])))
	for i := range e.linear {
		e.linear[i] = int16(e.tmpOut[i])
	}
	if e.pp != nil {
		C.speex_preprocess_run(e.pp, (*C.spx_int16_t)(unsafe.Pointer(&e.tmpOut[0])))
	}
	for i := 0; i < FrameSamples; i++ {
		out[i] = int16(e.tmpOut[i])
	}
	e.frames++
}

// Linear copies into dst (FrameSamples long) the last frame Cancel or Process
// handled as it left the linear adaptive filter, before the residual echo
// suppression: that stage's overlap-add delays its output by one frame (20 ms), the
// filter's is the current frame. For the local voice detector (vad.BargeIn).
func (e *EchoCanceller) Linear(dst []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	copy(dst, e.linear)
}

// FarEnd records playback samples that become audible at time at (first sample).
func (e *EchoCanceller) FarEnd(at time.Time, pcm []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := e.indexLocked(at)
	n := int64(len(e.ring))
	if start > e.hi { // gap: silence
		for i := e.hi; i < start && i-e.hi < n; i++ {
			e.ring[mod(i, n)] = 0
		}
	}
	for k, v := range pcm {
		e.ring[mod(start+int64(k), n)] = v
	}
	if end := start + int64(len(pcm)); end > e.hi {
		e.hi = end
	}
}

// Process cancels echo from a mic frame whose first sample was captured at time at,
// using the reference FarEnd recorded for that moment (plus Lead); out receives the
// result.
func (e *EchoCanceller) Process(at time.Time, mic, out []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := e.indexLocked(at) + int64(e.lead)
	n := int64(len(e.ring))
	for k := range e.refBuf {
		i := start + int64(k)
		if i < e.hi && i >= e.hi-n {
			e.refBuf[k] = e.ring[mod(i, n)]
		} else {
			e.refBuf[k] = 0
		}
	}
	e.cancelLocked(mic, e.refBuf, out)
}

func (e *EchoCanceller) indexLocked(at time.Time) int64 {
	if !e.hasOrig {
		e.origin, e.hasOrig = at, true
		e.hi = 0
	}
	d := at.Sub(e.origin)
	return (int64(d)*SampleRate + int64(time.Second)/2) / int64(time.Second)
}

// Reset forgets the adaptive filter state (e.g. after a device change).
func (e *EchoCanceller) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st != nil {
		C.speex_echo_state_reset(e.st)
	}
}

// Close frees the speexdsp state. The canceller passes audio through afterwards.
func (e *EchoCanceller) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pp != nil {
		C.speex_preprocess_state_destroy(e.pp)
		e.pp = nil
	}
	if e.st != nil {
		C.speex_echo_state_destroy(e.st)
		e.st = nil
	}
}

func mod(i, n int64) int64 {
	r := i % n
	if r < 0 {
		r += n
	}
	return r
}
