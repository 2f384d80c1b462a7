package audio

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timerFD is a one-shot CLOCK_MONOTONIC timerfd read through Go's network poller: a
// goroutine waiting on it is parked (its thread and P are free) and woken by epoll
// when the timer expires.
type timerFD struct {
	fd  int
	f   *os.File
	buf [8]byte
}

func newTimerFD() (*timerFD, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	// A non-blocking fd is added to the poller; deadlines work only if it was.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, err
	}
	return &timerFD{fd: fd, f: f}, nil
}

// wait arms the timer for d and waits for it (an error if interrupted).
func (t *timerFD) wait(d time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d.Nanoseconds(), 1))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		return err
	}
	_, err := t.f.Read(t.buf[:])
	return err
}

// interrupt makes a wait in progress, and every later one, return an error.
func (t *timerFD) interrupt() { _ = t.f.SetReadDeadline(time.Unix(1, 0)) }

func (t *timerFD) close() { _ = t.f.Close() }
