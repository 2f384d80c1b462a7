package audio

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const helperEnv = "RTAGENT_AUDIO_TEST_HELPER"

func TestDevicesAndFindDevice(t *testing.T) {
	fakeDir(t)
	term, err := Init(nil)
	must(t, err)
	defer term()
	term2, err := Init(nil) // reference-counted
	must(t, err)
	must(t, term2())
	must(t, term2()) // idempotent
	devs, err := Devices()
	must(t, err)
	names := map[string]Device{}
	for _, d := range devs {
		names[d.Name] = d
	}
	for _, n := range []string{"fake_play", "fake_cap", "default"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("device %q missing from %v", n, devs)
		}
	}
	if !names["default"].IsDefaultInput || !names["default"].IsDefaultOutput || names["default"].HostAPI != "ALSA" {
		t.Errorf("default device: %+v", names["default"])
	}
	d, err := FindDevice("", false)
	must(t, err)
	if d.Name != "default" {
		t.Errorf("default output = %q", d.Name)
	}
	d, err = FindDevice("FAKE_P", false)
	must(t, err)
	if d.Name != "fake_play" {
		t.Errorf("substring match = %q", d.Name)
	}
	d, err = FindDevice(itoa(names["fake_cap"].Index), true)
	must(t, err)
	if d.Name != "fake_cap" {
		t.Errorf("index match = %q", d.Name)
	}
	_, err = FindDevice("fake", true)
	if err == nil || !strings.Contains(err.Error(), "several") || !strings.Contains(err.Error(), `"fake_cap"`) {
		t.Errorf("ambiguous: %v", err)
	}
	_, err = FindDevice("nosuch", true)
	if !errors.Is(err, ErrDevice) || !strings.Contains(err.Error(), `"default"`) {
		t.Errorf("no match: %v", err)
	}
	_, err = FindDevice("999", false)
	if !errors.Is(err, ErrDevice) {
		t.Errorf("bad index: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestNoDevice runs in a subprocess: PortAudio cannot be re-initialised with another
// ALSA configuration in this process.
func TestNoDevice(t *testing.T) {
	if m, _ := filepath.Glob("/dev/snd/controlC*"); len(m) > 0 {
		t.Skip("this machine has a sound card")
	}
	// A truly empty ALSA configuration makes PortAudio 19.6 abort (assertion
	// "devIdx < numDeviceNames" in BuildDeviceList); a configuration whose default is a
	// card that does not exist is the "no sound card" case.
	empty := filepath.Join(t.TempDir(), "nocard.conf")
	must(t, os.WriteFile(empty, []byte("pcm.!default { type hw card 31 }\nctl.!default { type hw card 31 }\n"), 0o644))
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDeviceHelper$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=nodevice", "ALSA_CONFIG_PATH="+empty)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s\n%s", err, out, stderr.String())
	}
	if !strings.Contains(string(out), "PASS: TestNoDeviceHelper") {
		t.Fatalf("helper did not pass:\n%s", out)
	}
	// libasound/libjack noise must not reach the terminal.
	if s := stderr.String(); strings.Contains(s, "jack") || strings.Contains(s, "ALSA lib") {
		t.Errorf("native noise leaked to stderr:\n%s", s)
	}
	t.Logf("helper output:\n%s", out)
}

func TestNoDeviceHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "nodevice" {
		t.Skip("subprocess helper")
	}
	_, err := OpenPlayer(PlayerConfig{})
	if !errors.Is(err, ErrNoDevice) {
		t.Fatalf("OpenPlayer: %v, want ErrNoDevice", err)
	}
	t.Logf("player: %v", err)
	_, err = OpenCapture(CaptureConfig{})
	if !errors.Is(err, ErrNoDevice) {
		t.Fatalf("OpenCapture: %v, want ErrNoDevice", err)
	}
	t.Logf("capture: %v", err)
}
