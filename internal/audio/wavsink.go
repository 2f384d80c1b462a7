package audio

import (
	"errors"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/audio/wallclock"
	"github.com/rtagent/rtagent/internal/realtime"
)

// WAVSinkConfig configures CreateWAVSink.
type WAVSinkConfig struct {
	Path string
	// Fast writes audio to the file as soon as it is enqueued and counts it as
	// played at once: nothing is ever still playing, so nothing is truncated and the
	// server's conversation matches the file. Otherwise audio is written as a
	// real-time clock plays it, the played position follows that clock (so truncation
	// works), and an interrupt keeps the unheard tail (after a 12 ms fade) out of the
	// file.
	Fast bool
}

// WAVSink is an AudioSink that writes the model's audio to a 24 kHz mono PCM16 WAV
// file (audio only, back to back: no silence between responses). In real-time mode
// one goroutine it owns advances the clock every 20 ms.
type WAVSink struct {
	cfg  WAVSinkConfig
	mu   sync.Mutex
	q    *wallclock.Queue
	w    *WAVWriter
	err  error
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

var _ realtime.AudioSink = (*WAVSink)(nil)

// CreateWAVSink creates the file and, in real-time mode, starts the clock goroutine.
func CreateWAVSink(cfg WAVSinkConfig) (*WAVSink, error) {
	w, err := CreateWAV(cfg.Path, SampleRate, 1)
	if err != nil {
		return nil, err
	}
	s := &WAVSink{cfg: cfg, w: w, stop: make(chan struct{}), done: make(chan struct{})}
	qc := wallclock.Config{BytesPerMS: BytesPerMsPCM16, KeepPCM: !cfg.Fast}
	if !cfg.Fast {
		qc.Played = func(_ time.Time, pcm []byte) { s.writeLocked(BytesToSamples(nil, pcm)) }
	}
	s.q = wallclock.New(qc)
	if !cfg.Fast {
		go s.run()
	} else {
		close(s.done)
	}
	return s, nil
}

func (s *WAVSink) writeLocked(pcm []int16) {
	if s.w == nil || s.err != nil || len(pcm) == 0 {
		return
	}
	s.err = s.w.Write(pcm)
}

func (s *WAVSink) run() {
	defer close(s.done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.q.Advance(time.Now())
			s.mu.Unlock()
		}
	}
}

// Enqueue implements realtime.AudioSink.
func (s *WAVSink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return
	}
	if s.cfg.Fast {
		// Played the moment it arrives: nothing is ever still playing, so an
		// interruption truncates nothing and the server keeps what the file holds.
		s.writeLocked(BytesToSamples(nil, pcm))
		return
	}
	s.q.Enqueue(responseID, itemID, contentIndex, pcm)
}

// Interrupt implements realtime.AudioSink.
func (s *WAVSink) Interrupt() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, next := s.q.Interrupt(2 * FadeSamples)
	fade := BytesToSamples(nil, next)
	for i := range fade {
		fade[i] = clamp16(float64(fade[i]) * float64(FadeSamples-i) / FadeSamples)
	}
	s.writeLocked(fade)
	return st
}

// State implements realtime.AudioSink.
func (s *WAVSink) State() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.State()
}

// Close writes the audio still queued (as if played out), finalises the header and
// closes the file.
func (s *WAVSink) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return s.err
	}
	if !s.cfg.Fast {
		s.q.Consume(s.q.Queued(), time.Now())
	}
	err := s.w.Close()
	s.w = nil
	return errors.Join(s.err, err)
}
