package audio

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// CaptureConfig configures OpenCapture.
type CaptureConfig struct {
	// Device is a FindDevice spec; "" is the default input device.
	Device string
	// PaceToClock paces reads against the monotonic clock at real time. Needed on
	// devices that do not block (the ALSA file device used in tests returns instantly);
	// on real hardware the blocking read paces. When false, a device that delivers far
	// faster than real time is detected after about 300 ms and paced anyway.
	PaceToClock bool
	// OnFrame, if set, receives every frame on the capture goroutine instead of the
	// Frames channel. It must return quickly: while it runs the device is not read.
	// It must not retain f.PCM: the buffer is reused for the next frame.
	OnFrame func(Frame)
	// QueueFrames is the capacity of the Frames channel (default 50 = 1 s).
	QueueFrames int
	// AEC, if set, cancels the playback echo from each frame before delivery.
	AEC *EchoCanceller
	// Gate, if set, drops frames that do not pass the echo gate / half-duplex policy.
	Gate *EchoGate
	// Logger receives the device's diagnostics (nil discards them).
	Logger *slog.Logger
	// OnMic, if set, sees every frame on the capture goroutine before mute and gate:
	// mic as captured and out echo-cancelled (the AEC adds no delay; without AEC the
	// same slice as mic). For the local voice detector (internal/audio/vad.BargeIn.Observe). It
	// must return quickly and not retain the slices.
	OnMic func(captured time.Time, mic, out []int16)
}

// frameReader is the device side of a capture: one blocking read of the stream buffer.
type frameReader interface {
	Read() error
}

// Capture reads the microphone on one goroutine it owns, using a blocking read stream
// (never a callback stream), and delivers 20 ms 24 kHz mono frames.
type Capture struct {
	cfg       CaptureConfig
	frames    chan Frame
	errc      chan error
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	muted     atomic.Bool
	dropped   atomic.Uint64
	overflows atomic.Uint64
	meter     Meter
	rate      float64
	clock     sleeper // paced reads (Close wakes it)

	// owned by the capture goroutine
	stream  *portaudio.Stream
	reader  frameReader
	buf     []int16
	rs      *Resampler
	release func() error
}

// OpenCapture opens the input device and starts capturing. If the device cannot run at
// 24 kHz it is opened at its default rate and resampled. Errors wrap ErrNoDevice when
// there is no default input device.
func OpenCapture(cfg CaptureConfig) (*Capture, error) {
	c := newCapture(cfg)
	ds, err := openDevice(c.cfg.Logger, cfg.Device, true, func(r float64) int { return int(r * 0.02) }, &c.buf)
	if err != nil {
		return nil, err
	}
	c.stream, c.reader, c.rate, c.rs, c.release = ds.stream, ds.stream, ds.rate, ds.rs, ds.release
	go c.run()
	return c, nil
}

