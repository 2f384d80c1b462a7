package audio

import (
	"context"
	"encoding/binary"
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
// file (audio only, back to back: no silence between responses). The PCM bytes are
// written as they arrive (they are already little-endian int16) through the WAV
// writer's buffer.
//
// The real-time clock is lazy: it owns no goroutine and never ticks. Every call
// (Enqueue, State, Interrupt, Close) first plays, and writes, the audio the wall
// clock has consumed since the last call; WaitPlayed sleeps on one timer until the
// queue runs out. An idle sink costs nothing.
type WAVSink struct {
	cfg WAVSinkConfig
	mu  sync.Mutex
	q   *wallclock.Queue
	w   *WAVWriter
	err error
}

var _ realtime.AudioSink = (*WAVSink)(nil)

// CreateWAVSink creates the file.
func CreateWAVSink(cfg WAVSinkConfig) (*WAVSink, error) {
	w, err := CreateWAV(cfg.Path, SampleRate, 1)
	if err != nil {
		return nil, err
	}
	s := &WAVSink{cfg: cfg, w: w}
	qc := wallclock.Config{BytesPerMS: BytesPerMsPCM16, KeepPCM: !cfg.Fast}
	if !cfg.Fast {
		qc.Played = func(_ time.Time, pcm []byte) { s.writeLocked(pcm) }
	}
	s.q = wallclock.New(qc)
	return s, nil
}

func (s *WAVSink) writeLocked(pcm []byte) {
	if s.w == nil || s.err != nil || len(pcm) == 0 {
		return
	}
	s.err = s.w.WriteBytes(pcm[:len(pcm)&^1])
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
		s.writeLocked(pcm)
		return
	}
	s.q.Enqueue(responseID, itemID, contentIndex, pcm)
}

// Interrupt implements realtime.AudioSink.
func (s *WAVSink) Interrupt() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, next := s.q.Interrupt(2 * FadeSamples)
	s.writeLocked(fadeOut(next))
	return st
}

// State implements realtime.AudioSink.
func (s *WAVSink) State() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.State()
}

// WaitPlayed returns once everything enqueued has played by the sink's clock (at
// once in fast mode), or with ctx's error. It sleeps on a timer until the moment the
// queue runs out, then looks again: audio enqueued meanwhile extends the wait. It
// never polls.
func (s *WAVSink) WaitPlayed(ctx context.Context) error {
	var t *time.Timer
	for {
		s.mu.Lock()
		s.q.Advance(time.Now())
		end, busy := s.q.End()
		s.mu.Unlock()
		if !busy {
			return nil
		}
		d := max(time.Until(end), time.Millisecond)
		if t == nil {
			t = time.NewTimer(d)
			defer t.Stop()
		} else {
			t.Reset(d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Close writes the audio still queued (as if played out), finalises the header and
// closes the file.
func (s *WAVSink) Close() error {
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

// fadeOut fades PCM16 LE audio linearly to silence over FadeSamples, in place.
func fadeOut(pcm []byte) []byte {
	for i := 0; i+1 < len(pcm); i += 2 {
		v := int16(binary.LittleEndian.Uint16(pcm[i:]))
		v = clamp16(float64(v) * float64(FadeSamples-i/2) / FadeSamples)
		binary.LittleEndian.PutUint16(pcm[i:], uint16(v))
	}
	return pcm
}
