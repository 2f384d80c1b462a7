// Tests run the real PortAudio library on the ALSA file device (testdata/audio/
// fakeaudio.conf; see testdata/audio/README.md). Race runs need checkptr off inside
// the binding:
//
//	go test -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 ./internal/audio/...
package audio

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/testkit"
)

func TestMain(m *testing.M) {
	RunProbeIfChild() // Probe runs this test binary as its child
	if os.Getenv(helperEnv) == "" {
		testkit.UseFakeAudio()
	}
	goleak.VerifyTestMain(m)
}

// fakeDir points the fake device at a fresh directory (before any stream opens) and
// returns it. Tests that use it must not run in parallel.
func fakeDir(t testing.TB) string {
	d := t.TempDir()
	t.Setenv("FAKEAUDIO_DIR", d)
	// The capture pcm is probed (opened) when PortAudio initialises: without an
	// in.raw the fake device has no input channels.
	writeIn(t, d, make([]int16, SampleRate))
	return d
}

// newestOut returns the samples of the newest out.raw[.NNNN] in dir.
func newestOut(t testing.TB, dir string) []int16 {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "out.raw*"))
	if len(m) == 0 {
		t.Fatalf("no out.raw in %s", dir)
	}
	sort.Strings(m) // out.raw < out.raw.0001 < out.raw.0002
	b, err := os.ReadFile(m[len(m)-1])
	if err != nil {
		t.Fatal(err)
	}
	return BytesToSamples(nil, b)
}

func writeIn(t testing.TB, dir string, s []int16) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "in.raw"), SamplesToBytes(nil, s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sine(n int, freq, rate, amp, phase float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = clamp16(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/rate+phase))
	}
	return s
}

func firstNonZero(s []int16) int { return testkit.FirstNonZero(s) }

func lastNonZero(s []int16) int { return testkit.LastNonZero(s) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
