package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Controls are a chat's runtime controls (issue 12 items 13–16), as
// `lk agent console` and the OpenAI realtime console offer them: text ↔ voice,
// voice activity detection ↔ push-to-talk, the audio devices, reloading the
// agents file and the session configuration sent. Options.Controls is nil where
// there are none (the keys then say so). The UI calls them only from tea.Cmds.
type Controls interface {
	// State is the current mode and devices.
	State() ControlState
	// SetVoice turns spoken answers with the microphone and speaker on, or
	// switches to text. Turning voice on fails when no audio device opens; the
	// state returned then says text.
	SetVoice(on bool) (ControlState, error)
	// SetPushToTalk switches between push-to-talk (on) and voice activity
	// detection.
	SetPushToTalk(on bool) (ControlState, error)
	// AudioDevices lists the microphones and speakers by name.
	AudioDevices() (inputs, outputs []string, err error)
	// UseDevices reopens the audio with these devices ("" keeps the current
	// one). On failure the previous devices are reopened, or the chat goes on in
	// text; the state says which.
	UseDevices(input, output string) (ControlState, error)
	// Reload reads and validates the agents file and applies it to the running
	// session; on error nothing changes and the error says what is wrong.
	Reload() (ReloadResult, error)
	// SessionConfig is the session configuration last sent (after templating:
	// instructions, tools, turn detection, voice, modalities), pretty-printed.
	SessionConfig() (string, error)
}

// ControlState is the chat's mode and audio devices.
type ControlState struct {
	Voice      bool // answers spoken; microphone and speaker open
	PushToTalk bool // manual turns (else voice activity detection)
	// Input and Output name the devices in use ("" without audio).
	Input, Output string
}

// ReloadResult describes an agents file that was reloaded.
type ReloadResult struct {
	Agents    []string             // agent names, for the picker
	AgentInfo map[string]AgentInfo // as Options.AgentInfo
	// Pending: the session applies the change at its next safe point (an answer
	// is in progress); otherwise it was applied at once.
	Pending bool
}

// ReloadRequestMsg asks the UI to reload the agents file, as ctrl+r does
// (chat --watch sends it when the file changes).
type ReloadRequestMsg struct{ Reason string }

// Results of Controls calls, delivered to Update.
type (
	controlStateMsg struct {
		op    string // "voice", "text", "push-to-talk", "voice activity", "devices", "" (initial)
		state ControlState
		err   error
	}
	deviceListMsg struct {
		inputs, outputs []string
		err             error
	}
	reloadDoneMsg struct {
		reason string
		res    ReloadResult
		err    error
	}
	configMsg struct {
		body string
		err  error
	}
)

// devicePicker lists the microphones, then the speakers; enter uses the
// selected one.
type devicePicker struct {
	open    bool
	inputs  []string
	outputs []string
	index   int
}

func (p *devicePicker) len() int { return len(p.inputs) + len(p.outputs) }

// selected returns the device under the cursor and whether it is a microphone.
func (p *devicePicker) selected() (name string, input bool) {
	if p.index < len(p.inputs) {
		return p.inputs[p.index], true
	}
	return p.outputs[p.index-len(p.inputs)], false
}

func (m *Model) controlStateCmd() tea.Cmd {
	c := m.controls
	if c == nil {
		return nil
	}
	return func() tea.Msg { return controlStateMsg{state: c.State()} }
}

// applyControlState takes the controller's word for the mode.
func (m *Model) applyControlState(st ControlState) {
	s := &m.status
	s.textMode = !st.Voice
	s.spoken = st.Voice
	if s.pushToTalk != st.PushToTalk || s.textMode {
		m.pttTalking = false
	}
	s.pushToTalk = st.PushToTalk
	s.inputDevice, s.outputDevice = st.Input, st.Output
	m.input.Placeholder = inputHint(s.pushToTalk && !s.textMode, m.releaseKeys)
}

func (m *Model) handleControlState(msg controlStateMsg) {
	m.ctlBusy = false
	m.applyControlState(msg.state)
	if msg.err != nil {
		text := msg.op + ": " + msg.err.Error()
		m.setNotice(text)
		m.record.add(&Entry{Kind: EntryError, Source: "ui", Message: text, At: m.now()})
		m.convDirty = true
		return
	}
	var note string
	switch msg.op {
	case "":
		return
	case "voice":
		note = "voice on: answers are spoken, the microphone " + m.micMode() + " (f8: text)"
	case "text":
		note = "text mode: answers are written, the microphone is off (f8: voice)"
	case "push-to-talk":
		note = "push-to-talk: " + strings.TrimSuffix(inputHint(true, m.releaseKeys), " · f1 help") + " (f9: voice activity)"
	case "voice activity":
		note = "voice activity detection: just speak (f9: push-to-talk)"
	case "devices":
		note = "audio: microphone " + orDash(msg.state.Input) + " · speaker " + orDash(msg.state.Output)
	}
	m.setNotice(note)
	m.record.add(&Entry{Kind: EntryNotice, Message: note, At: m.now()})
	m.convDirty = true
}

