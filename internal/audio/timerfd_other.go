//go:build !linux

package audio

import (
	"errors"
	"time"
)

// timerFD exists on Linux only; elsewhere the sleeper uses a runtime timer.
type timerFD struct{}

func newTimerFD() (*timerFD, error) { return nil, errors.New("audio: no timerfd on this system") }

func (*timerFD) wait(time.Duration) error { return errors.New("audio: no timerfd") }
func (*timerFD) interrupt()               {}
func (*timerFD) close()                   {}
