package vad

import (
	"fmt"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
)

// speechEndSilence is the silence that ends a speech run (SpeechEnd), after which a
// new onset can be reported.
const speechEndSilence = 300 * time.Millisecond

// settle is how long after creation or Reset no speech is reported: WebRTC's noise
// model starts from speech-like defaults and calls the first frames of plain room
// noise speech at medium sensitivity and above.
const settle = 200 * time.Millisecond

// ratio is 24 kHz input samples per 16 kHz classifier sample, times two (3/2 → 3, 2).
const (
	ratioNum = audio.SampleRate / 8000
	ratioDen = classifierRate / 8000
)

// EventKind is a speech transition.
type EventKind uint8

const (
	// SpeechStart: MinSpeech of speech without a break has been heard.
	SpeechStart EventKind = iota + 1
	// SpeechEnd: 300 ms without speech after a SpeechStart.
	SpeechEnd
)

func (k EventKind) String() string {
	switch k {
	case SpeechStart:
		return "speech_start"
	case SpeechEnd:
		return "speech_end"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one transition. Positions count the 24 kHz samples fed to the detector
// since it was created or Reset.
type Event struct {
	Kind EventKind
	// Start is where the speech (SpeechStart) or the silence (SpeechEnd) began.
	Start int64
	// Decided is the end of the input whose processing produced the event: the
	// earliest point at which the caller learns of it.
	Decided int64
}

// Detector is a streaming voice activity detector over 24 kHz PCM16 mono: WebRTC's
// VAD on 10 ms frames at 16 kHz (resampled with audio.Resampler), with a minimum
// speech duration for onsets. Not safe for concurrent use; Close frees it.
type Detector struct {
	vad          *webrtcVAD
	rs           *audio.Resampler
	minFrames    int
	endFrames    int
	settleFrames int64

	pad      int     // zeros ahead of the 16 kHz stream (gridPad)
	pending  []int16 // 16 kHz samples not yet classified
	fed      int64   // 24 kHz samples fed
	frames   int64   // classifier frames classified
	voiced   int64   // of which speech
	run      int     // consecutive frames contradicting the current state
	runStart int64   // classifier frame where that run began
	speaking bool
}

// NewDetector creates a detector with o's sensitivity and minimum speech duration
// (Enabled is not consulted).
func NewDetector(o Options) (*Detector, error) {
	if err := o.Validate("local_vad"); err != nil {
		return nil, fmt.Errorf("vad: %w", err)
	}
	rs, err := audio.NewResampler(audio.SampleRate, classifierRate)
	if err != nil {
		return nil, fmt.Errorf("vad: %w", err)
	}
	w, err := newWebRTCVAD(o.Sensitivity.Mode())
	if err != nil {
		return nil, err
	}
	frame := 10 * time.Millisecond
	d := &Detector{
		vad:          w,
		rs:           rs,
		pad:          gridPad(rs),
		minFrames:    int((o.MinSpeech() + frame - 1) / frame),
		endFrames:    int(speechEndSilence / frame),
		settleFrames: int64(settle / frame),
		pending:      make([]int16, 0, 4*classifierFrame),
	}
	d.pending = d.pending[:d.pad]
	return d, nil
}

// gridPad is how many zeros go ahead of the 16 kHz stream so that the classifier's
// 10 ms frames end where a 20 ms capture frame's resampled output ends. The
// resampler looks Latency() input samples ahead, so after a capture frame it has
// produced 2.2 ms less than the frame's 320 samples; on the plain grid the second
// 10 ms frame of every capture frame then waited for the next capture frame (20 ms
// more onset latency half the time). Shifted by the pad, both are classified as soon
// as the capture frame arrives, covering the audio up to 2.2 ms before its end.
func gridPad(rs *audio.Resampler) int {
	out := len(rs.Process(nil, make([]int16, audio.FrameSamples)))
	rs.Reset()
	return (classifierFrame - out%classifierFrame) % classifierFrame
}

// Process feeds pcm (any length), appends the transitions it completes to dst and
// returns dst. It does not allocate once pending buffers have grown to the input's
// size.
func (d *Detector) Process(dst []Event, pcm []int16) ([]Event, error) {
	return d.process(dst, pcm, true)
}

// ProcessGated is Process with a veto: when allow is false, frames of pcm that WebRTC
// calls speech count as silence (they still feed its noise model). BargeIn vetoes
// frames that are more likely echo than user.
func (d *Detector) ProcessGated(dst []Event, pcm []int16, allow bool) ([]Event, error) {
	return d.process(dst, pcm, allow)
}

func (d *Detector) process(dst []Event, pcm []int16, allow bool) ([]Event, error) {
	if d.vad == nil {
		return dst, fmt.Errorf("vad: detector is closed")
	}
	d.pending = d.rs.Process(d.pending, pcm)
	d.fed += int64(len(pcm))
	i := 0
	for ; i+classifierFrame <= len(d.pending); i += classifierFrame {
		speech, err := d.vad.classify(d.pending[i : i+classifierFrame])
		if err != nil {
			d.pending = append(d.pending[:0], d.pending[i:]...)
			return dst, err
		}
		if !allow || d.frames < d.settleFrames {
			speech = false
		}
		dst = d.step(dst, speech)
	}
	d.pending = append(d.pending[:0], d.pending[i:]...)
	return dst, nil
}

// step advances the state machine by one classified frame.
func (d *Detector) step(dst []Event, speech bool) []Event {
	f := d.frames
	d.frames++
	if speech {
		d.voiced++
	}
	if speech == d.speaking { // agrees with the state: any contrary run is over
		d.run = 0
		return dst
	}
	if d.run == 0 {
		d.runStart = f
	}
	d.run++
	need := d.minFrames
	kind := SpeechStart
	if d.speaking {
		need, kind = d.endFrames, SpeechEnd
	}
	if d.run < need {
		return dst
	}
	d.speaking = !d.speaking
	d.run = 0
	return append(dst, Event{Kind: kind, Start: d.position(d.runStart), Decided: d.fed})
}

// position is where classifier frame f begins, in 24 kHz input samples (≥ 0).
func (d *Detector) position(f int64) int64 {
	return max(0, (f*classifierFrame-int64(d.pad))*ratioNum/ratioDen)
}

// Speaking reports whether speech is in progress (between a SpeechStart and its
// SpeechEnd).
func (d *Detector) Speaking() bool { return d.speaking }

// Fed is the number of 24 kHz samples fed since creation or Reset.
func (d *Detector) Fed() int64 { return d.fed }

// Frames returns the 10 ms classifier frames classified and how many were speech.
func (d *Detector) Frames() (total, speech int64) { return d.frames, d.voiced }

// Reset forgets the stream: the resampler history, WebRTC's noise model and the speech
// state. Positions restart at 0.
func (d *Detector) Reset() error {
	d.rs.Reset()
	d.pending = d.pending[:d.pad]
	clear(d.pending)
	d.fed, d.frames, d.voiced, d.run, d.runStart, d.speaking = 0, 0, 0, 0, 0, false
	if d.vad == nil {
		return fmt.Errorf("vad: detector is closed")
	}
	return d.vad.reset()
}

// Close frees the WebRTC state; Process fails afterwards.
func (d *Detector) Close() {
	if d.vad != nil {
		d.vad.close()
		d.vad = nil
	}
}
