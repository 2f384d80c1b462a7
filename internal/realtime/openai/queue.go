package openai

import "sync"

// queue is an unbounded FIFO. push never blocks (the reader must never stall on a
// consumer, PROTOCOL.md §0); pop blocks until an item is available or the queue is
// closed and empty. Policy: unbounded on purpose, because every item is a fact that
// must arrive (events, client frames, trace lines); the producers are paced by the
// network.
type queue[T any] struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []T
	head   int
	closed bool
}

func newQueue[T any]() *queue[T] {
	q := &queue[T]{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push appends v; it reports false when the queue is already closed.
func (q *queue[T]) push(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.items = append(q.items, v)
	q.cond.Signal()
	return true
}

// pop removes the oldest item; ok is false once the queue is closed and drained.
func (q *queue[T]) pop() (v T, ok bool) {
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

// close stops further pushes; items already queued are still popped.
func (q *queue[T]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// popAll blocks like pop, then moves every queued item to dst (one wake-up for a
// burst); ok is false once the queue is closed and drained.
func (q *queue[T]) popAll(dst []T) (out []T, ok bool) {
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
