package session

import "sync"

// maxPendingRaw bounds the raw events waiting in the queue. Raw events are the only
// lossy ones (R12.1): past this bound new ones are dropped and counted.
const maxPendingRaw = 256

// eventQueue is the unbounded FIFO between the engine and the consumers (R12.1).
// Policy: unbounded for every event except RawEvent (bounded, lossy, counted); push
// never blocks. A pump goroutine, started by the first
// call to channel, moves events to the public channel; after the
// terminal Closed event has been delivered the channel is closed.
type eventQueue struct {
	mu         sync.Mutex
	items      []Event
	rawPending int
	rawDropped uint64
	ended      bool // Closed was pushed; later pushes are ignored
	wake       chan struct{}
	out        chan Event
	pumpOnce   sync.Once
}

func newEventQueue() *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), out: make(chan Event)}
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
	if q.ended {
		q.mu.Unlock()
		return
	}
	if _, raw := ev.(RawEvent); raw {
		if q.rawPending >= maxPendingRaw {
			q.rawDropped++
			q.mu.Unlock()
			return
		}
		q.rawPending++
	}
	if _, closed := ev.(Closed); closed {
		q.ended = true
	}
	q.items = append(q.items, ev)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.rawDropped
}

func (q *eventQueue) pump() {
	defer close(q.out)
	var batch []Event
	for {
		q.mu.Lock()
		batch, q.items = q.items, batch[:0]
		ended := q.ended
		q.mu.Unlock()
		if len(batch) == 0 {
			if ended {
				return
			}
			<-q.wake
			continue
		}
		for i, ev := range batch {
			if _, raw := ev.(RawEvent); raw {
				q.mu.Lock()
				q.rawPending--
				q.mu.Unlock()
			}
			q.out <- ev
			batch[i] = nil
			if _, closed := ev.(Closed); closed {
				return
			}
		}
	}
}
