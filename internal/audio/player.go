package audio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"
	"github.com/rtagent/rtagent/internal/realtime"
)

// Playback defaults (docs/protocol.md §16).
const (
	DefaultPrebuffer      = 120 * time.Millisecond
	DefaultDeviceBuffer   = 10 * time.Millisecond
	FadeSamples           = 288 // 12 ms at 24 kHz
	minPrebuffer          = 60 * time.Millisecond
	maxPrebuffer          = 2 * time.Second
	clockReanchorBehind   = 100 * time.Millisecond
	pacingDetectAfter     = 300 * time.Millisecond
	pacingDetectTolerance = 150 * time.Millisecond
	// idleBlocks device buffers of silence go in one write while nothing is queued,
	// playing or fading: a quarter of the wake-ups of an idle speaker. Audio that
	// arrives meanwhile waits for the prebuffer anyway (≥ 60 ms), so it starts no
	// later; Interrupt has nothing to cut while idle.
	idleBlocks = 4
)

// PlayerConfig configures OpenPlayer.
type PlayerConfig struct {
	// Device is a FindDevice spec; "" is the default output device.
	Device string
	// Prebuffer is the jitter buffer filled before playback starts or resumes after a
	// starvation or an interrupt: 0 means 120 ms; allowed 60 ms to 2 s. A response
	// shorter than the prebuffer starts once its first audio has waited this long.
	Prebuffer time.Duration
	// DeviceBuffer is the audio handed to the device per write: 0 means 10 ms; allowed
	// 5 to 40 ms. Interrupt takes effect within one device buffer.
	DeviceBuffer time.Duration
	// PaceToClock paces writes against the monotonic clock, keeping at most the
	// stream's output latency ahead of it. Needed on devices whose writes do not block
	// (the ALSA file device). When false the player detects such a device (writes far
	// faster than real time) and switches to clock pacing by itself.
	PaceToClock bool
	// OnPlayed, if set, is called on the playback goroutine with each buffer handed to
	// the device (24 kHz, including silence and fades) and the time its first sample is
	// expected to be audible. It must not block or retain pcm. Used by the Recorder.
	OnPlayed func(at time.Time, pcm []int16)
	// AEC, if set, receives every played buffer as the echo reference.
	AEC *EchoCanceller
	// Logger receives the device's diagnostics (nil discards them).
	Logger *slog.Logger
	// Gate, if set, is fed the playback level and activity.
	Gate *EchoGate
}

func (c *PlayerConfig) validate() error {
	if c.Prebuffer == 0 {
		c.Prebuffer = DefaultPrebuffer
	}
	if c.Prebuffer < minPrebuffer || c.Prebuffer > maxPrebuffer {
		return fmt.Errorf("audio: prebuffer %v out of range [%v, %v]", c.Prebuffer, minPrebuffer, maxPrebuffer)
	}
	if c.DeviceBuffer == 0 {
		c.DeviceBuffer = DefaultDeviceBuffer
	}
	if c.DeviceBuffer < 5*time.Millisecond || c.DeviceBuffer > 40*time.Millisecond {
		return fmt.Errorf("audio: device buffer %v out of range [5ms, 40ms]", c.DeviceBuffer)
	}
	return nil
}

type chunk struct {
	key itemKey
	pcm []int16
}

// segment is item audio handed to the device: [start, end) on the device timeline
// (24 kHz samples), done of them already counted as audible.
type segment struct {
	key        itemKey
	start, end int64
	done       int64
}

// frameWriter is the device side of playback: write the stream buffer.
type frameWriter interface {
	Write() error
}

// Player plays assistant audio through PortAudio and implements realtime.AudioSink.
// One goroutine it owns writes device buffers with a blocking write stream; the
// session engine's calls (Enqueue, Interrupt, State) only take a mutex.
//
// Memory: Enqueue never blocks and never drops; the queue holds whatever has been
// received but not yet played, which the protocol bounds by the length of the current
// response (about 48 KB per second of audio). Interrupt empties it.
type Player struct {
	cfg       PlayerConfig
	stop      chan struct{}
	done      chan struct{}
	errc      chan error
	closeOnce sync.Once
	meter     Meter
	rate      float64
	blockN    int     // source samples per device write
	prebufN   int     // prebuffer in samples
	latency   int64   // device output latency in samples (24 kHz)
	clock     sleeper // paced writes (Close wakes it)

	mu          sync.Mutex
	queue       []chunk
	queued      int
	primed      bool
	firstQueued time.Time
	fade        []int16
	segs        []segment
	tracker     Tracker
	written     int64 // device timeline: 24 kHz samples handed to the device
	epoch       uint64
	failed      error
	pacing      bool

	// owned by the playback goroutine
	stream  *portaudio.Stream
	writer  frameWriter
	buf     []int16
	rs      *Resampler
	release func() error
}

var _ realtime.AudioSink = (*Player)(nil)

