package testkit

import (
	"bytes"
	"sync"
)

// SafeBuffer is a bytes.Buffer safe for concurrent use: a trace or log writer that
// one goroutine writes while the test reads.
type SafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Bytes returns a copy of what was written so far.
func (s *SafeBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// String returns what was written so far.
func (s *SafeBuffer) String() string { return string(s.Bytes()) }