func (m *Model) micMode() string {
	if m.status.pushToTalk {
		return "talks on push-to-talk"
	}
	return "listens (voice activity)"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// controlsMissing says a control is not available and reports whether it is.
func (m *Model) controlsMissing(what string) bool {
	if m.controls == nil {
		m.setNotice(what + " is not available here")
		return true
	}
	if m.ctlBusy {
		m.setNotice("busy: the last change is still being applied")
		return true
	}
	return false
}

// toggleVoice switches between text and voice (f8).
func (m *Model) toggleVoice() tea.Cmd {
	if m.controlsMissing("switching text and voice") {
		return nil
	}
	m.ctlBusy = true
	on := m.status.textMode
	op := "text"
	if on {
		op = "voice"
		m.setNotice("opening the audio devices…")
	}
	c := m.controls
	return func() tea.Msg {
		st, err := c.SetVoice(on)
		return controlStateMsg{op: op, state: st, err: err}
	}
}

// toggleTurns switches between voice activity detection and push-to-talk (f9).
func (m *Model) toggleTurns() tea.Cmd {
	if m.controlsMissing("switching push-to-talk") {
		return nil
	}
	m.ctlBusy = true
	on := !m.status.pushToTalk
	op := "voice activity"
	if on {
		op = "push-to-talk"
	}
	c := m.controls
	return func() tea.Msg {
		st, err := c.SetPushToTalk(on)
		return controlStateMsg{op: op, state: st, err: err}
	}
}

// openDevices asks for the device list (f10); the picker opens with it.
func (m *Model) openDevices() tea.Cmd {
	if m.controlsMissing("choosing audio devices") {
		return nil
	}
	if m.status.textMode {
		m.setNotice("no audio devices in text mode (f8 turns voice on)")
		return nil
	}
	c := m.controls
	return func() tea.Msg {
		in, out, err := c.AudioDevices()
		return deviceListMsg{inputs: in, outputs: out, err: err}
	}
}

func (m *Model) handleDeviceList(msg deviceListMsg) {
	if msg.err != nil {
		m.setNotice("audio devices: " + msg.err.Error())
		return
	}
	if len(msg.inputs)+len(msg.outputs) == 0 {
		m.setNotice("no audio devices found")
		return
	}
	p := devicePicker{open: true, inputs: msg.inputs, outputs: msg.outputs}
	for i, d := range p.inputs { // start on the microphone in use
		if d == m.status.inputDevice {
			p.index = i
		}
	}
	m.devices = p
}

func (m *Model) handleDeviceKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.devices
	n := p.len()
	switch {
	case msg.String() == "up" || msg.String() == "shift+tab" || msg.String() == "ctrl+p":
		p.index = (p.index - 1 + n) % n
	case msg.String() == "down" || msg.String() == "tab" || msg.String() == "ctrl+n":
		p.index = (p.index + 1) % n
	case msg.String() == "esc" || msg.String() == "q" || msg.String() == "f10":
		p.open = false
	case msg.String() == "enter":
		p.open = false
		name, input := p.selected()
		if input && name == m.status.inputDevice || !input && name == m.status.outputDevice {
			return nil
		}
		if m.controlsMissing("choosing audio devices") {
			return nil
		}
		in, out := "", name
		if input {
			in, out = name, ""
		}
		m.ctlBusy = true
		m.setNotice("reopening the audio with " + name + "…")
		c := m.controls
		return func() tea.Msg {
			st, err := c.UseDevices(in, out)
			return controlStateMsg{op: "devices", state: st, err: err}
		}
	}
	return nil
}

// reload reloads the agents file (ctrl+r, or chat --watch).
func (m *Model) reload(reason string) tea.Cmd {
	if m.controls == nil {
		m.setNotice("reloading the agents file is not available here")
		return nil
	}
	m.setNotice("reloading the agents file…")
	c := m.controls
	return func() tea.Msg {
		res, err := c.Reload()
		return reloadDoneMsg{reason: reason, res: res, err: err}
	}
}

func (m *Model) handleReloadDone(msg reloadDoneMsg) {
	now := m.now()
	m.convDirty = true
	why := ""
	if msg.reason != "" {
		why = " (" + msg.reason + ")"
	}
	if msg.err != nil {
		m.setNotice("agents file not reloaded: the session is unchanged")
		m.record.add(&Entry{Kind: EntryError, Source: "reload", Message: "agents file not reloaded" + why + ", the session is unchanged: " + msg.err.Error(), At: now})
		return
	}
	if len(msg.res.Agents) > 0 {
		m.picker.agents = append([]string(nil), msg.res.Agents...)
	}
	if msg.res.AgentInfo != nil {
		m.agentInfo = msg.res.AgentInfo
	}
	when := "apply now"
	if msg.res.Pending {
		when = "apply when the current answer ends"
	}
	n := strconv.Itoa(len(msg.res.Agents)) + " agents"
	if len(msg.res.Agents) == 1 {
		n = "1 agent"
	}
	note := "agents file reloaded" + why + ": " + n + "; instructions, tools and guardrails " + when
	m.setNotice("agents file reloaded")
	m.record.add(&Entry{Kind: EntryNotice, Message: note, At: now})
}

// openConfig asks for the session configuration (f12); the inspector shows it.
func (m *Model) openConfig() tea.Cmd {
	if m.controls == nil {
		m.setNotice("the session configuration is not available here")
		return nil
	}
	c := m.controls
	return func() tea.Msg {
		body, err := c.SessionConfig()
		return configMsg{body: body, err: err}
	}
}

func (m *Model) handleConfig(msg configMsg) {
	if msg.err != nil {
		m.setNotice("session configuration: " + msg.err.Error())
		return
	}
	m.inspect = inspector{open: true, config: msg.body}
	m.helpOpen = false
}
