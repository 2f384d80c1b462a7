package session

import (
	"sync"

	"github.com/rtagent/rtagent/internal/fifo"
)

// maxPendingRaw bounds the raw events waiting in the queue. Raw events are the only
// lossy ones (R12.1): past this bound new ones are dropped and counted.
const maxPendingRaw = 256

// eventQueue is the FIFO between the engine and the consumers (R12.1).
// Policy: unbounded (fifo.Queue) for every event except RawEvent (bounded, lossy,
// counted); push never blocks. A pump goroutine, started by the first call to
// channel, moves events to the public channel; after the terminal Closed event has
// been delivered the channel is closed.
type eventQueue struct {
	q          *fifo.Queue[Event]
	mu         sync.Mutex
	rawPending int
	rawDropped uint64
	ended      bool // Closed was pushed; later pushes are ignored
	out        chan Event
	pumpOnce   sync.Once
}

func newEventQueue() *eventQueue {
	return &eventQueue{q: fifo.New[Event](), out: make(chan Event)}
}

// channel starts the pump on first use (a session nobody listens to runs no pump)
// and returns the consumers' channel.
func (q *eventQueue) channel() <-chan Event {
	q.pumpOnce.Do(func() { go q.pump() })
	return q.out
}

// push appends ev. A Closed event ends the queue.
func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ended {
		return
	}
	if _, raw := ev.(RawEvent); raw {
		if q.rawPending >= maxPendingRaw {
			q.rawDropped++
			return
		}
		q.rawPending++
	}
	q.q.Push(ev)
	if _, closed := ev.(Closed); closed {
		q.ended = true
		q.q.Close() // what is queued is still delivered
	}
}

func (q *eventQueue) dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.rawDropped
}

func (q *eventQueue) pump() {
	defer close(q.out)
	for {
		ev, ok := q.q.Pop()
		if !ok {
			return
		}
		if _, raw := ev.(RawEvent); raw {
			q.mu.Lock()
			q.rawPending--
			q.mu.Unlock()
		}
		q.out <- ev
	}
}
