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
	"github.com/rtagent/rtagent/internal/audio/vad"
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
	// OnMic and OnPlayed, if set, see the audio on the device goroutines (for
	// measurements and tests): every captured frame, raw and echo-cancelled, and
	// every buffer written to the speaker. They must return quickly.
	OnMic    func(captured time.Time, mic, out []int16)
	OnPlayed func(at time.Time, pcm []int16)
	// PaceToClock paces both devices at real time from the first read (devices that
	// do not block, like the ALSA file device of the tests; see audio.CaptureConfig).
	PaceToClock bool
}

// ErrNoAudio means no microphone or speaker could be opened: chat falls back to text.
var ErrNoAudio = errors.New("no audio device")

// ErrNoLocalVAD means WebRTC's voice detector library could not be loaded
// (vad.ErrNoLibrary): chat goes on without local barge-in.
var ErrNoLocalVAD = vad.ErrNoLibrary

// Voice is the microphone and speaker of a chat: capture → echo handling → session,
// session → player → speaker, and an optional stereo recording of both.
type Voice struct {
	terminate func() error
	duplex    *audio.Duplex
	capture   *audio.Capture // duplex.Capture
	player    *audio.Player  // duplex.Player
	rec       *audio.Recorder

	vad        atomic.Bool // stream continuously (server VAD) rather than only while talking
	talking    atomic.Bool // push-to-talk key held
	failed     atomic.Bool
	sess       atomic.Pointer[session.Session] // where frames go; nil before Start and after it ends
	micSamples []int16                         // onFrame's buffer (capture goroutine)

	// batch is microphone audio not yet appended: frames go to the session
	// appendFrames at a time (one session and socket wake-up per 40 ms, not 20).
	batchMu sync.Mutex
	batch   []byte

	// Local barge-in (model.local_vad): the capture feeds bargeIn through OnMic
	// from the start; StartLocalVAD creates it once the session exists.
	noAEC, halfDuplex bool
	onMic             func(captured time.Time, mic, out []int16)
	bargeIn           atomic.Pointer[vad.BargeIn]
	vadMu             sync.Mutex
	vadStatus         string
	closed            bool

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
	v := &Voice{terminate: terminate, stop: make(chan struct{}), noAEC: o.NoAEC, halfDuplex: o.HalfDuplex, onMic: o.OnMic}
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
		OnMic: v.observeMic, OnFrame: v.onFrame, PaceToClock: o.PaceToClock,
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
	if tap := o.OnPlayed; tap != nil {
		if rec := cfg.OnPlayed; rec != nil {
			cfg.OnPlayed = func(at time.Time, pcm []int16) { rec(at, pcm); tap(at, pcm) }
		} else {
			cfg.OnPlayed = tap
		}
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

// observeMic feeds every capture frame (raw and echo-cancelled) to the local
// barge-in detector once there is one; on the capture goroutine.
func (v *Voice) observeMic(captured time.Time, mic, out []int16) {
	if bi := v.bargeIn.Load(); bi != nil {
		bi.Observe(captured, mic, out)
	}
	if v.onMic != nil {
		v.onMic(captured, mic, out)
	}
}

// StartLocalVAD turns on local barge-in (model.local_vad, docs/protocol.md R7.6):
// WebRTC VAD on the echo-cancelled microphone; when the user starts speaking over
// the assistant, s.Interrupt(session.ReasonLocalVAD) at once, without waiting for
// the server's speech_started. The session does the whole interrupt (snapshot,
// fade, cancel, truncate at what was played) and leaves non-interruptible agents
// alone (R7.8). Without AEC (--no-aec, speakers) the echo guard cannot tell the
// assistant's voice from the user's, and --half-duplex promises barge-in by key
// only: there it stays off and the status says why. Without WebRTC's library it
// stays off too: the status says so and the error wraps ErrNoLocalVAD (the caller
// tells the user and goes on). It returns the status-line summary ("" when o is
// nil or disabled). v may be nil (text mode).
func (v *Voice) StartLocalVAD(o *vad.Options, s *session.Session) (string, error) {
	if v == nil || o == nil || !o.Enabled {
		return "", nil
	}
	v.vadMu.Lock()
	defer v.vadMu.Unlock()
	if v.closed || v.bargeIn.Load() != nil {
		return v.vadStatus, nil
	}
	switch {
	case v.noAEC:
		v.vadStatus = "local VAD off (needs AEC; --no-aec)"
	case v.halfDuplex:
		v.vadStatus = "local VAD off (--half-duplex)"
	}
	if v.vadStatus != "" {
		return v.vadStatus, nil
	}
	bi, err := vad.NewBargeIn(vad.BargeInConfig{Options: *o})
	if errors.Is(err, ErrNoLocalVAD) {
		// Said once: later calls return the status without the error.
		v.vadStatus = "local VAD off (no " + vad.LibraryName + ")"
		return v.vadStatus, fmt.Errorf("local_vad: %w", err)
	}
	if err != nil {
		return "", fmt.Errorf("local_vad: %w", err)
	}
	bi.Attach(v.player, func(vad.Onset) { s.Interrupt(session.ReasonLocalVAD) })
	v.bargeIn.Store(bi)
	v.vadStatus = o.String()
	return v.vadStatus, nil
}

// LocalVADStatus is StartLocalVAD's summary ("" when off or v is nil).
func (v *Voice) LocalVADStatus() string {
	if v == nil {
		return ""
	}
	v.vadMu.Lock()
	defer v.vadMu.Unlock()
	return v.vadStatus
}

// Sink is the session's audio output.
func (v *Voice) Sink() realtime.AudioSink { return v.player }

// Start streams the microphone into the session until Close or ctx ends. With vad
// set audio flows continuously; otherwise only while the push-to-talk key is held.
// Frames go from the capture goroutine straight into the session (onFrame): no
// goroutine hop per 20 ms frame.
func (v *Voice) Start(ctx context.Context, s *session.Session, vad bool) {
	v.vad.Store(vad)
	v.sess.Store(s)
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		defer v.sess.Store(nil)
		select {
		case <-v.stop:
		case <-ctx.Done():
		case err, ok := <-v.capture.Err():
			if ok {
				v.fault(fmt.Errorf("microphone failed: %w; continuing in text", err))
			}
		case err, ok := <-v.player.Err():
			if ok {
				v.fault(fmt.Errorf("speaker failed: %w; continuing in text", err))
			}
		}
	}()
}

// onFrame is the capture's OnFrame: each delivered microphone frame (not muted,
// past the echo gate) to the recording and, once started, to the session. On the
// capture goroutine; AppendAudio only queues.
func (v *Voice) onFrame(fr audio.Frame) {
	if v.rec != nil {
		v.micSamples = audio.BytesToSamples(v.micSamples[:0], fr.PCM)
		v.rec.Mic(fr.Captured, v.micSamples)
	}
	s := v.sess.Load()
	if s == nil || !(v.vad.Load() || v.talking.Load()) {
		return
	}
	v.batchMu.Lock()
	defer v.batchMu.Unlock()
	v.batch = append(v.batch, fr.PCM...)
	if len(v.batch) >= appendFrames*audio.FrameBytes {
		_ = s.AppendAudio(v.batch) // it copies; under the lock so flushBatch keeps the order
		v.batch = v.batch[:0]
	}
}

// appendFrames capture frames (20 ms each) make one input_audio_buffer.append: 40 ms,
// half the wake-ups of the session, the socket writer and the kernel per second of
// speech, for at most 20 ms more before the server hears it.
const appendFrames = 2

// flushBatch appends the audio still batched (push-to-talk release: it belongs to
// the turn being committed) or, with drop, forgets it (push-to-talk press: a new
// turn starts from a cleared buffer).
func (v *Voice) flushBatch(s *session.Session, drop bool) {
	v.batchMu.Lock()
	defer v.batchMu.Unlock()
	if len(v.batch) > 0 && !drop {
		_ = s.AppendAudio(v.batch)
	}
	v.batch = v.batch[:0]
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
		// After the capture stopped: nothing observes any more.
		v.vadMu.Lock()
		v.closed = true
		if bi := v.bargeIn.Swap(nil); bi != nil {
			bi.Close()
		}
		v.vadMu.Unlock()
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
		b.Voice.flushBatch(b.Session, true)
		b.Voice.talking.Store(true)
	}
	return b.Session.StartPushToTalk()
}

func (b PushToTalk) CommitAudio() error {
	if b.Voice != nil {
		b.Voice.talking.Store(false)
		b.Voice.flushBatch(b.Session, false)
	}
	return b.Session.CommitAudio()
}
