package tui

import (
	"errors"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// fakeControls is a scripted Controls: it keeps the state it is told and fails
// where the test says.
type fakeControls struct {
	mu        sync.Mutex
	st        ControlState
	voiceErr  error
	deviceErr error
	reloadErr error
	reload    ReloadResult
	calls     []string
}

func (f *fakeControls) rec(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func (f *fakeControls) State() ControlState { f.mu.Lock(); defer f.mu.Unlock(); return f.st }

func (f *fakeControls) SetVoice(on bool) (ControlState, error) {
	f.rec("voice " + boolStr(on))
	f.mu.Lock()
	defer f.mu.Unlock()
	if on && f.voiceErr != nil {
		return f.st, f.voiceErr
	}
	f.st.Voice = on
	if on && f.st.Input == "" {
		f.st.Input, f.st.Output = "Built-in Microphone", "Built-in Speakers"
	}
	return f.st, nil
}

func (f *fakeControls) SetPushToTalk(on bool) (ControlState, error) {
	f.rec("ptt " + boolStr(on))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.PushToTalk = on
	return f.st, nil
}

func (f *fakeControls) AudioDevices() ([]string, []string, error) {
	return []string{"Built-in Microphone", "USB Headset"}, []string{"Built-in Speakers", "USB Headset"}, nil
}

func (f *fakeControls) UseDevices(in, out string) (ControlState, error) {
	f.rec("use " + in + "|" + out)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deviceErr != nil {
		return f.st, f.deviceErr
	}
	if in != "" {
		f.st.Input = in
	}
	if out != "" {
		f.st.Output = out
	}
	return f.st, nil
}

func (f *fakeControls) Reload() (ReloadResult, error) {
	f.rec("reload")
	return f.reload, f.reloadErr
}

func (f *fakeControls) SessionConfig() (string, error) {
	return `{
  "type": "realtime",
  "model": "gpt-realtime",
  "output_modalities": ["audio"],
  "instructions": "You are the concierge. Answer in one sentence.",
  "audio": {"input": {"turn_detection": {"type": "semantic_vad"}}, "output": {"voice": "marin"}},
  "tools": [{"type": "function", "name": "lookup_order"}]
}`, nil
}

// do runs cmd and feeds its message back, whatever it is (tea.Batch aside).
func (h *harness) do(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	if msg := cmd(); msg != nil {
		h.send(msg)
	}
}

func withControls(fc *fakeControls) func(*Options) {
	return func(o *Options) { o.Controls = fc; o.Text = !fc.st.Voice }
}

// freshControls gives each run of a scenario (one per size) its own fake.
func freshControls(mk func() *fakeControls) func(*Options) {
	return func(o *Options) { withControls(mk())(o) }
}

var (
	keyF8    = tea.KeyPressMsg{Code: tea.KeyF8}
	keyF9    = tea.KeyPressMsg{Code: tea.KeyF9}
	keyF10   = tea.KeyPressMsg{Code: tea.KeyF10}
	keyF12   = tea.KeyPressMsg{Code: tea.KeyF12}
	keyCtrlR = tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
)

func voiceControls() *fakeControls {
	return &fakeControls{st: ControlState{Voice: true, Input: "Built-in Microphone", Output: "Built-in Speakers"}}
}

func controlScenarios() []scenario {
	return []scenario{
		{
			name: "controls_voice",
			opts: freshControls(voiceControls),
			setup: func(h *harness) {
				h.do(h.m.controlStateCmd())
			},
			want: []string{"mic: listening (vad)", "f8 text f9 ptt f1 help"},
		},
		{
			name: "controls_ptt",
			opts: freshControls(voiceControls),
			setup: func(h *harness) {
				h.do(h.m.controlStateCmd())
				h.do(h.key(keyF9))
			},
			want: []string{"mic: push-to-talk", "f8 text f9 vad f1 help", "push-to-talk: ctrl+space (or f3) to talk",
				"> ctrl+space (or f3) to talk, again to send"},
		},
		{
			name: "controls_text_no_audio",
			opts: freshControls(func() *fakeControls {
				return &fakeControls{voiceErr: errors.New("no audio device: no default input device")}
			}),
			setup: func(h *harness) {
				h.do(h.m.controlStateCmd())
				h.do(h.key(keyF8))
			},
			want: []string{"mic: off (text)", "f8 voice f1 help", "voice: no audio device: no default input device"},
		},
		{
			name: "devices",
			opts: freshControls(voiceControls),
			setup: func(h *harness) {
				h.do(h.m.controlStateCmd())
				h.do(h.key(keyF10))
				h.key(keyDown)
			},
			want: []string{"audio devices", "↑/↓ enter uses it · esc cancels", "microphone Built-in Microphone (in use)",
				"▸ microphone USB Headset", "speaker    Built-in Speakers (in use)", "speaker    USB Headset"},
		},
		{
			name: "reload_error",
			opts: freshControls(func() *fakeControls {
				return &fakeControls{reloadErr: errors.New("agents.yaml:4:7: agents[0].tools[0]: unknown tool \"nope\"")}
			}),
			setup: func(h *harness) {
				h.do(h.key(keyCtrlR))
			},
			want: []string{"agents file not reloaded, the session is unchanged:", `agents.yaml:4:7:`, `"nope"`},
		},
		{
			name: "reload_ok",
			opts: freshControls(func() *fakeControls {
				return &fakeControls{reload: ReloadResult{Agents: []string{"concierge", "billing", "returns"}, Pending: true}}
			}),
			setup: func(h *harness) {
				h.do(h.send(ReloadRequestMsg{Reason: "agents.yaml changed"}))
			},
			want: []string{"agents file reloaded (agents.yaml changed): 3 agents;", "guardrails apply"},
		},
		{
			name: "config",
			opts: freshControls(voiceControls),
			setup: func(h *harness) {
				h.do(h.key(keyF12))
			},
			want: []string{"session configuration sent (R2.3) · f12 refreshes", "1 of 1", `"instructions": "You are the concierge.`,
				`"turn_detection": {`, `"name": "lookup_order"`},
		},
	}
}

// Item 13: the keys switch the mode through Controls, and the UI follows the
// controller's state, also when it refuses.
func TestControlsSwitchModes(t *testing.T) {
	fc := voiceControls()
	h := newHarness(t, 100, 30, withControls(fc))
	h.do(h.m.controlStateCmd())
	h.do(h.key(keyF9)) // push-to-talk
	if !h.m.status.pushToTalk {
		t.Fatal("f9 did not switch to push-to-talk")
	}
	h.do(h.key(keyCtrlSpace))
	if got := h.be.Calls(); len(got) != 1 || got[0] != "ptt start" {
		t.Errorf("push-to-talk key after f9: backend calls %v", got)
	}
	h.do(h.key(keyF8)) // text
	if !h.m.status.textMode || h.m.pttTalking {
		t.Errorf("f8: textMode %v, talking %v", h.m.status.textMode, h.m.pttTalking)
	}
	fc.voiceErr = errors.New("no audio device")
	h.do(h.key(keyF8)) // voice, refused
	if !h.m.status.textMode {
		t.Error("voice refused, but the UI left text mode")
	}
	fc.voiceErr = nil
	h.do(h.key(keyF8))
	if h.m.status.textMode {
		t.Error("voice not back on")
	}
	want := []string{"ptt true", "voice false", "voice true", "voice true"}
	if got := fc.calls; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("controls calls = %v, want %v", got, want)
	}
}

// Item 14: enter in the device list reopens the audio with the chosen device,
// keeping the other; a failure is shown and the state stays the controller's.
func TestControlsChooseDevice(t *testing.T) {
	fc := voiceControls()
	h := newHarness(t, 140, 30, withControls(fc))
	h.do(h.m.controlStateCmd())
	mustContain(t, h.view(), "Built-in Microphone → Built-in Speakers")
	h.do(h.key(keyF10))
	h.key(keyDown)
	h.do(h.key(keyEnter))
	if h.m.devices.open || h.m.status.inputDevice != "USB Headset" || h.m.status.outputDevice != "Built-in Speakers" {
		t.Errorf("after enter: open %v, devices %q → %q", h.m.devices.open, h.m.status.inputDevice, h.m.status.outputDevice)
	}
	fc.deviceErr = errors.New("opening USB Headset: device unavailable; back on Built-in Speakers")
	h.do(h.key(keyF10))
	h.key(keyDown) // from the microphone in use (USB Headset) to the speakers
	h.key(keyDown)
	h.do(h.key(keyEnter))
	if got := fc.calls; len(got) != 2 || got[0] != "use USB Headset|" || got[1] != "use |USB Headset" {
		t.Errorf("calls = %v", got)
	}
	mustContain(t, h.view(), "devices: opening USB Headset: device unavailable", "USB Headset → Built-in Speakers")
}

// Item 15: a reload that fails changes nothing in the UI; one that works updates
// the agent picker.
func TestControlsReloadUpdatesPicker(t *testing.T) {
	fc := &fakeControls{reloadErr: errors.New("bad file")}
	h := newHarness(t, 100, 30, withControls(fc))
	h.do(h.key(keyCtrlR))
	if len(h.m.picker.agents) != 2 {
		t.Errorf("agents after a failed reload = %v", h.m.picker.agents)
	}
	fc.reloadErr = nil
	fc.reload = ReloadResult{Agents: []string{"concierge", "billing", "returns"},
		AgentInfo: map[string]AgentInfo{"returns": {Description: "Returns and exchanges"}}}
	h.do(h.key(keyCtrlR))
	h.key(keyTab)
	mustContain(t, h.view(), "returns — Returns and exchanges")
}

// Without Controls the keys say so and do nothing.
func TestControlsAbsent(t *testing.T) {
	h := newHarness(t, 100, 30)
	for _, k := range []tea.KeyPressMsg{keyF8, keyF9, keyF10, keyF12, keyCtrlR} {
		if cmd := h.key(k); cmd != nil {
			t.Errorf("%s returned a command without Controls", k.String())
		}
		mustContain(t, h.view(), "not available here")
	}
}
