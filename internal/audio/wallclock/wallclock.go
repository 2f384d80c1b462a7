// Package wallclock is rtagent's one wall-clock playback estimator (docs/protocol.md
// R7.3 fallback): a virtual output device that "plays" queued audio in real time
// by the wall clock, so a sink that cannot report what was heard still has a
// played position for truncation. The WAV sink (internal/audio) plays into a file
// through it; sessions without an audio device (internal/session) use its Sink.
//
// It is pure Go (no cgo, no devices) so that the session can use it without
// linking PortAudio. It must never block: it is advanced lazily by whoever looks
// at it.
package wallclock

import (
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// DefaultGrace is how long a part still counts as playing after the queue ran dry
// when the Sink is used as a device stand-in: with audio arriving at real-time
// pace the queue is empty between chunks, as a real jitter buffer (about 120 ms)
// would not be.
const DefaultGrace = 100 * time.Millisecond

// Config says how a Queue plays.
type Config struct {
	Now func() time.Time // nil: time.Now
	// BytesPerMS is the audio format's byte rate (48 for PCM16 at 24 kHz, 8 for
	// G.711); 0 means 48. Playback advances in whole samples.
	BytesPerMS int
	// Grace keeps the last part active this long after the queue ran dry (0: none).
	Grace time.Duration
	// KeepPCM keeps the queued bytes, for Played and for Interrupt's next audio.
	// They are kept in one buffer the queue reuses: no allocation per chunk.
	KeepPCM bool
	// Played, if set, receives audio as the clock plays it (pcm nil unless KeepPCM),
	// with the time its first sample played. pcm is valid only during the call.
	Played func(at time.Time, pcm []byte)
}

type key struct {
	responseID, itemID string
	contentIndex       int
}

type chunk struct {
	key key
	n   int // bytes not played yet
}

// Queue is the estimator. It is not safe for concurrent use; Sink wraps it with a
// lock.
//
// It allocates nothing per chunk once warm: the chunk list and (KeepPCM) the bytes
// live in slices that are emptied, not dropped, when the queue runs dry, which at
// real-time delivery is after nearly every chunk (issue 13).
type Queue struct {
	cfg    Config
	frame  int     // bytes per sample
	queue  []chunk // queue[head:] not played yet
	head   int
	pcm    []byte // KeepPCM: pcm[off:] holds the queued bytes, in order
	off    int
	queued int // bytes
	last   time.Time
	rem    int64 // carried byte·ns (less than a second's worth, plus a partial sample)
	dryAt  time.Time

	cur    key // the part last played and the bytes of it played (R7.3)
	played int
	has    bool
}

// New returns an empty queue.
func New(cfg Config) *Queue {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	q := &Queue{cfg: cfg}
	q.SetBytesPerMS(cfg.BytesPerMS)
	return q
}

// SetBytesPerMS changes the byte rate (the effective output format changed).
func (q *Queue) SetBytesPerMS(bpm int) {
	if bpm <= 0 {
		bpm = 48
	}
	q.cfg.BytesPerMS = bpm
	q.frame = 1
	if bpm%2 == 0 && bpm >= 16 { // PCM16: two bytes a sample; G.711: one
		q.frame = 2
	}
}

// Queued returns the bytes not played yet.
func (q *Queue) Queued() int { return q.queued }

// Enqueue queues one chunk of a part.
func (q *Queue) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	n := len(pcm) - len(pcm)%q.frame
	if n <= 0 {
		return
	}
	now := q.cfg.Now()
	q.Advance(now)
	if q.queued == 0 {
		q.last, q.rem = now, 0 // the clock runs only while audio is queued
	}
	if q.head > 0 && q.head >= len(q.queue)-q.head { // reuse the played front
		q.queue = q.queue[:copy(q.queue, q.queue[q.head:])]
		q.head = 0
	}
	q.queue = append(q.queue, chunk{key: key{responseID, itemID, contentIndex}, n: n})
	if q.cfg.KeepPCM {
		if q.off > 0 && q.off >= len(q.pcm)-q.off {
			q.pcm = q.pcm[:copy(q.pcm, q.pcm[q.off:])]
			q.off = 0
		}
		q.pcm = append(q.pcm, pcm[:n]...)
	}
	q.queued += n
}

// reset empties the queue, keeping its slices for reuse.
func (q *Queue) reset() {
	clear(q.queue[:q.head]) // drop the keys' strings
	clear(q.queue[q.head:])
	q.queue, q.head, q.pcm, q.off, q.queued, q.rem = q.queue[:0], 0, q.pcm[:0], 0, 0, 0
}