func newCapture(cfg CaptureConfig) *Capture {
	if cfg.QueueFrames <= 0 {
		cfg.QueueFrames = 50
	}
	cfg.Logger = orDiscard(cfg.Logger)
	return &Capture{
		cfg: cfg,
		// Drop policy: the channel holds QueueFrames frames; when it is full the OLDEST
		// queued frame is dropped (and counted in Dropped) so the newest audio gets
		// through. The device is never left unread.
		frames: make(chan Frame, cfg.QueueFrames),
		errc:   make(chan error, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		rate:   SampleRate,
	}
}

// Frames delivers captured frames (unused when CaptureConfig.OnFrame is set). Closed when
// the capture stops.
func (c *Capture) Frames() <-chan Frame { return c.frames }

// Err receives the device error that stopped the capture, if any; closed on stop.
func (c *Capture) Err() <-chan error { return c.errc }

// SetMuted stops (true) or resumes delivering frames. The stream keeps running and the
// level meter keeps updating.
func (c *Capture) SetMuted(m bool) { c.muted.Store(m) }

// Muted reports whether delivery is muted.
func (c *Capture) Muted() bool { return c.muted.Load() }

// Level is the input level of the latest frame (for the UI).
func (c *Capture) Level() Level { return c.meter.Read() }

// Dropped counts frames dropped because the consumer fell behind.
func (c *Capture) Dropped() uint64 { return c.dropped.Load() }

// DeviceRate is the rate the device was opened at.
func (c *Capture) DeviceRate() float64 { return c.rate }

// Close stops the capture goroutine, closes the stream and releases PortAudio. On real
// hardware the goroutine notices within one 20 ms read.
func (c *Capture) Close() error {
	c.closeOnce.Do(func() { close(c.stop); c.clock.wake() })
	<-c.done
	return nil
}

func (c *Capture) run() {
	defer close(c.done)
	var runErr error
	defer func() {
		if c.stream != nil {
			closeStream(c.cfg.Logger, c.stream, true)
		}
		if c.release != nil {
			c.release()
		}
		if runErr != nil {
			c.errc <- runErr
		}
		close(c.errc)
		close(c.frames)
	}()
	defer func() {
		if r := recover(); r != nil {
			runErr = fmt.Errorf("audio: capture stopped: panic: %v", r)
		}
	}()
	frameDur := durationOf(len(c.buf), int(c.rate))
	sleep := &c.clock
	defer sleep.stop()
	start := time.Now()
	paceStart, pacing := start, c.cfg.PaceToClock
	var (
		reads   int64
		pending = make([]int16, 0, 4*FrameSamples)
		seq     uint64
		outPos  int64 // 24 kHz samples delivered (or dropped) so far
		cancel  = make([]int16, FrameSamples)
		reuse   = make([]byte, 0, FrameBytes)
	)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		if pacing {
			if !sleep.until(paceStart.Add(time.Duration(reads)*frameDur), c.stop) {
				return
			}
		}
		err := c.reader.Read()
		readAt := time.Now()
		reads++
		if audio := time.Duration(reads) * frameDur; !pacing && audio >= pacingDetectAfter && readAt.Sub(start) < audio-pacingDetectTolerance {
			pacing, paceStart = true, readAt.Add(-audio)
		}
		if err != nil {
			if errors.Is(err, portaudio.InputOverflowed) {
				c.overflows.Add(1) // samples were lost in the device; keep going
			} else {
				runErr = fmt.Errorf("audio: %w: capture read: %w", ErrDevice, err)
				return
			}
		}
		if c.rs != nil {
			pending = c.rs.Process(pending, c.buf)
		} else {
			pending = append(pending, c.buf...)
		}
		for len(pending) >= FrameSamples {
			s := pending[:FrameSamples]
			c.meter.Update(s)
			// The stream timeline: sample k entered the microphone k/24000 s after start.
			captured := start.Add(durationOf(int(outPos), SampleRate))
			outPos += FrameSamples
			raw := s
			if c.cfg.AEC != nil {
				c.cfg.AEC.Process(captured, s, cancel)
				s = cancel
			}
			if c.cfg.OnMic != nil {
				c.cfg.OnMic(captured, raw, s)
			}
			deliver := !c.muted.Load()
			if deliver && c.cfg.Gate != nil {
				deliver = c.cfg.Gate.Admit(s)
			}
			if deliver {
				buf := reuse[:0] // OnFrame does not retain it
				if c.cfg.OnFrame == nil {
					buf = make([]byte, 0, FrameBytes) // the Frames channel hands it over
				}
				f := Frame{PCM: SamplesToBytes(buf, s), Seq: seq, Captured: captured, Read: readAt}
				seq++
				c.deliver(f)
			}
			pending = append(pending[:0], pending[FrameSamples:]...)
		}
	}
}

func (c *Capture) deliver(f Frame) {
	if c.cfg.OnFrame != nil {
		c.cfg.OnFrame(f)
		return
	}
	select {
	case c.frames <- f:
		return
	default:
	}
	// Full: drop the oldest queued frame (we are the only sender), then send.
	select {
	case <-c.frames:
		c.dropped.Add(1)
	default:
	}
	select {
	case c.frames <- f:
	default:
		c.dropped.Add(1)
	}
}

var _ Source = (*Capture)(nil)
