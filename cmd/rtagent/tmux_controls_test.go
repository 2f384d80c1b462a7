package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// agentsV writes an agents file with one agent, desk, whose instructions name
// the version and whose tools are the builtins given.
func agentsV(t *testing.T, path, version string, builtins ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "default_agent: desk\nmodel:\n  name: gpt-realtime-2.1\n  voice: marin\nagents:\n  - name: desk\n    instructions: You are version %s.\n    tools:\n", version)
	for _, name := range builtins {
		fmt.Fprintf(&b, "      - name: %s\n        builtin: %s\n", name, name)
	}
	// Write then rename, as editors do: the reload never sees half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Issue 12 items 13, 15 and 16 through the real binary: ctrl+r reloads an
// edited agents file (an invalid one is refused with the session untouched; a
// valid one gives the next answer the new tool), f12 shows the configuration
// sent (after templating, with the tools and turn detection), f9 switches to
// push-to-talk (turn_detection null in what was sent), and chat --watch
// reloads on save without a key.
func TestTmuxReloadAndConfig(t *testing.T) {
	r := newTmuxRig(t)
	tmp, bin, stderrPath := r.tmp, r.bin, r.stderr
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	agents := filepath.Join(work, "agents.yaml")
	agentsV(t, agents, "one", "clock")

	shellCmd := fmt.Sprintf("%s chat --sim --text --agents %s 2>%s",
		shq(bin), shq(agents), shq(stderrPath))
	s := r.start(work, shellCmd)
	s.waitText("type a message", "desk │", "● connected", "f8 voice")

	// Before: desk has no calculator, so the simulator just echoes.
	s.typeLine("calculator expression=6*7")
	s.waitText("You said: calculator expression=6*7")

	// The configuration sent: instructions, tools, turn detection.
	s.key("F12")
	s.waitText("session configuration sent", `"agent": "desk"`, `"instructions": "You are version one."`,
		`"turn_detection": {`, `"output_modalities": [`)
	s.key("NPage") // the tools follow the audio settings
	s.waitText(`"tools": [`, `"name": "clock"`)
	closeConfig(s)

	// An invalid edit: refused, shown, the session untouched.
	if err := os.WriteFile(agents, []byte("agents:\n  - name: desk\n    tools:\n      - name: x\n        builtin: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.key("C-r")
	s.waitText("agents file not reloaded", "the session is unchanged")
	s.key("F12")
	s.waitText("session configuration sent", `"instructions": "You are version one."`)
	closeConfig(s)

	// A valid edit: the next answer uses the new tool.
	agentsV(t, agents, "two", "clock", "calculator")
	s.key("C-r")
	s.waitText("agents file reloaded: 1 agent;")
	s.typeLine("calculator expression=6*7")
	s.waitText("ƒ calculator  ✓", "calculator returned:")
	s.key("F12")
	s.waitText(`"instructions": "You are version two."`)
	s.key("End")
	s.waitText(`"name": "calculator"`)
	closeConfig(s)

	// f9: push-to-talk; what is sent next has turn_detection null.
	s.key("F9")
	s.waitText("push-to-talk:", "f8 voice")
	s.key("F12")
	s.waitText(`"turn_detection": null`)
	closeConfig(s)

	s.quit()

	// chat --watch: saving the file reloads it, no key pressed.
	agentsV(t, agents, "three", "clock")
	s2cmd := fmt.Sprintf("%s chat --sim --text --watch --agents %s 2>%s",
		shq(bin), shq(agents), shq(stderrPath))
	s2 := r.start(work, s2cmd)
	s2.waitText("type a message", "desk │", "● connected")
	agentsV(t, agents, "four", "clock", "calculator")
	s2.waitText("agents file reloaded (agents file changed): 1 agent;")
	s2.typeLine("calculator expression=2+3")
	s2.waitText("ƒ calculator  ✓", "calculator returned:")
	s2.key("F12")
	s2.waitText(`"instructions": "You are version four."`)
}

// closeConfig closes the configuration view and waits until it is gone (an
// escape followed at once by another key would read as alt+key).
func closeConfig(s *tmuxSession) {
	s.t.Helper()
	s.key("Escape")
	s.waitFor("the configuration view closed", func(scr string) bool { return !strings.Contains(scr, "session configuration sent") })
}

// Issue 12 items 13 and 14 with real PortAudio on the ALSA file device
// (testdata/audio): the status line names the devices in use; f10 lists them
// and enter reopens the audio with the chosen microphone; f8 switches to text
// (answers written, microphone off) and back to voice without a restart.
func TestTmuxDevicesAndVoice(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin, stderrPath := r.root, r.tmp, r.bin, r.stderr
	work := userCheckout(t, root, tmp)
	// The capture device exists only with an input file (silence, 20 s).
	if err := os.WriteFile(filepath.Join(tmp, "in.raw"), make([]byte, 20*48000), 0o644); err != nil {
		t.Fatal(err)
	}
	shellCmd := fmt.Sprintf("env ALSA_CONFIG_PATH=%s FAKEAUDIO_DIR=%s %s chat --sim --push-to-talk --no-aec 2>%s",
		shq(filepath.Join(root, "testdata", "audio", "fakeaudio.conf")), shq(tmp), shq(bin), shq(stderrPath))
	s := r.start(work, shellCmd)
	s.waitText("● connected", "mic: push-to-talk │ default → default", "f8 text f9 vad")

	s.key("F10")
	s.waitText("audio devices", "microphone fake_cap", "▸ microphone default (in use)", "speaker    default (in use)")
	s.key("Up")
	s.waitText("▸ microphone fake_cap")
	s.key("Enter")
	s.waitText("audio: microphone fake_cap · speaker default", "│ fake_cap → default")

	s.key("F8")
	s.waitText("text mode: answers are written", "mic: off (text)", "f8 voice f1 help")
	s.typeLine("hello in text")
	s.waitText("You said: hello in text")
	s.key("F8")
	s.waitText("voice on: answers are spoken", "mic: push-to-talk │ fake_cap → default")
	s.key("F12")
	s.waitText(`"output_modalities": [`, `"audio"`, `"turn_detection": null`)
	closeConfig(s)

	s.quit()
}