// OpenPlayer opens the output device and starts the playback goroutine (it writes
// silence until audio arrives). If the device cannot run at 24 kHz it is opened at its
// default rate and resampled. Errors wrap ErrNoDevice when there is no default output.
func OpenPlayer(cfg PlayerConfig) (*Player, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := newPlayer(cfg)
	ds, err := openDevice(p.cfg.Logger, cfg.Device, false, func(r float64) int {
		return int(r * cfg.DeviceBuffer.Seconds())
	}, &p.buf)
	if err != nil {
		return nil, err
	}
	p.stream, p.writer, p.rate, p.rs, p.release = ds.stream, ds.stream, ds.rate, ds.rs, ds.release
	if info := ds.stream.Info(); info != nil {
		p.latency = int64(samplesFor(info.OutputLatency, SampleRate))
	}
	go p.run()
	return p, nil
}

func newPlayer(cfg PlayerConfig) *Player {
	cfg.Logger = orDiscard(cfg.Logger)
	return &Player{
		cfg:     cfg,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		errc:    make(chan error, 1),
		rate:    SampleRate,
		blockN:  samplesFor(cfg.DeviceBuffer, SampleRate),
		prebufN: samplesFor(cfg.Prebuffer, SampleRate),
		pacing:  cfg.PaceToClock,
	}
}

// Enqueue queues PCM16 24 kHz mono audio of one content part. It never blocks; a
// trailing odd byte is ignored. After a device failure audio is discarded.
func (p *Player) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	s := BytesToSamples(nil, pcm)
	if len(s) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed != nil {
		return
	}
	if p.queued == 0 && !p.primed {
		p.firstQueued = time.Now()
	}
	p.queue = append(p.queue, chunk{key: itemKey{responseID, itemID, contentIndex}, pcm: s})
	p.queued += len(s)
}

// Interrupt snapshots the playback state, then fades out over 12 ms, drops the queue,
// resets the tracker and re-arms the prebuffer. It returns the snapshot. The fade is
// the next audio the device receives (within one device buffer).
func (p *Player) Interrupt() realtime.PlaybackState {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pumpLocked()
	snap := p.tracker.State()
	snap.Active = p.activeLocked()
	if p.primed && p.queued > 0 {
		n := min(FadeSamples, p.queued)
		fade := make([]int16, 0, n)
		for _, c := range p.queue {
			if len(fade) == n {
				break
			}
			fade = append(fade, c.pcm[:min(len(c.pcm), n-len(fade))]...)
		}
		for i := range fade {
			fade[i] = clamp16(float64(fade[i]) * float64(FadeSamples-i) / FadeSamples)
		}
		p.fade = fade
	}
	p.queue, p.queued, p.primed = nil, 0, false
	p.segs = nil
	p.tracker.Reset()
	p.epoch++
	return snap
}

// State returns what the listener has heard of the current item.
func (p *Player) State() realtime.PlaybackState {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pumpLocked()
	s := p.tracker.State()
	s.Active = p.activeLocked()
	return s
}

// Level is the output level of the latest device buffer (for the UI).
func (p *Player) Level() Level { return p.meter.Read() }

// OutputLatency is the device output latency subtracted from the played position.
func (p *Player) OutputLatency() time.Duration { return durationOf(int(p.latency), SampleRate) }

// DeviceRate is the rate the device was opened at.
func (p *Player) DeviceRate() float64 { return p.rate }

// Err receives the device error that stopped playback, if any; closed when the
// playback goroutine exits.
func (p *Player) Err() <-chan error { return p.errc }

// Drain waits until every queued sample has been played (or ctx ends).
func (p *Player) Drain(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		p.mu.Lock()
		p.pumpLocked()
		idle := !p.activeLocked() && len(p.fade) == 0
		failed := p.failed
		p.mu.Unlock()
		if failed != nil {
			return failed
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return errors.New("audio: player closed")
		case <-t.C:
		}
	}
}

// Close stops the playback goroutine (queued audio is dropped; use Drain first to play
// it out), closes the stream and releases PortAudio.
func (p *Player) Close() error {
	p.closeOnce.Do(func() { close(p.stop); p.clock.wake() })
	<-p.done
	return nil
}

func (p *Player) activeLocked() bool { return p.queued > 0 || len(p.segs) > 0 }

// pumpLocked moves written item audio that is now audible (written − latency) into the
// tracker.
func (p *Player) pumpLocked() {
	audible := p.written - p.latency
	for len(p.segs) > 0 {
		s := &p.segs[0]
		upto := min(audible, s.end)
		if pos := s.start + s.done; upto > pos {
			p.tracker.add(s.key, int(upto-pos)*2)
			s.done += upto - pos
		}
		if s.start+s.done < s.end {
			return
		}
		p.segs = p.segs[1:]
	}
}

