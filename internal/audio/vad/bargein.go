package vad

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime"
)

// Echo guard defaults (see BargeInConfig).
const (
	DefaultEchoGuardDB = -10.0
	DefaultWarmup      = 4 * time.Second
	// gapReset: a jump in the capture timeline this long (mute, dropped frames)
	// restarts the detector, so speech on either side is not joined.
	gapReset = 100 * time.Millisecond
	// guardPart is the echo guard's resolution: 10 ms, the classifier's frame, so
	// the first voiced 10 ms of an onset is not vetoed for the 10 ms of echo before
	// it in the same capture frame.
	guardPart = audio.SampleRate / 100
	// envParts is the echo envelope's memory in guard parts (200 ms, the echo tail
	// the canceller models): a reverberant tail after a loud phrase is still echo.
	envParts = 20
)

// Playback is what BargeIn needs of the player: whether assistant audio is queued or
// playing (audio.Player and every realtime.AudioSink have it).
type Playback interface {
	State() realtime.PlaybackState
}

// Onset is one barge-in: the user started speaking while assistant audio played.
// Times are on the capture timeline (audio.Frame.Captured).
type Onset struct {
	// Speech is when the speech began in the microphone signal.
	Speech time.Time
	// Detected is the end of the audio that completed the detection: the onset could
	// not be known earlier.
	Detected time.Time
}

// BargeInConfig configures a BargeIn.
type BargeInConfig struct {
	// Options: sensitivity and minimum speech (Enabled is the caller's business).
	Options Options
	// Playback and OnBargeIn may also be set later with Attach.
	Playback Playback
	// OnBargeIn is called on the goroutine that calls Observe when speech starts while
	// assistant audio plays. It must not block: hand the interrupt to the session
	// (a full R7.6 interrupt with a local reason: fade, cancel, truncate).
	OnBargeIn func(Onset)
	// EchoGuardDB vetoes, while assistant audio plays, 10 ms of microphone signal
	// whose echo-cancelled level is more than this far below the loudest raw
	// microphone 10 ms of the last 200 ms: the canceller removed most of that, so it is mostly
	// echo or its reverberant tail, and WebRTC's VAD calls residual echo speech. 0
	// means -10 dB (0 self-interruptions over the echo fixtures with the default
	// min_speech at every sensitivity, and still at -12 dB: see bargein_test.go);
	// user speech over the echo keeps the level within a few dB once under way. Needs the raw frame (Observe's mic); positive values turn the guard
	// off.
	EchoGuardDB float64
	// Warmup is how much assistant audio must have played before local barge-in is
	// trusted: the echo canceller starts cold and lets the first echo through. 0 means
	// 4 s: the echo fixtures need 3 s for 0 self-interruptions with the defaults,
	// and 4 s leaves 2 dB of echo guard and 10 ms of min_speech to spare (the far
	// room's canceller is still converging at 3 s); negative means none
	// (headphones).
	Warmup time.Duration
}

// BargeIn turns the microphone stream into barge-in callbacks: WebRTC VAD on the
// echo-cancelled signal, an echo guard and a warm-up while the canceller converges.
// Observe is called from one goroutine at a time (the capture's); Attach, Triggers and
// Err from any.
type BargeIn struct {
	det      *Detector
	guard    float64 // linear power ratio, 0 = off
	warmupN  int64   // samples of playback before trusting
	attached atomic.Pointer[attachment]
	triggers atomic.Uint64

	// owned by the Observe goroutine
	env     [envParts]float64 // raw microphone mean power of the last 10 ms parts
	envPos  int
	events  []Event
	heard   int64 // samples observed while assistant audio played
	next    time.Time
	started bool

	mu  sync.Mutex
	err error
}

type attachment struct {
	p  Playback
	fn func(Onset)
}

