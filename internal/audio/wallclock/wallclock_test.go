package wallclock

import (
	"testing"
	"testing/synctest"
	"time"
)

// The queue behind the WAV sink: played position by elapsed time, item switches,
// interrupts, and idle time not counted.
func TestQueue_R7_3(t *testing.T) {
	now := time.Unix(0, 0)
	c := New(Config{Now: func() time.Time { return now }})
	c.Enqueue("r", "a", 0, make([]byte, 48*100)) // 100 ms
	c.Enqueue("r", "b", 0, make([]byte, 48*200))
	now = now.Add(40 * time.Millisecond)
	if s := c.State(); s.ItemID != "a" || s.PlayedBytes != 40*48 || !s.Active {
		t.Errorf("%+v", s)
	}
	now = now.Add(100 * time.Millisecond)
	if s := c.State(); s.ItemID != "b" || s.PlayedBytes != 40*48 {
		t.Errorf("switch: %+v", s)
	}
	now = now.Add(10 * time.Millisecond)
	s, _ := c.Interrupt(0)
	if s.ItemID != "b" || s.PlayedBytes != 50*48 || !s.Active {
		t.Errorf("interrupt %+v", s)
	}
	if s := c.State(); s.Active || s.ItemID != "" {
		t.Errorf("after %+v", s)
	}
	// Idle time does not count: the clock starts with the next audio.
	now = now.Add(time.Second)
	c.Enqueue("r2", "c", 0, make([]byte, 480))
	now = now.Add(time.Second)
	if s := c.State(); s.PlayedBytes != 480 || s.Active {
		t.Errorf("idle %+v", s)
	}
}

// KeepPCM: Played gets the bytes in order as they play, and Interrupt returns the
// audio that would have played next.
func TestQueuePlayedAndNext(t *testing.T) {
	now := time.Unix(0, 0)
	var played []byte
	c := New(Config{Now: func() time.Time { return now }, KeepPCM: true, Played: func(_ time.Time, pcm []byte) { played = append(played, pcm...) }})
	pcm := make([]byte, 960) // 20 ms
	for i := range pcm {
		pcm[i] = byte(i)
	}
	c.Enqueue("r", "a", 0, pcm)
	now = now.Add(10 * time.Millisecond)
	c.Advance(now)
	if len(played) != 480 || played[479] != byte(479%256) {
		t.Fatalf("played %d bytes", len(played))
	}
	_, next := c.Interrupt(100)
	if len(next) != 100 || next[0] != byte(480%256) {
		t.Fatalf("next %d bytes starting %d", len(next), next[0])
	}
}

// The Sink as a device stand-in (R7.3 fallback): what "played" by elapsed time,
// and a part that just ran dry still counts as playing for the grace.
func TestSink_R7_3(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewSink(48)
		c.Enqueue("r1", "m1", 0, make([]byte, 4800)) // 100 ms
		c.Enqueue("r1", "m1", 0, make([]byte, 4800)) // 100 ms
		c.Enqueue("r2", "m2", 0, make([]byte, 4800)) // 100 ms
		time.Sleep(150 * time.Millisecond)
		st := c.State()
		if st.ItemID != "m1" || st.PlayedBytes != 7200 || !st.Active {
			t.Errorf("at 150 ms: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
		if st := c.State(); st.ItemID != "m2" || st.PlayedBytes != 2400 {
			t.Errorf("at 250 ms: %+v", st)
		}
		snap := c.Interrupt()
		if snap.ItemID != "m2" || c.State().Active {
			t.Errorf("interrupt: snapshot %+v, then %+v", snap, c.State())
		}
		c.Enqueue("r3", "m3", 0, make([]byte, 480))
		time.Sleep(20 * time.Millisecond)
		// Just ran dry: still counts as playing, like a jitter buffer would.
		if st := c.State(); !st.Active || st.ItemID != "m3" || st.PlayedBytes != 480 {
			t.Errorf("just after all played: %+v", st)
		}
		time.Sleep(DefaultGrace)
		if st := c.State(); st.Active {
			t.Errorf("after all played: %+v", st)
		}
	})
}

