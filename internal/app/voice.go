package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// VoiceOptions choose and tune the microphone and speaker of a chat.
type VoiceOptions struct {
	InputDevice  string
	OutputDevice string
	NoAEC        bool
	HalfDuplex   bool
	Prebuffer    time.Duration
	// Record, if set, records both sides to this stereo WAV file.
	Record string
	// Logger receives the audio package's records (nil: discard).
	Logger *slog.Logger
}

// ErrNoAudio means no microphone or speaker could be opened: chat falls back to text.
var ErrNoAudio = errors.New("no audio device")

// Voice is the microphone and speaker of a chat: capture → echo handling → session,
// session → player → speaker, and an optional stereo recording of both.
type Voice struct {
	terminate func() error
	duplex    *audio.Duplex
	capture   *audio.Capture // duplex.Capture
	player    *audio.Player  // duplex.Player
	rec       *audio.Recorder

	vad     atomic.Bool // stream continuously (server VAD) rather than only while talking
	talking atomic.Bool // push-to-talk key held
	failed  atomic.Bool

	// OnFault is told when a device fails mid-session; audio stops, text goes on.
	OnFault func(error)

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// OpenVoice opens the microphone and speaker (and the recording). An error wrapping
// ErrNoAudio means no device could be opened: chat falls back to text.
func OpenVoice(o VoiceOptions) (_ *Voice, err error) {
	// Probe in a child process first: a broken audio stack can abort inside the
	// native libraries, and then only the child dies (issue: visible audio crashes).
	if _, err := audio.Probe(context.Background()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoAudio, err)
	}
	terminate, err := audio.Init(o.Logger)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoAudio, err)
	}
	v := &Voice{terminate: terminate, stop: make(chan struct{})}
	defer func() {
		if err != nil {
			v.Close()
		}
	}()
	if err := checkDevices(o); err != nil {
		return nil, err
	}
	cfg := audio.DuplexConfig{
		InputDevice: o.InputDevice, OutputDevice: o.OutputDevice, NoAEC: o.NoAEC,
		Mode: audio.EchoFullDuplex, Prebuffer: o.Prebuffer, Logger: o.Logger,
	}
	if o.NoAEC {
		cfg.Mode = audio.EchoGateMode // R7.12: the gate is the default without AEC
	}
	if o.HalfDuplex {
		cfg.Mode = audio.EchoHalfDuplex
	}
	if o.Record != "" {
		if v.rec, err = audio.CreateRecorder(o.Record, time.Now()); err != nil {
			return nil, usageErrorf("--record: %v", err)
		}
		cfg.OnPlayed = v.rec.Model
	}
	if v.duplex, err = audio.OpenDuplex(cfg); err != nil {
		if errors.Is(err, audio.ErrNoDevice) {
			// "audio: no audio device: no default output device (…)" → "no audio device: no default output device (…)"
			why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "audio: "), ErrNoAudio.Error()+": ")
			return nil, fmt.Errorf("%w: %s", ErrNoAudio, why)
		}
		return nil, fmt.Errorf("opening the audio devices: %w", err)
	}
	v.capture, v.player = v.duplex.Capture, v.duplex.Player
	return v, nil
}

// checkDevices looks up the devices named by --input-device and --output-device. A
// name that matches nothing is a usage error (exit 2) listing what there is; with
// no device of that kind at all it is ErrNoAudio (chat goes on in text).
func checkDevices(o VoiceOptions) error {
	for _, d := range []struct {
		flag, spec string
		input      bool
	}{{"--input-device", o.InputDevice, true}, {"--output-device", o.OutputDevice, false}} {
		if strings.TrimSpace(d.spec) == "" {
			continue
		}
		_, err := audio.FindDevice(d.spec, d.input)
		if err == nil {
			continue
		}
		kind := "output"
		if d.input {
			kind = "input"
		}
		if n, lerr := countDevices(d.input); lerr == nil && n == 0 {
			return fmt.Errorf("%w: %s %s: there are no %s devices", ErrNoAudio, d.flag, d.spec, kind)
		}
		why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "audio: "), audio.ErrDevice.Error()+": ")
		return usageErrorf("%s %s: %s (rtagent devices lists them)", d.flag, d.spec, why)
	}
	return nil
}

// countDevices counts the input (or output) devices.
func countDevices(input bool) (int, error) {
	devs, err := audio.Devices()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range devs {
		if input && d.MaxInputChannels > 0 || !input && d.MaxOutputChannels > 0 {
			n++
		}
	}
	return n, nil
}

// Sink is the session's audio output.
func (v *Voice) Sink() realtime.AudioSink { return v.player }

// Start streams the microphone into the session until Close. With vad set audio
// flows continuously; otherwise only while the push-to-talk key is held.
func (v *Voice) Start(ctx context.Context, s *session.Session, vad bool) {
	v.vad.Store(vad)
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
				if v.vad.Load() || v.talking.Load() {
					_ = s.AppendAudio(fr.PCM)
				}
			}
		}
	}()
}

func (v *Voice) fault(err error) {
	if v.failed.CompareAndSwap(false, true) && v.OnFault != nil {
		v.OnFault(err)
	}
}

// SetMuted mutes the microphone without disconnecting.
func (v *Voice) SetMuted(m bool) { v.capture.SetMuted(m) }

// Muted reports whether the microphone is muted.
func (v *Voice) Muted() bool { return v.capture.Muted() }

// Levels are the microphone and speaker RMS levels, 0..1, for the UI's meters.
func (v *Voice) Levels() (in, out float64) {
	return v.capture.Level().RMS, v.player.Level().RMS
}

// Close stops streaming and releases the devices; it is idempotent.
func (v *Voice) Close() error {
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

// PushToTalk routes the UI's push-to-talk keys through Voice, so microphone audio
// reaches the session only while the key is held. Voice may be nil (text mode).
type PushToTalk struct {
	*session.Session
	Voice *Voice
}

func (b PushToTalk) StartPushToTalk() error {
	if b.Voice != nil {
		b.Voice.talking.Store(true)
	}
	return b.Session.StartPushToTalk()
}

func (b PushToTalk) CommitAudio() error {
	if b.Voice != nil {
		b.Voice.talking.Store(false)
	}
	return b.Session.CommitAudio()
}