// Advance plays the audio the clock has consumed up to now.
func (q *Queue) Advance(now time.Time) {
	if q.queued == 0 {
		return
	}
	el := now.Sub(q.last)
	if el <= 0 {
		return
	}
	total := int64(el)*int64(q.cfg.BytesPerMS)*1000 + q.rem
	n := int(total / int64(time.Second))
	n -= n % q.frame
	q.rem = total - int64(n)*int64(time.Second)
	at := q.last
	q.last = now
	q.Consume(n, at)
}

// Consume plays n bytes at once, the first at time at (Advance, or playing out
// what is left when a sink closes).
func (q *Queue) Consume(n int, at time.Time) {
	for n > 0 && q.head < len(q.queue) {
		c := &q.queue[q.head]
		k := min(n, c.n)
		if !q.has || c.key != q.cur {
			q.cur, q.played, q.has = c.key, 0, true
		}
		q.played += k
		var b []byte
		if q.cfg.KeepPCM {
			b = q.pcm[q.off : q.off+k]
			q.off += k
		}
		if q.cfg.Played != nil {
			q.cfg.Played(at, b)
		}
		at = at.Add(q.duration(k))
		c.n -= k
		n -= k
		q.queued -= k
		if c.n == 0 {
			q.head++
		}
	}
	if q.queued == 0 {
		q.reset()
		q.dryAt = at
	}
}

// End is when the queued audio runs out by the clock if nothing more arrives;
// false when nothing is queued.
func (q *Queue) End() (time.Time, bool) {
	if q.queued == 0 {
		return time.Time{}, false
	}
	perNS := int64(q.cfg.BytesPerMS) * 1000 // byte·ns per ns of clock
	ns := (int64(q.queued)*int64(time.Second) - q.rem + perNS - 1) / perNS
	return q.last.Add(time.Duration(ns)), true
}

func (q *Queue) duration(n int) time.Duration {
	return time.Duration(int64(n) * int64(time.Millisecond) / int64(q.cfg.BytesPerMS))
}

// State returns the part last played, the bytes of it played, and whether audio is
// still playing (queued, or within the grace after the queue ran dry).
func (q *Queue) State() realtime.PlaybackState {
	now := q.cfg.Now()
	q.Advance(now)
	if !q.has {
		return realtime.PlaybackState{Active: q.queued > 0}
	}
	return realtime.PlaybackState{
		ResponseID:   q.cur.responseID,
		ItemID:       q.cur.itemID,
		ContentIndex: q.cur.contentIndex,
		PlayedBytes:  q.played,
		Active:       q.queued > 0 || (q.cfg.Grace > 0 && now.Sub(q.dryAt) < q.cfg.Grace),
	}
}

// Interrupt snapshots the state, then drops the queue and forgets the part. next
// is up to nextBytes of the audio that would have played next (KeepPCM only), for
// a fade-out.
func (q *Queue) Interrupt(nextBytes int) (snap realtime.PlaybackState, next []byte) {
	snap = q.State()
	if q.cfg.KeepPCM && nextBytes > 0 && q.queued > 0 {
		next = append([]byte(nil), q.pcm[q.off:q.off+min(q.queued, nextBytes)]...)
	}
	q.reset()
	q.cur, q.played, q.has = key{}, 0, false
	return snap, next
}

// Sink is the estimator as a realtime.AudioSink for a session without an audio
// device: it discards audio but pretends it plays in real time from the moment it
// is queued, so truncation still has a played position. Safe for concurrent use.
type Sink struct {
	mu sync.Mutex
	q  *Queue
}

// NewSink returns a sink at bpm bytes per millisecond with the DefaultGrace.
func NewSink(bpm int) *Sink {
	return &Sink{q: New(Config{BytesPerMS: bpm, Grace: DefaultGrace})}
}

// SetBytesPerMS changes the byte rate (the effective output format changed).
func (s *Sink) SetBytesPerMS(bpm int) {
	s.mu.Lock()
	s.q.SetBytesPerMS(bpm)
	s.mu.Unlock()
}

// Enqueue implements realtime.AudioSink.
func (s *Sink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	s.mu.Lock()
	s.q.Enqueue(responseID, itemID, contentIndex, pcm)
	s.mu.Unlock()
}

// State implements realtime.AudioSink.
func (s *Sink) State() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.State()
}

// Interrupt implements realtime.AudioSink: snapshot, then drop the queue.
func (s *Sink) Interrupt() realtime.PlaybackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, _ := s.q.Interrupt(0)
	return snap
}

var _ realtime.AudioSink = (*Sink)(nil)
