package session

import (
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// clockSink is the wall-clock playback estimator (R7.3 fallback) for sessions without
// an audio device: it discards audio but pretends it plays in real time from the
// moment it is queued, so truncation still has a played position.
type clockSink struct {
	mu         sync.Mutex
	bpm        int
	q          []clockChunk
	headStart  time.Time // when q[0] started playing
	itemPlayed int       // bytes of q[0]'s part played before q[0]

	// The last chunk played when the queue ran dry: audio delivered at real-time pace
	// empties the queue between chunks, and the next chunk of the same part must go
	// on counting from there rather than from zero.
	last       audioKey
	lastResp   string
	lastPlayed int
	dryAt      time.Time // when the queue ran dry
}

// clockGrace is how long a part still counts as playing after the queue ran dry:
// with audio arriving at real-time pace the queue is empty between chunks, as a real
// jitter buffer (about 120 ms) would not be.
const clockGrace = 100 * time.Millisecond

type clockChunk struct {
	respID string
	key    audioKey
	n      int
}

func newClockSink(bpm int) *clockSink { return &clockSink{bpm: max(bpm, 1)} }

func (c *clockSink) setBPM(bpm int) {
	c.mu.Lock()
	c.bpm = max(bpm, 1)
	c.mu.Unlock()
}

func (c *clockSink) dur(n int) time.Duration {
	return time.Duration(n) * time.Millisecond / time.Duration(c.bpm)
}

// advance drops the chunks played by now and returns the bytes played of q[0].
func (c *clockSink) advance(now time.Time) int {
	for len(c.q) > 0 {
		h := c.q[0]
		played := int(now.Sub(c.headStart) * time.Duration(c.bpm) / time.Millisecond)
		if played < h.n {
			return played
		}
		c.headStart = c.headStart.Add(c.dur(h.n))
		c.q = c.q[1:]
		c.last, c.lastResp, c.lastPlayed, c.dryAt = h.key, h.respID, c.itemPlayed+h.n, c.headStart
		if len(c.q) > 0 && c.q[0].key == h.key {
			c.itemPlayed += h.n
		} else {
			c.itemPlayed = 0
		}
	}
	return 0
}

// Enqueue implements realtime.AudioSink.
func (c *clockSink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.advance(now)
	if len(c.q) == 0 {
		c.headStart = now
		c.itemPlayed = 0
		if c.last == (audioKey{itemID, contentIndex}) {
			c.itemPlayed = c.lastPlayed
		}
	}
	c.q = append(c.q, clockChunk{respID: responseID, key: audioKey{itemID, contentIndex}, n: len(pcm)})
}

func (c *clockSink) state() realtime.PlaybackState {
	now := time.Now()
	played := c.advance(now)
	if len(c.q) == 0 {
		if c.last.item != "" && now.Sub(c.dryAt) < clockGrace {
			return realtime.PlaybackState{ResponseID: c.lastResp, ItemID: c.last.item, ContentIndex: c.last.ci, PlayedBytes: c.lastPlayed, Active: true}
		}
		return realtime.PlaybackState{}
	}
	h := c.q[0]
	return realtime.PlaybackState{ResponseID: h.respID, ItemID: h.key.item, ContentIndex: h.key.ci, PlayedBytes: c.itemPlayed + played, Active: true}
}

// State implements realtime.AudioSink.
func (c *clockSink) State() realtime.PlaybackState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state()
}

// Interrupt implements realtime.AudioSink: snapshot, then drop the queue.
func (c *clockSink) Interrupt() realtime.PlaybackState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state()
	c.q = nil
	c.itemPlayed = 0
	c.last, c.lastResp, c.lastPlayed = audioKey{}, "", 0
	return st
}
