// Package testkit holds test helpers shared by rtagent's packages: checking wire
// frames against the Realtime API conformance kit in testdata/realtime.
//
// It is imported by tests only and must never be imported by production code.
package testkit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testkit: cannot locate the repository root")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// UseFakeAudio points PortAudio at the ALSA file device of testdata/audio
// (fakeaudio.conf; see testdata/audio/README.md), writing under os.TempDir().
// For a TestMain, before any stream opens; it exits 2 when the repository
// root cannot be located.
func UseFakeAudio() {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		fmt.Fprintln(os.Stderr, "testkit: cannot locate the repository root")
		os.Exit(2)
	}
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	os.Setenv("ALSA_CONFIG_PATH", filepath.Join(root, "testdata", "audio", "fakeaudio.conf"))
	os.Setenv("FAKEAUDIO_DIR", os.TempDir())
}

// KitPath returns a path inside testdata/realtime.
func KitPath(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Root(t), "testdata", "realtime"}, elem...)...)
}

// ValidateClientFrames checks client events (one JSON object each) with the kit's
// validate_client.py in strict mode: no keys the GA spec does not define. It fails the
// test with the validator's report on any failure, and when no frame was given.
func ValidateClientFrames(t testing.TB, frames [][]byte) {
	t.Helper()
	runValidator(t, "validate_client.py", []string{"--strict"}, frames)
}

// ValidateServerFrames checks a server event stream with validate_server.py
// --sequence-strict (schema plus the protocol's ordering rules).
func ValidateServerFrames(t testing.TB, frames [][]byte) {
	t.Helper()
	runValidator(t, "validate_server.py", []string{"--sequence-strict"}, frames)
}

func runValidator(t testing.TB, script string, flags []string, frames [][]byte) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatalf("testkit: %s: no frames to validate", script)
	}
	var buf bytes.Buffer
	for _, f := range frames {
		if bytes.ContainsAny(f, "\n") {
			f = bytes.ReplaceAll(f, []byte("\n"), []byte(" "))
		}
		buf.Write(f)
		buf.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "frames.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{KitPath(t, script)}, flags...)
	args = append(args, path)
	out, err := exec.Command("python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testkit: %s %s: %v\n%s", script, strings.Join(flags, " "), err, tail(string(out), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
