// Package fifo is rtagent's one unbounded queue: a FIFO whose Push never blocks,
// for the places where a producer (a socket reader, the session engine) must never
// stall on its consumer (docs/protocol.md §0, R12.1). Each user states its policy at the
// queue: what it holds, and why unbounded is right there.
package fifo

import "sync"

// Queue is an unbounded FIFO. Push never blocks; Pop blocks until an item is
// available or the queue is closed and drained. The zero value is not usable; call
// New.
type Queue[T any] struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []T
	head   int
	closed bool
}

// New returns an empty queue.
func New[T any]() *Queue[T] {
	q := &Queue[T]{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Push appends v; it reports false when the queue is already closed.
func (q *Queue[T]) Push(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.items = append(q.items, v)
	q.cond.Signal()
	return true
}

// Pop removes the oldest item; ok is false once the queue is closed and drained.
func (q *Queue[T]) Pop() (v T, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.items) {
		return v, false
	}
	v = q.items[q.head]
	var zero T
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.items) {
		q.items, q.head = append(q.items[:0:0], q.items[q.head:]...), 0
	}
	return v, true
}

// PopAll blocks like Pop, then moves every queued item to dst (one wake-up for a
// burst); ok is false once the queue is closed and drained.
func (q *Queue[T]) PopAll(dst []T) (out []T, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.items) {
		return dst, false
	}
	dst = append(dst, q.items[q.head:]...)
	clear(q.items[q.head:])
	q.items, q.head = q.items[:0], 0
	return dst, true
}

// Close stops further pushes; items already queued are still popped.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}
