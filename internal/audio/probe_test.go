package audio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbeListsTheFakeDevice(t *testing.T) {
	fakeDir(t)
	devs, err := Probe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Fatal("the probe found no device on the ALSA file device")
	}
}

// A broken ALSA configuration makes PortAudio abort inside the library. The probe
// survives it, says what the library printed, and leaves no temporary file behind.
func TestProbeSurvivesANativeCrash(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	empty := filepath.Join(tmp, "empty.conf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", empty)
	_, err := Probe(t.Context())
	if !errors.Is(err, ErrProbe) {
		t.Fatalf("Probe with a broken ALSA configuration = %v, want ErrProbe", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "the audio library said") || !strings.Contains(msg, "Assertion") || strings.Contains(msg, "goroutine") {
		t.Fatalf("the error does not say what happened: %s", msg)
	}
	t.Logf("probe error: %s", msg)
	left, _ := filepath.Glob(filepath.Join(tmp, "rtagent-audio-stderr-*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}
