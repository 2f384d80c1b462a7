package realtime

import "sync"

// EventQueue is the unbounded FIFO between a Model's producers (its socket reader,
// Send, reconnection) and its one consumer. Policy: unbounded, because the
// connection's reader must never block on the consumer (pings, barge-in;
// docs/protocol.md §0, R12.1); Push never blocks.
//
// A consumer either waits on Ready and takes everything queued with Drain — the
// reader's goroutine hands events straight to the consumer's, one wake-up for a
// burst — or reads Channel, which adds a pump goroutine (one hand-off more per
// event) for consumers that want a plain channel. Never both.
type EventQueue struct {
	mu     sync.Mutex
	items  []Event
	closed bool
	ready  chan struct{} // capacity 1: something was pushed, or the queue closed
	once   sync.Once
	ch     chan Event
}

// NewEventQueue returns an empty, open queue.
func NewEventQueue() *EventQueue {
	return &EventQueue{ready: make(chan struct{}, 1)}
}

// Push appends ev; it reports false when the queue is already closed.
func (q *EventQueue) Push(ev Event) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, ev)
	// Only the push that makes the queue non-empty signals: the consumer drains
	// everything after each wake-up, so later pushes ride on this one.
	wake := len(q.items) == 1
	q.mu.Unlock()
	if wake {
		q.signal()
	}
	return true
}

// Close stops further pushes; what is queued is still drained.
func (q *EventQueue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *EventQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Ready receives after a Push to an empty queue or a Close. A receive does not
// promise an event (Drain may return none); Drain after each receive.
func (q *EventQueue) Ready() <-chan struct{} { return q.ready }

// Drain appends every queued event to dst without blocking. more is false once the
// queue is closed and these were its last events: nothing follows.
func (q *EventQueue) Drain(dst []Event) (out []Event, more bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dst = append(dst, q.items...)
	clear(q.items)
	q.items = q.items[:0]
	if cap(q.items) > 4096 { // a burst is over: do not keep its backing array
		q.items = nil
	}
	return dst, !q.closed
}

// Channel returns the queue as a channel, closed after the last event; the pump
// goroutine behind it starts on the first call.
func (q *EventQueue) Channel() <-chan Event {
	q.once.Do(func() {
		q.ch = make(chan Event, 1)
		go q.pump()
	})
	return q.ch
}

func (q *EventQueue) pump() {
	var batch []Event
	for {
		<-q.ready
		var more bool
		batch, more = q.Drain(batch[:0])
		for _, ev := range batch {
			q.ch <- ev
		}
		clear(batch)
		if !more {
			close(q.ch)
			return
		}
	}
}

// Queued is implemented by a Model whose consumer may take events straight from
// its queue instead of Events: the Model's reader then hands each event to the
// consumer's goroutine directly. A consumer uses EventQueue or Events, never both;
// the same contract holds (wire order, Closed last, then the queue ends).
type Queued interface {
	EventQueue() *EventQueue
}

// QueueOf returns m's event queue, or nil when m must be read through Events.
func QueueOf(m Model) *EventQueue {
	if q, ok := m.(Queued); ok {
		return q.EventQueue()
	}
	return nil
}
