package app

import (
	"fmt"
	"os"
	"sync"
)

// traceFile is the --trace file. The model writes it from its own goroutine and
// only logs a failed write (tracing then stops); traceFile remembers the first
// failure so that Close reports it and the command exits non-zero instead of
// leaving a short trace behind silently (issue 11 item 7: --trace /dev/full).
type traceFile struct {
	path string
	f    *os.File

	mu  sync.Mutex
	err error // first write error
}

func createTraceFile(path string) (*traceFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, usageErrorf("--trace: %v", err)
	}
	return &traceFile{path: path, f: f}, nil
}

func (t *traceFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	if err != nil {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
	return n, err
}

// Close closes the file and reports the first write error, or the close error.
func (t *traceFile) Close() error {
	cerr := t.f.Close()
	t.mu.Lock()
	werr := t.err
	t.mu.Unlock()
	switch {
	case werr != nil:
		return fmt.Errorf("--trace %s: the trace is incomplete: %w", t.path, werr)
	case cerr != nil:
		return fmt.Errorf("--trace %s: %w", t.path, cerr)
	}
	return nil
}
