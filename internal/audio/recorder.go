package audio

import (
	"errors"
	"sync"
	"time"
)

// Recorder writes a session to a stereo 24 kHz PCM16 WAV file: left = microphone,
// right = model, placed on one timeline that starts at the recorder's start time.
// Each write carries the time of its first sample; a channel that falls behind its
// timestamp is padded with silence, jitter under 20 ms is absorbed, and audio is never
// overwritten. Frames are written to the file once both channels have reached them,
// or once one channel is 500 ms ahead (the other is then silence-padded), so nothing
// is held longer than that. The WAV header is patched every second of audio and on
// Close: a crash leaves a playable file. Safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	w         *WAVWriter
	start     time.Time
	committed int64      // frames in the file
	buf       [2][]int16 // pending samples per channel, starting at committed
	inter     []int16    // scratch for interleaving
	err       error
}

const (
	recTolerance = SampleRate / 50 // 20 ms
	recHorizon   = SampleRate / 2  // 500 ms
)

// CreateRecorder creates path; start is time zero of the recording.
func CreateRecorder(path string, start time.Time) (*Recorder, error) {
	w, err := CreateWAV(path, SampleRate, 2)
	if err != nil {
		return nil, err
	}
	return &Recorder{w: w, start: start}, nil
}

// Mic records microphone audio whose first sample was captured at at.
func (r *Recorder) Mic(at time.Time, pcm []int16) { r.write(0, at, pcm) }

// Model records model audio whose first sample was played at at.
func (r *Recorder) Model(at time.Time, pcm []int16) { r.write(1, at, pcm) }

func (r *Recorder) write(ch int, at time.Time, pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil || r.err != nil || len(pcm) == 0 {
		return
	}
	target := int64(samplesFor(at.Sub(r.start), SampleRate))
	cur := r.committed + int64(len(r.buf[ch]))
	if gap := target - cur; gap > recTolerance {
		r.buf[ch] = append(r.buf[ch], make([]int16, gap)...)
	}
	r.buf[ch] = append(r.buf[ch], pcm...)
	r.flushLocked(false)
}

func (r *Recorder) flushLocked(all bool) {
	a, b := len(r.buf[0]), len(r.buf[1])
	n, hi := min(a, b), max(a, b)
	if all {
		n = hi
	} else if hi-n > recHorizon {
		n = hi - recHorizon
	}
	if n == 0 {
		return
	}
	for ch := range r.buf {
		if len(r.buf[ch]) < n {
			r.buf[ch] = append(r.buf[ch], make([]int16, n-len(r.buf[ch]))...)
		}
	}
	r.inter = r.inter[:0]
	for i := 0; i < n; i++ {
		r.inter = append(r.inter, r.buf[0][i], r.buf[1][i])
	}
	if err := r.w.Write(r.inter); err != nil {
		r.err = err
	}
	for ch := range r.buf {
		r.buf[ch] = append(r.buf[ch][:0], r.buf[ch][n:]...)
	}
	r.committed += int64(n)
}

// Close writes everything pending (padding the shorter channel), patches the header
// and closes the file. Later writes are ignored.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return r.err
	}
	r.flushLocked(true)
	err := r.w.Close()
	r.w = nil
	return errors.Join(r.err, err)
}
