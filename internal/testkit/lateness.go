package testkit

import (
	"sync"
	"time"
)

// Lateness records how late real-time device callbacks ran, for latency tests on a
// shared machine: a figure measured while the process was descheduled (a stalled
// capture or playback loop) says nothing about the code under test. From sets the
// start of the window; Observe, called from the callbacks, records how far the
// wall clock is past when the callback was due; Max is the worst in the window.
type Lateness struct {
	mu   sync.Mutex
	from time.Time
	max  time.Duration
}

// From starts the window at t (callbacks due before t are ignored) and forgets
// what was recorded.
func (l *Lateness) From(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.from, l.max = t, 0
}

// Observe records a callback that was due at due and runs now.
func (l *Lateness) Observe(due time.Time) {
	late := time.Since(due)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.from.IsZero() && !due.Before(l.from) && late > l.max {
		l.max = late
	}
}

// Max is the largest lateness observed in the window.
func (l *Lateness) Max() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.max
}
