package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKeyPress routes a key: quit first, then the open dialog, the open
// pane, the global commands, and finally the focused text input.
func (m *Model) handleKeyPress(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Quit) {
		return m.handleQuit()
	}
	if len(m.approvals) > 0 {
		return m.handleApprovalKey(msg)
	}
	if m.picker.open {
		return m.handlePickerKey(msg)
	}
	if m.helpOpen && (key.Matches(msg, k.Close, k.Help)) {
		m.helpOpen = false
		return nil
	}
	if m.logOpen {
		if cmd, ok := m.handleLogKey(msg); ok {
			return cmd
		}
	}

	switch {
	case key.Matches(msg, k.Interrupt):
		m.setNotice("interrupting…")
		return m.interruptCmd()
	case key.Matches(msg, k.Mute):
		return m.toggleMute()
	case key.Matches(msg, k.PushToTalk):
		return m.pushToTalkPress(msg)
	case key.Matches(msg, k.Agent):
		m.openPicker()
		return nil
	case key.Matches(msg, k.Log):
		m.logOpen, m.helpOpen = true, false
		return nil
	case msg.String() == "f1" || (msg.String() == "?" && m.input.Value() == "" && !m.logOpen):
		m.helpOpen = !m.helpOpen
		return nil
	case key.Matches(msg, k.PageUp):
		m.conv.scroll.pageUp()
		return nil
	case key.Matches(msg, k.PageDown):
		m.conv.scroll.pageDown()
		return nil
	case key.Matches(msg, k.Top):
		m.conv.scroll.top()
		return nil
	case key.Matches(msg, k.Bottom):
		m.conv.scroll.bottom()
		return nil
	case key.Matches(msg, k.Send) && !m.logOpen:
		return m.send()
	}

	var cmd tea.Cmd
	if m.logOpen {
		m.logFilter, cmd = m.logFilter.Update(msg)
		m.logScroll.follow = true
		return cmd
	}
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// handleKeyRelease ends push-to-talk where the terminal reports releases.
func (m *Model) handleKeyRelease(msg tea.KeyReleaseMsg) tea.Cmd {
	if m.releaseKeys && m.pttTalking && key.Matches(msg, m.keys.PushToTalk) {
		m.pttTalking = false
		return m.pttCommitCmd()
	}
	return nil
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if len(m.approvals) > 0 || m.picker.open {
		return nil
	}
	var cmd tea.Cmd
	if m.logOpen {
		m.logFilter, cmd = m.logFilter.Update(msg)
		return cmd
	}
	m.input, cmd = m.input.Update(msg)
	return cmd
}

func (m *Model) handleWheel(msg tea.MouseWheelMsg) {
	s := &m.conv.scroll
	if m.logOpen {
		s = &m.logScroll
	}
	switch msg.Button {
	case tea.MouseWheelUp:
		s.scroll(-3)
	case tea.MouseWheelDown:
		s.scroll(3)
	}
}

// handleQuit: the first Ctrl+C arms, a second one within quitArmWindow quits.
func (m *Model) handleQuit() tea.Cmd {
	now := m.now()
	if !m.quitArmed.IsZero() && now.Sub(m.quitArmed) <= quitArmWindow {
		return tea.Quit
	}
	m.quitArmed = now
	m.setNotice("press ctrl+c again to quit")
	return nil
}

func (m *Model) send() tea.Cmd {
	text := strings.TrimSpace(m.input.Value())
	if text == "" {
		return nil
	}
	m.input.Reset()
	now := m.now()
	m.record.add(&Entry{Kind: EntryUser, Text: text, Final: true, At: now})
	m.convDirty = true
	m.conv.scroll.follow = true
	m.status.pendingSince = now
	return m.sendTextCmd(text)
}

func (m *Model) toggleMute() tea.Cmd {
	if m.status.textMode {
		m.setNotice("no microphone in text mode")
		return nil
	}
	m.status.muted = !m.status.muted
	if m.status.muted {
		m.setNotice("microphone muted")
	} else {
		m.setNotice("microphone on")
	}
	return m.setMutedCmd(m.status.muted)
}

// pushToTalkPress holds to talk where key releases are reported, and toggles
// elsewhere (first press talks, second sends).
func (m *Model) pushToTalkPress(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.IsRepeat:
		return nil
	case m.status.textMode:
		m.setNotice("no microphone in text mode")
		return nil
	case !m.status.pushToTalk:
		m.setNotice("push-to-talk is off (start with --push-to-talk)")
		return nil
	}
	if !m.pttTalking {
		m.pttTalking = true
		return m.pttStartCmd()
	}
	if m.releaseKeys { // held: the release commits
		return nil
	}
	m.pttTalking = false
	return m.pttCommitCmd()
}

func (m *Model) handleApprovalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	a := m.approvals[0]
	var cmd tea.Cmd
	var decision string
	switch {
	case key.Matches(msg, k.Approve):
		decision, cmd = "approved", m.approveCmd(a.CallID, false)
	case key.Matches(msg, k.AlwaysApprove):
		decision, cmd = "always approved", m.approveCmd(a.CallID, true)
	case key.Matches(msg, k.Reject):
		decision, cmd = "rejected", m.rejectCmd(a.CallID, false)
	case key.Matches(msg, k.AlwaysReject):
		decision, cmd = "always rejected", m.rejectCmd(a.CallID, true)
	case key.Matches(msg, k.PageUp):
		m.conv.scroll.pageUp()
		return nil
	case key.Matches(msg, k.PageDown):
		m.conv.scroll.pageDown()
		return nil
	default:
		return nil // the dialog is modal
	}
	m.approvals = m.approvals[1:]
	if e, ok := m.record.byCall[a.CallID]; ok {
		e.Decision = decision
		e.touch()
		m.convDirty = true
	}
	return cmd
}

func (m *Model) openPicker() {
	if len(m.picker.agents) < 2 {
		m.setNotice("no other agent to switch to")
		return
	}
	m.picker.open = true
	m.picker.index = 0
	for i, a := range m.picker.agents {
		if a == m.status.agent {
			m.picker.index = (i + 1) % len(m.picker.agents) // preselect the next one
		}
	}
}

func (m *Model) handlePickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.picker
	n := len(p.agents)
	switch msg.String() {
	case "up", "shift+tab", "ctrl+p":
		p.index = (p.index - 1 + n) % n
	case "down", "tab", "ctrl+n", "f5":
		p.index = (p.index + 1) % n
	case "esc":
		p.open = false
	case "enter":
		p.open = false
		name := p.agents[p.index]
		if name == m.status.agent {
			return nil
		}
		m.setNotice("switching to " + name + "…")
		return m.switchAgentCmd(name)
	}
	return nil
}

// handleLogKey handles keys of the event log pane; ok is false when the key is
// not the pane's (global commands then apply).
func (m *Model) handleLogKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Log), msg.String() == "esc":
		m.logOpen = false
	case key.Matches(msg, k.PageUp):
		m.logScroll.pageUp()
	case key.Matches(msg, k.PageDown):
		m.logScroll.pageDown()
	case key.Matches(msg, k.Top):
		m.logScroll.top()
	case key.Matches(msg, k.Bottom):
		m.logScroll.bottom()
	default:
		return nil, false
	}
	return nil, true
}

func (m *Model) setNotice(s string) {
	m.notice = s
	m.noticeAt = m.now()
}
