package audio

import (
	"sync"
	"time"
)

// sleepUntil waits until t or until stop closes (returns false).
func sleepUntil(t time.Time, stop <-chan struct{}) bool {
	var s sleeper
	defer s.stop()
	return s.until(t, stop)
}

// sleeper is what a loop pacing itself to the clock sleeps on, once per 10–40 ms
// (the capture, the player and the WAV source on devices that do not block): one
// kernel timer, re-armed for each sleep, instead of a timer and its channel per sleep.
//
// On Linux it is a timerfd in Go's network poller. A runtime timer costs more wake-ups
// at this rate: the poller sleeps in whole milliseconds, so it wakes early, sleeps
// again and runs the timer up to 1 ms late while sysmon, woken on time, polls every
// 20 µs until the timer has run; re-arming it wakes another thread to watch the new
// deadline. The timerfd wakes the poller once, on time, and the timer heap is not
// touched. Elsewhere, or if a timerfd cannot be had, it is a reused time.Timer.
//
// The zero value is ready. until is called from one goroutine (the owner, which
// calls stop when done); wake from any, after closing the stop channel that until
// watches, to cut a sleep short.
type sleeper struct {
	mu    sync.Mutex
	woken bool
	tried bool
	tfd   *timerFD // nil: not yet created, unavailable, or woken
	t     *time.Timer
}

// until waits until t or until stop closes (returns false).
func (s *sleeper) until(t time.Time, stop <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		return !closed(stop)
	}
	if tf := s.kernelTimer(); tf != nil {
		if err := tf.wait(d); err == nil {
			return true
		}
		if closed(stop) { // woken
			return false
		}
		s.dropKernelTimer() // unexpected: use the runtime timer from now on
		if d = time.Until(t); d <= 0 {
			return true
		}
	}
	if s.t == nil {
		s.t = time.NewTimer(d)
	} else {
		s.t.Reset(d) // Go ≥ 1.23: no stale tick survives Reset
	}
	select {
	case <-s.t.C:
		return true
	case <-stop:
		return false
	}
}

// wake cuts a sleep short (the caller has closed until's stop channel).
func (s *sleeper) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.woken = true
	if s.tfd != nil {
		s.tfd.interrupt()
	}
}

// stop releases the timer (the owner, when done).
func (s *sleeper) stop() {
	s.dropKernelTimer()
	if s.t != nil {
		s.t.Stop()
	}
}

func (s *sleeper) kernelTimer() *timerFD {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tried && !s.woken {
		s.tried = true
		s.tfd, _ = newTimerFD() // nil on error: the runtime timer
	}
	if s.woken {
		return nil // the runtime timer's select sees stop at once
	}
	return s.tfd
}

func (s *sleeper) dropKernelTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tfd != nil {
		s.tfd.close()
		s.tfd = nil
	}
	s.tried = true
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
