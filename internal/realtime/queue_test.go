package realtime

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// waitReady fails the test when the queue does not signal within a second.
func waitReady(t *testing.T, q *EventQueue) {
	t.Helper()
	select {
	case <-q.Ready():
	case <-time.After(time.Second):
		t.Fatal("no wake-up from the queue")
	}
}

// A burst pushed while the consumer is busy costs one wake-up and comes out whole,
// in order; an empty queue has no wake-up pending; Close wakes the consumer and
// ends the queue after what it holds.
func TestEventQueueBatchesWakeUps(t *testing.T) {
	q := NewEventQueue()
	for i := range 100 {
		if !q.Push(AudioDelta{ContentIndex: i}) {
			t.Fatal("push refused on an open queue")
		}
	}
	waitReady(t, q)
	select {
	case <-q.Ready():
		t.Fatal("a second wake-up for one burst")
	default:
	}
	batch, more := q.Drain(nil)
	if !more || len(batch) != 100 {
		t.Fatalf("drained %d events, more %v; want 100, true", len(batch), more)
	}
	for i, ev := range batch {
		if ev.(AudioDelta).ContentIndex != i {
			t.Fatalf("event %d out of order: %+v", i, ev)
		}
	}
	if batch, more = q.Drain(batch[:0]); len(batch) != 0 || !more {
		t.Fatalf("second drain: %d events, more %v", len(batch), more)
	}

	q.Push(Closed{Code: 1000})
	q.Close()
	if q.Push(AudioDelta{}) {
		t.Fatal("push accepted after Close")
	}
	waitReady(t, q)
	batch, more = q.Drain(batch[:0])
	if more || len(batch) != 1 {
		t.Fatalf("after Close: %d events, more %v; want the Closed and the end", len(batch), more)
	}
}

// Concurrent producers and one consumer on Ready/Drain: nothing is lost (no missed
// wake-up), each producer's order is kept.
func TestEventQueueConcurrentProducers(t *testing.T) {
	q := NewEventQueue()
	const producers, each = 4, 2000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				q.Push(AudioDelta{ItemID: strconv.Itoa(p), ContentIndex: i})
			}
		}()
	}
	go func() { wg.Wait(); q.Close() }()
	next := make([]int, producers)
	var batch []Event
	for more := true; more; {
		waitReady(t, q)
		batch, more = q.Drain(batch[:0])
		for _, ev := range batch {
			d := ev.(AudioDelta)
			p, _ := strconv.Atoi(d.ItemID)
			if d.ContentIndex != next[p] {
				t.Fatalf("producer %d: got %d, want %d", p, d.ContentIndex, next[p])
			}
			next[p]++
		}
	}
	for p, n := range next {
		if n != each {
			t.Errorf("producer %d: %d events delivered, want %d", p, n, each)
		}
	}
}

// Channel is the same stream through a pump, closed after the last event.
func TestEventQueueChannel(t *testing.T) {
	q := NewEventQueue()
	ch := q.Channel()
	if q.Channel() != ch {
		t.Fatal("Channel is not one channel")
	}
	for i := range 10 {
		q.Push(AudioDelta{ContentIndex: i})
	}
	q.Push(Closed{})
	q.Close()
	var got []Event
	timeout := time.After(time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				if len(got) != 11 {
					t.Fatalf("got %d events, want 11", len(got))
				}
				if _, last := got[10].(Closed); !last {
					t.Fatalf("last event %T, want Closed", got[10])
				}
				return
			}
			got = append(got, ev)
		case <-timeout:
			t.Fatalf("channel not closed; %d events", len(got))
		}
	}
}
