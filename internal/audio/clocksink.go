package audio

import (
	"encoding/binary"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

type clockChunk struct {
	key itemKey
	n   int    // samples
	pcm []byte // PCM16 LE as enqueued; nil unless the queue keeps audio
}

// clockQueue is a virtual output device that plays at real time by the wall clock:
// queued audio is "played" as time passes (the R7.3 fallback for sinks that cannot
// report). It is advanced lazily by whoever looks at it. Not safe for concurrent use.
type clockQueue struct {
	now     func() time.Time
	keepPCM bool
	// played, if set, receives audio as the clock plays it (pcm only when keepPCM).
	played func(at time.Time, pcm []byte)

	queue   []clockChunk
	queued  int
	last    time.Time
	rem     int64
	tracker Tracker
}

func (q *clockQueue) enqueue(k itemKey, pcm []byte) {
	n := len(pcm) / 2
	if n == 0 {
		return
	}
	now := q.now()
	q.advance(now)
	if q.queued == 0 {
		q.last, q.rem = now, 0 // the clock runs only while audio is queued
	}
	c := clockChunk{key: k, n: n}
	if q.keepPCM { // a copy: the caller may reuse its buffer
		c.pcm = append([]byte(nil), pcm[:2*n]...)
	}
	q.queue = append(q.queue, c)
	q.queued += n
}

// advance plays the audio the clock has consumed up to now.
func (q *clockQueue) advance(now time.Time) {
	if q.queued == 0 {
		return
	}
	el := now.Sub(q.last)
	if el <= 0 {
		return
	}
	total := int64(el)*SampleRate + q.rem
	n := int(total / int64(time.Second))
	q.rem = total % int64(time.Second)
	at := q.last
	q.last = now
	q.consume(n, at)
}

func (q *clockQueue) consume(n int, at time.Time) {
	for n > 0 && len(q.queue) > 0 {
		c := &q.queue[0]
		k := min(n, c.n)
		q.tracker.add(c.key, 2*k)
		if q.played != nil {
			var s []byte
			if c.pcm != nil {
				s = c.pcm[:2*k]
				c.pcm = c.pcm[2*k:]
			}
			q.played(at, s)
		}
		at = at.Add(durationOf(k, SampleRate))
		c.n -= k
		n -= k
		q.queued -= k
		if c.n == 0 {
			q.queue = q.queue[1:]
		}
	}
	if q.queued == 0 {
		q.queue, q.rem = nil, 0
	}
}

func (q *clockQueue) state() realtime.PlaybackState {
	q.advance(q.now())
	s := q.tracker.State()
	s.Active = q.queued > 0
	return s
}

// end is when the queue runs out by the clock if nothing more arrives; false when
// nothing is queued.
func (q *clockQueue) end() (time.Time, bool) {
	if q.queued == 0 {
		return time.Time{}, false
	}
	ns := int64(q.queued)*int64(time.Second) - q.rem
	return q.last.Add(time.Duration((ns + SampleRate - 1) / SampleRate)), true
}

// interrupt snapshots, returns up to FadeSamples of the next audio (faded, PCM16 LE)
// and clears.
func (q *clockQueue) interrupt() (realtime.PlaybackState, []byte) {
	s := q.state()
	var fade []byte
	if q.keepPCM && q.queued > 0 {
		for _, c := range q.queue {
			if len(fade) >= 2*FadeSamples {
				break
			}
			fade = append(fade, c.pcm[:min(len(c.pcm), 2*FadeSamples-len(fade))]...)
		}
		for i := 0; i+1 < len(fade); i += 2 {
			v := int16(binary.LittleEndian.Uint16(fade[i:]))
			v = clamp16(float64(v) * float64(FadeSamples-i/2) / FadeSamples)
			binary.LittleEndian.PutUint16(fade[i:], uint16(v))
		}
	}
	q.queue, q.queued, q.rem = nil, 0, 0
	q.tracker.Reset()
	return s, fade
}