// Audio delivered at real-time pace leaves the queue empty between chunks; the
// played count of the part must go on, not restart at each chunk.
func TestSinkRealTimeDelivery_R7_3(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewSink(48)
		for range 5 {
			c.Enqueue("r1", "m1", 0, make([]byte, 4800)) // 100 ms, delivered as it plays
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(30 * time.Millisecond) // a late chunk: the queue is empty now
		st := c.State()
		if !st.Active || st.ItemID != "m1" || st.PlayedBytes != 5*4800 {
			t.Fatalf("between chunks: %+v, want m1 active with 24000 bytes played", st)
		}
		c.Enqueue("r1", "m1", 0, make([]byte, 4800))
		time.Sleep(50 * time.Millisecond)
		if st := c.Interrupt(); st.PlayedBytes != 5*4800+2400 {
			t.Fatalf("interrupt snapshot %+v, want 26400 bytes played", st)
		}
	})
}

// G.711 (8 bytes a millisecond, one byte a sample).
func TestSinkG711(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewSink(8)
		c.Enqueue("r", "m", 0, make([]byte, 800)) // 100 ms
		time.Sleep(25 * time.Millisecond)
		if st := c.State(); st.PlayedBytes != 200 || !st.Active {
			t.Fatalf("at 25 ms: %+v", st)
		}
	})
}

// End is when the queue runs dry by the clock, and moves with what is played.
func TestQueueEnd(t *testing.T) {
	now := time.Unix(100, 0)
	q := New(Config{Now: func() time.Time { return now }})
	if _, busy := q.End(); busy {
		t.Fatal("an empty queue has an end")
	}
	q.Enqueue("r", "i", 0, make([]byte, 4800)) // 100 ms of PCM16 at 24 kHz
	if end, busy := q.End(); !busy || !end.Equal(now.Add(100*time.Millisecond)) {
		t.Fatalf("End = %v, %v; want %v", end, busy, now.Add(100*time.Millisecond))
	}
	now = now.Add(30 * time.Millisecond)
	q.Advance(now)
	if end, _ := q.End(); !end.Equal(time.Unix(100, 0).Add(100 * time.Millisecond)) {
		t.Fatalf("End after 30 ms = %v", end)
	}
}

// At real-time delivery the queue runs dry after nearly every chunk; once warm it
// allocates nothing per chunk, KeepPCM included (issue 13: the WAV clock cost more
// than --fast).
func TestQueueNoAllocPerChunk(t *testing.T) {
	now := time.Unix(0, 0)
	played := 0
	q := New(Config{Now: func() time.Time { return now }, KeepPCM: true, Played: func(_ time.Time, pcm []byte) { played += len(pcm) }})
	pcm := make([]byte, 40*48) // 40 ms
	step := func() {
		q.Enqueue("resp", "item", 0, pcm)
		now = now.Add(25 * time.Millisecond)
		q.Advance(now)
		now = now.Add(25 * time.Millisecond) // dry for 10 ms
		q.Advance(now)
	}
	step()
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("%v allocations per chunk, want 0", a)
	}
	if played != 102*len(pcm) {
		t.Errorf("played %d bytes, want %d", played, 102*len(pcm))
	}
}

// The bytes play in order however enqueues and advances interleave (the reused
// buffers are compacted as the queue plays), and Interrupt's next audio is what
// would have played next.
func TestQueueKeepPCMOrder(t *testing.T) {
	now := time.Unix(0, 0)
	var played []byte
	q := New(Config{Now: func() time.Time { return now }, KeepPCM: true, Played: func(_ time.Time, pcm []byte) { played = append(played, pcm...) }})
	var sent []byte
	b := byte(0)
	for i := range 200 {
		n := 2 * (1 + i%7*37) // various sizes, whole samples
		pcm := make([]byte, n)
		for j := range pcm {
			pcm[j], b = b, b+1
		}
		sent = append(sent, pcm...)
		q.Enqueue("r", "a", i%3, pcm)
		now = now.Add(time.Duration(i%5) * time.Millisecond)
		q.Advance(now)
	}
	if len(played) == 0 || len(played) == len(sent) || string(played) != string(sent[:len(played)]) {
		t.Fatalf("played %d of %d bytes, not in order", len(played), len(sent))
	}
	_, next := q.Interrupt(300)
	want := sent[len(played):]
	want = want[:min(len(want), 300)]
	if string(next) != string(want) {
		t.Errorf("next %d bytes, want the %d that would have played next", len(next), len(want))
	}
}
