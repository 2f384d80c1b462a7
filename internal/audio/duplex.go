package audio

import (
	"errors"
	"log/slog"
	"time"
)

// DuplexConfig configures OpenDuplex: a microphone and a speaker wired for echo
// handling.
type DuplexConfig struct {
	InputDevice, OutputDevice string
	// NoAEC turns acoustic echo cancellation off (--no-aec). AEC is on by default.
	NoAEC bool
	// Mode is the R7.12 policy for mic audio during playback. The zero value is the
	// energy gate, the default when AEC is off; with AEC on, EchoFullDuplex is the usual
	// choice (headphones likewise).
	Mode        EchoMode
	Prebuffer   time.Duration
	PaceToClock bool
	// OnFrame and OnPlayed are passed to the capture and the player (e.g. a Recorder).
	OnFrame  func(Frame)
	OnPlayed func(at time.Time, pcm []int16)
	// Logger receives the devices' diagnostics (nil discards them).
	Logger *slog.Logger
	// OnMic is passed to the capture: every frame, raw and echo-cancelled (local VAD).
	OnMic func(captured time.Time, mic, out []int16)
}

// Duplex is an open microphone and speaker sharing an echo canceller and gate.
type Duplex struct {
	Capture *Capture
	Player  *Player
	Gate    *EchoGate
	AEC     *EchoCanceller // nil when NoAEC
}

// OpenDuplex opens the player, then the capture, with AEC (unless NoAEC) fed by the
// player's output and applied to every mic frame before the gate.
func OpenDuplex(cfg DuplexConfig) (*Duplex, error) {
	d := &Duplex{Gate: NewEchoGate(cfg.Mode)}
	if !cfg.NoAEC {
		var err error
		if d.AEC, err = NewEchoCanceller(AECConfig{}); err != nil {
			return nil, err
		}
	}
	var err error
	d.Player, err = OpenPlayer(PlayerConfig{Device: cfg.OutputDevice, Prebuffer: cfg.Prebuffer, PaceToClock: cfg.PaceToClock, OnPlayed: cfg.OnPlayed, AEC: d.AEC, Gate: d.Gate, Logger: cfg.Logger})
	if err != nil {
		d.Close()
		return nil, err
	}
	d.Capture, err = OpenCapture(CaptureConfig{Device: cfg.InputDevice, PaceToClock: cfg.PaceToClock, OnFrame: cfg.OnFrame, OnMic: cfg.OnMic, AEC: d.AEC, Gate: d.Gate, Logger: cfg.Logger})
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the capture, the player and the canceller.
func (d *Duplex) Close() error {
	var errs []error
	if d.Capture != nil {
		errs = append(errs, d.Capture.Close())
	}
	if d.Player != nil {
		errs = append(errs, d.Player.Close())
	}
	if d.AEC != nil {
		d.AEC.Close()
	}
	return errors.Join(errs...)
}
