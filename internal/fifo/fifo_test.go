package fifo

import (
	"sync"
	"testing"
)

// Push never blocks, order is kept across many items (the compaction path), and a
// closed queue drains what it holds before Pop reports the end.
func TestQueueOrderAndClose(t *testing.T) {
	q := New[int]()
	const n = 5000
	for i := range n {
		if !q.Push(i) {
			t.Fatal("push refused on an open queue")
		}
	}
	for i := range n / 2 {
		if v, ok := q.Pop(); !ok || v != i {
			t.Fatalf("pop %d = %d, %v", i, v, ok)
		}
	}
	q.Close()
	if q.Push(-1) {
		t.Fatal("push accepted after Close")
	}
	for i := n / 2; i < n; i++ {
		if v, ok := q.Pop(); !ok || v != i {
			t.Fatalf("pop %d = %d, %v", i, v, ok)
		}
	}
	if _, ok := q.Pop(); ok {
		t.Fatal("pop after drain")
	}
}

// Pop blocks until a Push from another goroutine; Close wakes every waiter.
func TestQueueWakes(t *testing.T) {
	q := New[string]()
	var wg sync.WaitGroup
	got := make(chan string, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, ok := q.Pop()
				if !ok {
					return
				}
				got <- v
			}
		}()
	}
	q.Push("a")
	q.Push("b")
	if a, b := <-got, <-got; a+b != "ab" && a+b != "ba" {
		t.Fatalf("got %q %q", a, b)
	}
	q.Close()
	wg.Wait()
}
