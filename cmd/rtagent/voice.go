package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

type voiceOptions struct {
	InputDevice  string
	OutputDevice string
	NoAEC        bool
	HalfDuplex   bool
	Prebuffer    time.Duration
}

func (o *voiceOptions) bind(fl *pflag.FlagSet) {
	fl.StringVar(&o.InputDevice, "input-device", "", "microphone: device index or part of its name (see rtagent devices)")
	fl.StringVar(&o.OutputDevice, "output-device", "", "speaker: device index or part of its name")
	fl.BoolVar(&o.NoAEC, "no-aec", false, "turn off acoustic echo cancellation (an energy gate keeps the agent from interrupting itself)")
	fl.BoolVar(&o.HalfDuplex, "half-duplex", false, "send no microphone audio while the agent speaks (barge-in by key only)")
	fl.DurationVar(&o.Prebuffer, "prebuffer", 0, "playback jitter buffer (default 120ms)")
}

// errNoAudio means no microphone or speaker could be opened: chat falls back to text.
var errNoAudio = errors.New("no audio device")

// voiceIO is the microphone and speaker of a chat: capture → echo handling → session,
// session → player → speaker, and an optional stereo recording of both.
type voiceIO struct {
	terminate func() error
	duplex    *audio.Duplex
	capture   *audio.Capture // duplex.Capture
	player    *audio.Player  // duplex.Player
	rec       *audio.Recorder

	vad     bool        // stream continuously (server VAD) rather than only while talking
	talking atomic.Bool // push-to-talk key held
	failed  atomic.Bool

	// OnFault is told when a device fails mid-session; audio stops, text goes on.
	OnFault func(error)

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func openVoice(o *voiceOptions, record string) (_ *voiceIO, err error) {
	terminate, err := audio.Init()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoAudio, err)
	}
	v := &voiceIO{terminate: terminate, stop: make(chan struct{})}
	defer func() {
		if err != nil {
			v.Close()
		}
	}()
	cfg := audio.DuplexConfig{
		InputDevice: o.InputDevice, OutputDevice: o.OutputDevice, NoAEC: o.NoAEC,
		Mode: audio.EchoFullDuplex, Prebuffer: o.Prebuffer,
	}
	if o.NoAEC {
		cfg.Mode = audio.EchoGateMode // R7.12: the gate is the default without AEC
	}
	if o.HalfDuplex {
		cfg.Mode = audio.EchoHalfDuplex
	}
	if record != "" {
		if v.rec, err = audio.CreateRecorder(record, time.Now()); err != nil {
			return nil, usageErrorf("--record: %v", err)
		}
		cfg.OnPlayed = v.rec.Model
	}
	if v.duplex, err = audio.OpenDuplex(cfg); err != nil {
		if errors.Is(err, audio.ErrNoDevice) {
			// "audio: no audio device: no default output device (…)" → "no audio device: no default output device (…)"
			why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "audio: "), errNoAudio.Error()+": ")
			return nil, fmt.Errorf("%w: %s", errNoAudio, why)
		}
		return nil, fmt.Errorf("opening the audio devices: %w", err)
	}
	v.capture, v.player = v.duplex.Capture, v.duplex.Player
	return v, nil
}

// Sink is the session's audio output.
func (v *voiceIO) Sink() realtime.AudioSink { return v.player }

// Start streams the microphone into the session until Close. With vad set audio
// flows continuously; otherwise only while the push-to-talk key is held.
func (v *voiceIO) Start(ctx context.Context, s *session.Session, vad bool) {
	v.vad = vad
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		var samples []int16
		for {
			select {
			case <-v.stop:
				return
			case <-ctx.Done():
				return
			case err := <-v.capture.Err():
				v.fault(fmt.Errorf("microphone failed: %w; continuing in text", err))
				return
			case err := <-v.player.Err():
				v.fault(fmt.Errorf("speaker failed: %w; continuing in text", err))
				return
			case fr, ok := <-v.capture.Frames():
				if !ok {
					return
				}
				if v.rec != nil {
					samples = audio.BytesToSamples(samples[:0], fr.PCM)
					v.rec.Mic(fr.Captured, samples)
				}
				if v.vad || v.talking.Load() {
					_ = s.AppendAudio(fr.PCM)
				}
			}
		}
	}()
}

func (v *voiceIO) fault(err error) {
	if v.failed.CompareAndSwap(false, true) && v.OnFault != nil {
		v.OnFault(err)
	}
}

// SetMuted mutes the microphone without disconnecting.
func (v *voiceIO) SetMuted(m bool) { v.capture.SetMuted(m) }

// Muted reports whether the microphone is muted.
func (v *voiceIO) Muted() bool { return v.capture.Muted() }

// Levels are the microphone and speaker RMS levels, 0..1, for the UI's meters.
func (v *voiceIO) Levels() (in, out float64) {
	return v.capture.Level().RMS, v.player.Level().RMS
}

// Close stops streaming and releases the devices; it is idempotent.
func (v *voiceIO) Close() error {
	var errs []error
	v.once.Do(func() {
		close(v.stop)
		v.wg.Wait()
		if v.duplex != nil {
			errs = append(errs, v.duplex.Close())
		}
		if v.rec != nil {
			errs = append(errs, v.rec.Close())
		}
		if v.terminate != nil {
			errs = append(errs, v.terminate())
		}
	})
	return errors.Join(errs...)
}

// pttBackend routes the UI's push-to-talk keys through voiceIO, so microphone audio
// reaches the session only while the key is held.
type pttBackend struct {
	*session.Session
	voice *voiceIO
}

func (b pttBackend) StartPushToTalk() error {
	if b.voice != nil {
		b.voice.talking.Store(true)
	}
	return b.Session.StartPushToTalk()
}

func (b pttBackend) CommitAudio() error {
	if b.voice != nil {
		b.voice.talking.Store(false)
	}
	return b.Session.CommitAudio()
}
