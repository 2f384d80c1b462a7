package audio

import (
	"runtime"
	"testing"
	"time"
)

func TestSleeperSleepsUntilTheDeadline(t *testing.T) {
	var s sleeper
	defer s.stop()
	stop := make(chan struct{})
	for range 5 {
		at := time.Now().Add(15 * time.Millisecond)
		if !s.until(at, stop) {
			t.Fatal("until returned false with stop open")
		}
		if now := time.Now(); now.Before(at) {
			t.Fatalf("woke %v before the deadline", at.Sub(now))
		}
	}
	if runtime.GOOS == "linux" && s.tfd == nil {
		t.Error("on Linux the sleeper should sleep on a timerfd")
	}
	if !s.until(time.Now().Add(-time.Second), stop) {
		t.Error("a past deadline returns true at once")
	}
}

func TestSleeperWakeCutsASleepShort(t *testing.T) {
	var s sleeper
	stop := make(chan struct{})
	// The kernel timer exists before the long sleep starts.
	if !s.until(time.Now().Add(time.Millisecond), stop) {
		t.Fatal("first sleep")
	}
	res := make(chan bool)
	go func() {
		defer s.stop()
		res <- s.until(time.Now().Add(time.Hour), stop)
	}()
	close(stop)
	s.wake()
	select {
	case ok := <-res:
		if ok {
			t.Error("until returned true after wake")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wake did not end the sleep")
	}
	// Woken before sleeping: false at once.
	var s2 sleeper
	s2.wake()
	if s2.until(time.Now().Add(time.Hour), stop) {
		t.Error("until after wake returned true")
	}
	s2.stop()
}
