package audio

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"
)

// ErrNoDevice means there is no usable (default) audio device. Callers fall back to a
// text session and say so.
var ErrNoDevice = errors.New("no audio device")

// ErrDevice wraps failures to find or open a device.
var ErrDevice = errors.New("audio device")

// paMu guards the PortAudio binding's package state (its initialisation count and
// device cache are plain globals) and our reference count.
var (
	paMu   sync.Mutex
	paRefs int
)

// Init initialises PortAudio (reference-counted: every successful Init must be paired
// with one call of the returned terminate, which is idempotent). Native library noise
// printed during initialisation is kept off the terminal and logged to log at debug
// level (nil discards it).
func Init(log *slog.Logger) (terminate func() error, err error) {
	log = orDiscard(log)
	paMu.Lock()
	defer paMu.Unlock()
	if paRefs == 0 {
		var ierr error
		native := quietStderr(log, func() { ierr = portaudio.Initialize() })
		if ierr != nil {
			return nil, fmt.Errorf("audio: initialise PortAudio: %w%s", ierr, quoteNative(lastLines(native, 4)))
		}
	}
	paRefs++
	var once sync.Once
	return func() error {
		var terr error
		once.Do(func() {
			paMu.Lock()
			defer paMu.Unlock()
			paRefs--
			if paRefs == 0 {
				quietStderr(log, func() { terr = portaudio.Terminate() })
				if terr != nil {
					terr = fmt.Errorf("audio: terminate PortAudio: %w", terr)
				}
			}
		})
		return terr
	}, nil
}

// Device describes one PortAudio device.
type Device struct {
	Index             int
	Name              string
	HostAPI           string
	MaxInputChannels  int
	MaxOutputChannels int
	DefaultSampleRate float64
	IsDefaultInput    bool
	IsDefaultOutput   bool

	lowInputLatency, lowOutputLatency time.Duration
}

func (d Device) String() string {
	return fmt.Sprintf("%d: %s (%s, in %d, out %d, %.0f Hz)", d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.MaxOutputChannels, d.DefaultSampleRate)
}

// Devices lists the devices. PortAudio must be initialised (Init).
func Devices() ([]Device, error) {
	paMu.Lock()
	defer paMu.Unlock()
	return devicesLocked()
}

func devicesLocked() ([]Device, error) {
	if paRefs == 0 {
		return nil, errors.New("audio: PortAudio is not initialised (call Init)")
	}
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("audio: list devices: %w", err)
	}
	defIn, defOut := -1, -1
	if d, err := portaudio.DefaultInputDevice(); err == nil {
		defIn = d.Index
	}
	if d, err := portaudio.DefaultOutputDevice(); err == nil {
		defOut = d.Index
	}
	out := make([]Device, 0, len(infos))
	for _, in := range infos {
		d := Device{
			Index:             in.Index,
			Name:              in.Name,
			MaxInputChannels:  in.MaxInputChannels,
			MaxOutputChannels: in.MaxOutputChannels,
			DefaultSampleRate: in.DefaultSampleRate,
			IsDefaultInput:    in.Index == defIn,
			IsDefaultOutput:   in.Index == defOut,
			lowInputLatency:   in.DefaultLowInputLatency,
			lowOutputLatency:  in.DefaultLowOutputLatency,
		}
		if in.HostApi != nil {
			d.HostAPI = in.HostApi.Name
		}
		out = append(out, d)
	}
	return out, nil
}

// FindDevice selects an input (input=true) or output device. An empty spec is the
// default device (ErrNoDevice if there is none); a number is a device index; anything
// else is a case-insensitive substring of the name, where an exact name wins. No match
// or several matches give an error listing the candidates.
func FindDevice(spec string, input bool) (*Device, error) {
	paMu.Lock()
	defer paMu.Unlock()
	return findDeviceLocked(spec, input)
}

func findDeviceLocked(spec string, input bool) (*Device, error) {
	devs, err := devicesLocked()
	if err != nil {
		return nil, err
	}
	dir := "output"
	if input {
		dir = "input"
	}
	usable := make([]Device, 0, len(devs))
	for _, d := range devs {
		if (input && d.MaxInputChannels > 0) || (!input && d.MaxOutputChannels > 0) {
			usable = append(usable, d)
		}
	}
	list := func(ds []Device) string {
		if len(ds) == 0 {
			return "none"
		}
		s := make([]string, len(ds))
		for i, d := range ds {
			s[i] = fmt.Sprintf("%d %q", d.Index, d.Name)
		}
		return strings.Join(s, ", ")
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		for i := range usable {
			if (input && usable[i].IsDefaultInput) || (!input && usable[i].IsDefaultOutput) {
				return &usable[i], nil
			}
		}
		return nil, fmt.Errorf("audio: %w: no default %s device (%d %s devices: %s)", ErrNoDevice, dir, len(usable), dir, list(usable))
	}
	if idx, err := strconv.Atoi(spec); err == nil {
		for i := range usable {
			if usable[i].Index == idx {
				return &usable[i], nil
			}
		}
		return nil, fmt.Errorf("audio: %w: no %s device with index %d (%s devices: %s)", ErrDevice, dir, idx, dir, list(usable))
	}
	var matches []Device
	for _, d := range usable {
		if strings.EqualFold(d.Name, spec) {
			return &d, nil
		}
		if strings.Contains(strings.ToLower(d.Name), strings.ToLower(spec)) {
			matches = append(matches, d)
		}
	}
	switch len(matches) {
	case 1:
		return &matches[0], nil
	case 0:
		return nil, fmt.Errorf("audio: %w: no %s device matches %q (%s devices: %s)", ErrDevice, dir, spec, dir, list(usable))
	}
	sort.Slice(matches, func(i, j int) bool { return matches[i].Index < matches[j].Index })
	return nil, fmt.Errorf("audio: %w: %q matches several %s devices: %s", ErrDevice, spec, dir, list(matches))
}