// fill assembles the next device buffer into src (len blockN) and returns the item
// segments in it (offsets relative to src), the epoch they belong to, and whether
// the player is busy: audio queued, playing, fading or in src (false: src is silence
// and nothing waits).
func (p *Player) fill(src []int16, segs []segment, now time.Time) ([]segment, uint64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	if len(p.fade) > 0 {
		n = copy(src, p.fade)
		p.fade = p.fade[n:]
	}
	if !p.primed && p.queued > 0 && (p.queued >= p.prebufN || now.Sub(p.firstQueued) >= p.cfg.Prebuffer) {
		p.primed = true
	}
	if p.primed {
		for n < len(src) && len(p.queue) > 0 {
			c := &p.queue[0]
			k := copy(src[n:], c.pcm)
			segs = append(segs, segment{key: c.key, start: int64(n), end: int64(n + k)})
			n += k
			p.queued -= k
			c.pcm = c.pcm[k:]
			if len(c.pcm) == 0 {
				p.queue[0] = chunk{}
				p.queue = p.queue[1:]
			}
		}
		if n < len(src) {
			p.primed = false // starved: silence, then wait for the prebuffer again
		}
	}
	clear(src[n:])
	return segs, p.epoch, p.activeLocked() || len(segs) > 0 || n > 0 || len(p.fade) > 0
}

// commit records a written device buffer of n samples (24 kHz) and its segments.
func (p *Player) commit(segs []segment, epoch uint64, n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if epoch == p.epoch {
		for _, s := range segs {
			s.start += p.written
			s.end += p.written
			p.segs = append(p.segs, s)
		}
	}
	p.written += int64(n)
	p.pumpLocked()
	return p.activeLocked()
}

func (p *Player) run() {
	defer close(p.done)
	var runErr error
	defer func() {
		if p.stream != nil {
			closeStream(p.cfg.Logger, p.stream, true)
		}
		if p.release != nil {
			p.release()
		}
		if runErr != nil {
			p.mu.Lock()
			p.failed = runErr
			p.queue, p.queued = nil, 0
			p.mu.Unlock()
			p.errc <- runErr
		}
		close(p.errc)
	}()
	defer func() {
		if r := recover(); r != nil {
			runErr = fmt.Errorf("audio: playback stopped: panic: %v", r)
		}
	}()
	// src holds idleBlocks device buffers; fill writes the first only, the rest stays
	// silence for the idle writes.
	srcAll := make([]int16, idleBlocks*p.blockN)
	if need := 2*idleBlocks*len(p.buf) + 64; cap(p.buf) < need {
		p.buf = make([]int16, len(p.buf), need) // the stream reads p.buf's header on each Write
	}
	out := make([]int16, 0, cap(p.buf))
	var segs []segment
	lat := durationOf(int(p.latency), SampleRate)
	start := time.Now()
	// t0 is when device-timeline sample 0 is (expected to be) audible.
	t0 := start.Add(lat)
	pacing := p.pacing
	sleep := &p.clock
	defer sleep.stop()
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		written := p.writtenNow()
		if pacing {
			deadline := t0.Add(durationOf(int(written-p.latency), SampleRate))
			if !sleep.until(deadline, p.stop) {
				return
			}
			if behind := time.Since(deadline); behind > clockReanchorBehind {
				t0 = t0.Add(behind) // stalled: a real device would have underrun
			}
		}
		now := time.Now()
		var (
			epoch uint64
			busy  bool
		)
		src := srcAll[:p.blockN]
		segs, epoch, busy = p.fill(src, segs[:0], now)
		if !busy {
			src = srcAll
		}
		data := src
		if p.rs != nil {
			out = p.rs.Process(out[:0], src)
			data = out
		}
		if cap(p.buf) < len(data) {
			runErr = fmt.Errorf("audio: playback buffer overflow (%d > %d)", len(data), cap(p.buf))
			return
		}
		p.buf = p.buf[:len(data)]
		copy(p.buf, data)
		if len(p.buf) > 0 {
			if err := p.writer.Write(); err != nil && !errors.Is(err, portaudio.OutputUnderflowed) {
				runErr = fmt.Errorf("audio: %w: playback write: %w", ErrDevice, err)
				return
			}
		}
		active := p.commit(segs, epoch, len(src))
		at := t0.Add(durationOf(int(written), SampleRate))
		if !pacing {
			// Blocking device: what was just written is heard about one latency from now.
			if est := time.Now().Add(lat); est.Sub(at) > 30*time.Millisecond {
				t0 = t0.Add(est.Sub(at))
				at = est
			}
			// A device that accepts audio far faster than real time is not pacing us.
			el := time.Since(start)
			audio := durationOf(int(written)+len(src), SampleRate)
			if audio >= lat+pacingDetectAfter && el < audio-lat-pacingDetectTolerance {
				pacing = true
				t0 = time.Now().Add(-durationOf(int(written)+len(src)-int(p.latency), SampleRate))
				p.cfg.Logger.Debug("audio: output device does not block; pacing playback to the clock")
			}
		}
		p.meter.Update(src)
		if p.cfg.Gate != nil {
			p.cfg.Gate.ObservePlayback(RMS(src), active)
		}
		if p.cfg.AEC != nil {
			p.cfg.AEC.FarEnd(at, src)
		}
		if p.cfg.OnPlayed != nil {
			p.cfg.OnPlayed(at, src)
		}
	}
}

func (p *Player) writtenNow() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}
