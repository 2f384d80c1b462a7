package testkit

import (
	"bufio"
	"bytes"
	"os"
	"testing"
)

func readLines(t *testing.T, path string, skipComments bool) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || (skipComments && line[0] == '#') {
			continue
		}
		out = append(out, append([]byte(nil), line...))
	}
	return out
}

func TestValidClientExamplesPass(t *testing.T) {
	ValidateClientFrames(t, readLines(t, KitPath(t, "examples", "client_events.valid.jsonl"), true))
}

// TestInvalidClientExampleFails proves the validator can fail: every invalid example
// must be rejected on its own.
func TestInvalidClientExampleFails(t *testing.T) {
	frames := readLines(t, KitPath(t, "examples", "client_events.invalid.jsonl"), true)
	if len(frames) < 10 {
		t.Fatalf("expected the invalid corpus, got %d frames", len(frames))
	}
	for _, f := range frames {
		ft := &failRecorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			ValidateClientFrames(ft, [][]byte{f})
		}()
		if !ft.failed {
			t.Errorf("invalid frame passed validation: %s", f)
		}
	}
}

type failRecorder struct {
	testing.TB
	failed bool
}

func (f *failRecorder) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *failRecorder) Fatal(...any)          { f.failed = true; panic("fatal") }
func (f *failRecorder) Helper()               {}
