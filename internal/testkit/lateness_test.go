package testkit

import (
	"testing"
	"time"
)

func TestLateness(t *testing.T) {
	var l Lateness
	now := time.Now()
	l.Observe(now.Add(-time.Hour)) // no window yet
	if l.Max() != 0 {
		t.Fatalf("Max %v before From", l.Max())
	}
	l.From(now.Add(-time.Second))
	l.Observe(now.Add(-2 * time.Second)) // before the window
	l.Observe(now.Add(-500 * time.Millisecond))
	l.Observe(now.Add(time.Hour)) // early: negative
	if m := l.Max(); m < 500*time.Millisecond || m > 10*time.Second {
		t.Errorf("Max %v, want about 500 ms", m)
	}
}