// NewBargeIn creates a barge-in detector; Close frees it.
func NewBargeIn(cfg BargeInConfig) (*BargeIn, error) {
	det, err := NewDetector(cfg.Options)
	if err != nil {
		return nil, err
	}
	if cfg.EchoGuardDB == 0 {
		cfg.EchoGuardDB = DefaultEchoGuardDB
	}
	if cfg.Warmup == 0 {
		cfg.Warmup = DefaultWarmup
	}
	b := &BargeIn{det: det, events: make([]Event, 0, 4)}
	if cfg.EchoGuardDB < 0 {
		b.guard = math.Pow(10, cfg.EchoGuardDB/10)
	}
	if cfg.Warmup > 0 {
		b.warmupN = int64(cfg.Warmup.Seconds() * audio.SampleRate)
	}
	b.Attach(cfg.Playback, cfg.OnBargeIn)
	return b, nil
}

// Attach sets (or replaces) the playback to watch and the callback. Either may be
// nil: without a playback nothing is playing, without a callback onsets are counted
// only.
func (b *BargeIn) Attach(p Playback, onBargeIn func(Onset)) {
	b.attached.Store(&attachment{p: p, fn: onBargeIn})
}

// Observe feeds one capture frame (24 kHz): mic is the raw microphone frame (nil if
// unavailable; then the echo guard is off), out the echo-cancelled frame (not delayed:
// audio's TestAECAddsNoDelay), captured
// the time its first sample entered the microphone. It has the signature of
// audio.CaptureConfig.OnMic.
func (b *BargeIn) Observe(captured time.Time, mic, out []int16) {
	a := b.attached.Load()
	playing := a.p != nil && a.p.State().Active
	if b.started && captured.Sub(b.next) > gapReset {
		if err := b.det.Reset(); err != nil {
			b.fail(err)
			return
		}
	}
	b.started = true
	b.next = captured.Add(time.Duration(len(out)) * time.Second / audio.SampleRate)
	p0 := b.det.Fed()
	b.events = b.events[:0]
	// Each 10 ms part is guarded on its own and fed with its verdict: with the
	// detector's grid (gridPad) a part ends a classifier frame, so the veto applies
	// to the frame it was computed on.
	for k := 0; k < len(out); k += guardPart {
		o := out[k:min(k+guardPart, len(out))]
		var m []int16
		if len(mic) == len(out) {
			m = mic[k : k+len(o)]
		}
		guard := b.echoGuard(m, o) // on every part: it keeps the echo envelope current
		allow := true
		if playing {
			allow = guard && b.heard >= b.warmupN
			b.heard += int64(len(o))
		}
		var err error
		if b.events, err = b.det.ProcessGated(b.events, o, allow); err != nil {
			b.fail(err)
			return
		}
	}
	for _, e := range b.events {
		if e.Kind != SpeechStart || !playing {
			continue
		}
		b.triggers.Add(1)
		if a.fn != nil {
			a.fn(Onset{Speech: at(captured, e.Start-p0), Detected: at(captured, e.Decided-p0)})
		}
	}
}

// echoGuard reports whether out is loud enough, against the raw microphone's loudest
// 10 ms of the last 200 ms, to be more than residual echo.
func (b *BargeIn) echoGuard(mic, out []int16) bool {
	if b.guard == 0 || len(mic) != len(out) {
		return true
	}
	b.env[b.envPos] = power(mic)
	b.envPos = (b.envPos + 1) % envParts
	return power(out) >= b.guard*slices.Max(b.env[:])
}

// power is the mean square of s.
func power(s []int16) float64 {
	var acc float64
	for _, v := range s {
		acc += float64(v) * float64(v)
	}
	return acc / float64(max(1, len(s)))
}

func at(t time.Time, samples int64) time.Time {
	return t.Add(time.Duration(samples) * time.Second / audio.SampleRate)
}

func (b *BargeIn) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}

// Err is the first error the detector hit (the frame was then skipped), or nil.
func (b *BargeIn) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Triggers counts the barge-ins detected (callbacks made or, without a callback,
// that would have been).
func (b *BargeIn) Triggers() uint64 { return b.triggers.Load() }

// Close frees the detector. Observe must not run concurrently or afterwards.
func (b *BargeIn) Close() {
	b.det.Close()
}
