package testkit

import (
	"sync"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Sink is a scripted realtime.AudioSink: the test says what is playing, and
// it counts what was enqueued and how often playback was interrupted.
type Sink struct {
	mu         sync.Mutex
	state      realtime.PlaybackState
	chunks     int
	bytes      int
	interrupts int
}

var _ realtime.AudioSink = (*Sink)(nil)

// Enqueue counts the chunk and its bytes.
func (k *Sink) Enqueue(_, _ string, _ int, pcm []byte) {
	k.mu.Lock()
	k.chunks++
	k.bytes += len(pcm)
	k.mu.Unlock()
}

// Interrupt returns what was playing and stops it.
func (k *Sink) Interrupt() realtime.PlaybackState {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.state
	k.state = realtime.PlaybackState{}
	k.interrupts++
	return st
}

// State is what the test said is playing.
func (k *Sink) State() realtime.PlaybackState {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// Play says that content part ci of item (in response resp) is playing, with
// played bytes of it heard.
func (k *Sink) Play(resp, item string, ci, played int) {
	k.SetState(realtime.PlaybackState{ResponseID: resp, ItemID: item, ContentIndex: ci, PlayedBytes: played, Active: true})
}

// SetState sets the playback state as it is (for one Play cannot say, such
// as prebuffering: active with nothing heard yet).
func (k *Sink) SetState(st realtime.PlaybackState) {
	k.mu.Lock()
	k.state = st
	k.mu.Unlock()
}

// Counts returns the chunks enqueued, their bytes, and the interrupts.
func (k *Sink) Counts() (chunks, bytes, interrupts int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.chunks, k.bytes, k.interrupts
}
