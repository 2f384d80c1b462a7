package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/session"
)

// stampSink is an AudioSink that records when each delta was handed to it. It plays
// everything at once (like the WAV sink's --fast mode), so nothing is ever playing.
type stampSink struct {
	mu    sync.Mutex
	at    []time.Time
	full  chan struct{}
	want  int
	bytes int
}

func (s *stampSink) Enqueue(_, _ string, _ int, pcm []byte) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at = append(s.at, now)
	s.bytes += len(pcm)
	if len(s.at) == s.want {
		close(s.full)
	}
}

func (s *stampSink) Interrupt() realtime.PlaybackState { return realtime.PlaybackState{} }
func (s *stampSink) State() realtime.PlaybackState     { return realtime.PlaybackState{} }

// measureLatency runs the binary's path in process — openai.Model (socket reader,
// decoder) → session.Session → AudioSink — against the paced fake server, and pairs
// the n-th delta the server wrote with the n-th Enqueue. The binary itself cannot be
// timed this finely from outside (its trace has millisecond stamps, taken before
// decoding). Returns p50, p99 and the number of deltas.
func measureLatency(ctx context.Context, seconds int) (p50, p99 time.Duration, n int, err error) {
	n = seconds * int(time.Second/deltaDur)
	srv, err := startFakeServer(n, true)
	if err != nil {
		return 0, 0, 0, err
	}
	defer srv.close()
	sink := &stampSink{full: make(chan struct{}), want: n}
	s, err := session.New(session.Config{
		Model: openai.New(openai.Config{URL: srv.url(), APIKey: "bench-dummy-key"}),
		Base: realtime.Settings{Model: "gpt-realtime", OutputModalities: []string{"audio"},
			OutputFormat: realtime.AudioFormat{Type: "audio/pcm", Rate: 24000}},
		Agents:   []*session.Agent{{Name: "Bench", Instructions: "Answer."}},
		Audio:    sink,
		Approval: session.ApprovalAlways,
	})
	if err != nil {
		return 0, 0, 0, err
	}
	ready := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		once := sync.Once{}
		for ev := range s.Events() {
			if _, ok := ev.(session.SessionReady); ok {
				once.Do(func() { close(ready) })
			}
		}
	}()
	defer func() {
		_ = s.Close()
		<-ended
	}()
	if err := s.Start(ctx); err != nil {
		return 0, 0, 0, err
	}
	deadline := time.NewTimer(time.Duration(seconds)*time.Second + 30*time.Second)
	defer deadline.Stop()
	select {
	case <-ready:
	case <-deadline.C:
		return 0, 0, 0, errors.New("session not ready")
	}
	if err := s.SendText("hi"); err != nil {
		return 0, 0, 0, err
	}
	select {
	case <-sink.full:
	case <-deadline.C:
		return 0, 0, 0, fmt.Errorf("the sink got %d of %d deltas", len(sink.at), n)
	}
	select { // the server stores its send times after its last write
	case <-srv.responded:
	case <-deadline.C:
		return 0, 0, 0, errNoSends
	}
	sent := srv.sent()
	if len(sent) != n {
		return 0, 0, 0, errNoSends
	}
	sink.mu.Lock()
	ds := make([]time.Duration, n)
	for i := range n {
		ds[i] = sink.at[i].Sub(sent[i])
	}
	sink.mu.Unlock()
	slices.Sort(ds)
	return ds[n/2], ds[(n*99+99)/100-1], n, nil
}
