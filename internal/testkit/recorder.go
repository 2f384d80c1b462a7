package testkit

import (
	"errors"
	"sync"
	"time"
)

// Recorder collects what a stream (a session's events) delivers until it
// closes, for tests that wait on it.
type Recorder[E any] struct {
	mu     sync.Mutex
	evs    []E
	notify chan struct{}
	done   chan struct{}
}

// Record drains c in a goroutine. each (nil: none) sees every value first;
// keep (nil: all) selects the values retained for Events and waits.
func Record[E any](c <-chan E, each func(E), keep func(E) bool) *Recorder[E] {
	r := &Recorder[E]{notify: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range c {
			if each != nil {
				each(ev)
			}
			if keep == nil || keep(ev) {
				r.mu.Lock()
				r.evs = append(r.evs, ev)
				r.mu.Unlock()
			}
			select {
			case r.notify <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// Events is a copy of the values retained so far.
func (r *Recorder[E]) Events() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]E(nil), r.evs...)
}

// Done is closed once the stream has closed and all it delivered is recorded.
func (r *Recorder[E]) Done() <-chan struct{} { return r.done }

// Changed is signalled after each value (coalesced: one pending signal at
// most; WaitFor takes from it too).
func (r *Recorder[E]) Changed() <-chan struct{} { return r.notify }

// Why WaitFor gave up.
var (
	ErrStreamClosed = errors.New("stream closed")
	ErrTimedOut     = errors.New("timed out")
)

// WaitFor waits, timeout at most, until pred holds for the values retained,
// and returns them; otherwise ErrStreamClosed or ErrTimedOut.
func (r *Recorder[E]) WaitFor(timeout time.Duration, pred func([]E) bool) ([]E, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if evs := r.Events(); pred(evs) {
			return evs, nil
		}
		select {
		case <-r.notify:
		case <-r.done:
			if evs := r.Events(); pred(evs) {
				return evs, nil
			}
			return nil, ErrStreamClosed
		case <-deadline.C:
			return nil, ErrTimedOut
		}
	}
}

// NthOfType is the n-th (1-based) element of xs that is a T and satisfies
// pred (nil: any), and whether there is one.
func NthOfType[T, S any](xs []S, n int, pred func(T) bool) (T, bool) {
	k := 0
	for _, x := range xs {
		if v, ok := any(x).(T); ok && (pred == nil || pred(v)) {
			if k++; k == n {
				return v, true
			}
		}
	}
	var zero T
	return zero, false
}
