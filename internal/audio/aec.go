package audio

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>

static int rt_echo_set_rate(SpeexEchoState *st, int rate) {
	return speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
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
	// Lead shifts the reference window later than the mic frame's timestamp (default
	// 10 ms): the adaptive filter only models causal echo (the echo after its
	// reference), so a reference that is late by up to Lead, through timestamp error,
	// still works; it costs Lead of the FilterLength. The player records its reference
	// about one output latency before it is heard, so that audio is available.
	Lead time.Duration
}

// EchoCanceller is acoustic echo cancellation with speexdsp's MDF adaptive filter on
// 20 ms frames at 24 kHz. Use Cancel when the caller has the time-aligned playback
// frame; otherwise the player feeds FarEnd with what it plays on a shared timeline and
// the capture calls Process. Safe for concurrent use (one mutex).
//
// There is no speex_preprocess stage: its residual echo suppression only acts when its
// noise suppressor is on (speexdsp applies no gain at all with denoise off), so with
// denoise off, as we had it, it was a no-op that cost a quarter of the canceller's CPU
// and delayed every frame by 20 ms (its overlap-add).
//
// When no echo is possible — the reference is silent for this frame and speex has
// been fed a silent reference for longer than the filter's tail, so its far-end
// history is all zero — the frame passes through without calling speex: its echo
// estimate would be zero and its adaptation step zero (what differs: speex's DC notch,
// below about 30 Hz, does not run on such frames, and its far-end power estimate does
// not decay during the pause). The adaptive filter keeps what it learned for the next
// playback.
type EchoCanceller struct {
	mu   sync.Mutex
	st   *C.SpeexEchoState
	lead int

	// quietNeed is how many frames with a silent reference speex must have been fed
	// before it may be skipped (its filter blocks plus the overlap frame); quietFed
	// counts the most recent such frames; noSkip (tests) always runs speex.
	quietNeed, quietFed int
	noSkip              bool
	ran, skipped        uint64

	// Far-end timeline: ring holds reference samples [hi−len(ring), hi) at absolute
	// index i = (t − origin)·24 kHz.
	origin  time.Time
	hasOrig bool
	ring    []int16
	hi      int64
	refBuf  []int16
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
	return &EchoCanceller{
		st:   st,
		lead: samplesFor(cfg.Lead, SampleRate),
		// speex keeps ceil(tail/frame) blocks of far-end spectra plus one frame of
		// overlap: after that many silent frames its history is all zero.
		quietNeed: (tail+FrameSamples-1)/FrameSamples + 1,
		ring:      make([]int16, 2*SampleRate),
		refBuf:    make([]int16, FrameSamples),
	}, nil
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
	if silent(ref[:FrameSamples]) {
		if e.quietFed >= e.quietNeed && !e.noSkip {
			copy(out, mic) // no echo possible (see EchoCanceller)
			e.skipped++
			return
		}
		e.quietFed++
	} else {
		e.quietFed = 0
	}
	// spx_int16_t is int16: the slices go to speex as they are (no Go pointers in them).
	C.speex_echo_cancellation(e.st, (*C.spx_int16_t)(unsafe.Pointer(&mic[0])), (*C.spx_int16_t)(unsafe.Pointer(&ref[0])), (*C.spx_int16_t)(unsafe.Pointer(&out[0])))
	e.ran++
}

// silent reports whether every sample of s is zero.
func silent(s []int16) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
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
	e.quietFed = 0
}

// Close frees the speexdsp state. The canceller passes audio through afterwards.
func (e *EchoCanceller) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
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
