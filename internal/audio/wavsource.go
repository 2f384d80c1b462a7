package audio

import (
	"sync"
	"time"
)

// WAVSourceConfig configures OpenWAVSource.
type WAVSourceConfig struct {
	Path string
	// Fast delivers frames as fast as the consumer takes them; otherwise one frame
	// every 20 ms of real time, like a microphone.
	Fast bool
	// TrailingSilence appends this much silence after the file (lets a server VAD see
	// the end of speech).
	TrailingSilence time.Duration
}

// WAVSource is a virtual microphone reading a WAV file (any PCM/float format, rate and
// channel count: downmixed to mono, resampled to 24 kHz). One goroutine it owns
// delivers 20 ms frames; the last frame is zero-padded. Delivery is lossless: the
// goroutine waits for the consumer (a file does not overrun like a device does).
type WAVSource struct {
	frames chan Frame
	errc   chan error
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	clock  sleeper // real-time pacing (Close wakes it)
}

var _ Source = (*WAVSource)(nil)

// OpenWAVSource loads the file and starts delivering.
func OpenWAVSource(cfg WAVSourceConfig) (*WAVSource, error) {
	pcm, err := LoadWAV24k(cfg.Path)
	if err != nil {
		return nil, err
	}
	pcm = append(pcm, make([]int16, samplesFor(cfg.TrailingSilence, SampleRate))...)
	if r := len(pcm) % FrameSamples; r != 0 {
		pcm = append(pcm, make([]int16, FrameSamples-r)...)
	}
	s := &WAVSource{
		frames: make(chan Frame, 4),
		errc:   make(chan error),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go s.run(pcm, cfg.Fast)
	return s, nil
}

func (s *WAVSource) run(pcm []int16, fast bool) {
	defer close(s.done)
	defer close(s.errc)
	defer close(s.frames)
	start := time.Now()
	sleep := &s.clock
	defer sleep.stop()
	for seq := 0; seq*FrameSamples < len(pcm); seq++ {
		captured := start.Add(time.Duration(seq) * FrameDuration)
		if !fast && !sleep.until(captured.Add(FrameDuration), s.stop) {
			return
		}
		f := Frame{
			PCM:      SamplesToBytes(make([]byte, 0, FrameBytes), pcm[seq*FrameSamples:(seq+1)*FrameSamples]),
			Seq:      uint64(seq),
			Captured: captured,
			Read:     time.Now(),
		}
		select {
		case s.frames <- f:
		case <-s.stop:
			return
		}
	}
}

// Frames implements Source; closed at the end of the file or on Close.
func (s *WAVSource) Frames() <-chan Frame { return s.frames }

// Err implements Source (a WAV source never fails after opening; closed on stop).
func (s *WAVSource) Err() <-chan error { return s.errc }

// Close stops delivery and joins the goroutine.
func (s *WAVSource) Close() error {
	s.once.Do(func() { close(s.stop); s.clock.wake() })
	<-s.done
	return nil
}
