package testkit

import (
	"errors"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	c := make(chan any)
	seen := 0
	r := Record(c, func(any) { seen++ }, func(v any) bool { _, ok := v.(int); return ok })
	go func() {
		c <- 1
		c <- "skip"
		c <- 2
		close(c)
	}()
	evs, err := r.WaitFor(5*time.Second, func(evs []any) bool { return len(evs) == 2 })
	if err != nil || len(evs) != 2 || evs[0] != 1 || evs[1] != 2 {
		t.Fatalf("WaitFor = %v, %v; want [1 2]", evs, err)
	}
	<-r.Done()
	if seen != 3 {
		t.Errorf("each saw %d values, want 3", seen)
	}
	if _, err := r.WaitFor(5*time.Second, func(evs []any) bool { return len(evs) == 3 }); !errors.Is(err, ErrStreamClosed) {
		t.Errorf("WaitFor after the close = %v, want ErrStreamClosed", err)
	}
	silent := make(chan int)
	open := Record(silent, nil, nil)
	if _, err := open.WaitFor(time.Millisecond, func([]int) bool { return false }); !errors.Is(err, ErrTimedOut) {
		t.Errorf("WaitFor on a silent stream = %v, want ErrTimedOut", err)
	}
	close(silent)
	<-open.Done()
}

func TestNthOfType(t *testing.T) {
	xs := []any{1, "a", 2, "b", 3}
	if v, ok := NthOfType[int](xs, 2, nil); !ok || v != 2 {
		t.Errorf("2nd int = %v, %v; want 2", v, ok)
	}
	if v, ok := NthOfType(xs, 1, func(s string) bool { return s == "b" }); !ok || v != "b" {
		t.Errorf("1st string b = %q, %v", v, ok)
	}
	if _, ok := NthOfType[int](xs, 4, nil); ok {
		t.Errorf("a 4th int was found")
	}
}