// openMono opens a blocking mono int16 stream on dev (input or output), trying each
// rate in turn; buf is the stream buffer variable (its length is the frames per
// Read/Write and may be resliced later within its capacity).
func openMono(log *slog.Logger, dev *Device, input bool, rates []float64, framesFor func(rate float64) int, buf *[]int16) (*portaudio.Stream, float64, error) {
	paMu.Lock()
	defer paMu.Unlock()
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, 0, fmt.Errorf("audio: %w", err)
	}
	if dev.Index < 0 || dev.Index >= len(infos) {
		return nil, 0, fmt.Errorf("audio: %w: device %d vanished", ErrDevice, dev.Index)
	}
	info := infos[dev.Index]
	var firstErr error
	var firstNative string
	for _, rate := range rates {
		var p portaudio.StreamParameters
		if input {
			p.Input = portaudio.StreamDeviceParameters{Device: info, Channels: 1, Latency: info.DefaultLowInputLatency}
		} else {
			p.Output = portaudio.StreamDeviceParameters{Device: info, Channels: 1, Latency: info.DefaultLowOutputLatency}
		}
		p.SampleRate = rate
		p.FramesPerBuffer = framesFor(rate)
		*buf = make([]int16, p.FramesPerBuffer, 2*p.FramesPerBuffer+64)
		var s *portaudio.Stream
		native := quietStderr(log, func() { s, err = portaudio.OpenStream(p, buf) })
		if err == nil {
			return s, rate, nil
		}
		if firstErr == nil {
			firstErr, firstNative = err, native
		}
	}
	return nil, 0, fmt.Errorf("audio: %w: open %q: %w%s", ErrDevice, dev.Name, firstErr, quoteNative(lastLines(firstNative, 4)))
}

// startStream starts s with native noise diverted.
func startStream(log *slog.Logger, s *portaudio.Stream) error {
	var err error
	quietStderr(log, func() { err = s.Start() })
	return err
}

// closeStream stops and closes s (under paMu: Close touches the binding's stream map
// only, but Pa_CloseStream must not race Pa_Terminate).
func closeStream(log *slog.Logger, s *portaudio.Stream, abort bool) error {
	paMu.Lock()
	defer paMu.Unlock()
	var err error
	quietStderr(log, func() {
		if abort {
			err = s.Abort()
		} else {
			err = s.Stop()
		}
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

// candidateRates is 24 kHz first, then the device's default rate.
func candidateRates(d *Device) []float64 {
	r := []float64{SampleRate}
	if d.DefaultSampleRate > 0 && d.DefaultSampleRate != SampleRate {
		r = append(r, d.DefaultSampleRate)
	}
	return r
}

// deviceStream is a started mono stream on a device, with the resampler between the
// device's rate and 24 kHz when they differ.
type deviceStream struct {
	stream  *portaudio.Stream
	rate    float64
	rs      *Resampler // nil at 24 kHz
	release func() error
}

// openDevice initialises PortAudio, finds the device (spec as FindDevice), opens it
// at 24 kHz or else at its default rate, and starts it. On any error everything it
// acquired is released. framesFor gives the frames per buffer at a rate.
func openDevice(log *slog.Logger, spec string, input bool, framesFor func(rate float64) int, buf *[]int16) (*deviceStream, error) {
	release, err := Init(log)
	if err != nil {
		return nil, err
	}
	dev, err := FindDevice(spec, input)
	if err != nil {
		release()
		return nil, err
	}
	stream, rate, err := openMono(log, dev, input, candidateRates(dev), framesFor, buf)
	if err != nil {
		release()
		return nil, err
	}
	ds := &deviceStream{stream: stream, rate: rate, release: release}
	if rate != SampleRate {
		in, out := SampleRate, int(rate) // playback: 24 kHz → device
		if input {
			in, out = int(rate), SampleRate
		}
		if ds.rs, err = NewResampler(in, out); err != nil {
			closeStream(log, stream, true)
			release()
			return nil, err
		}
	}
	if err := startStream(log, stream); err != nil {
		closeStream(log, stream, true)
		release()
		what := "playback"
		if input {
			what = "capture"
		}
		return nil, fmt.Errorf("audio: %w: start %s on %q: %w", ErrDevice, what, dev.Name, err)
	}
	return ds, nil
}

// orDiscard is log, or a logger that discards when log is nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
