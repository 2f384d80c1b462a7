package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/session"
)

// handleKeyPress routes a key: quit first, then the open dialog, the open
// pane, the global commands, and finally the focused text input.
func (m *Model) handleKeyPress(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Quit) {
		return m.handleQuit()
	}
	if len(m.approvals) > 0 {
		if m.approval.focused {
			return m.handleApprovalKey(msg)
		}
		if key.Matches(msg, k.Agent) { // tab: the deliberate key that answers
			m.focusApproval()
			return nil
		}
	}
	m.lastTyped = m.now()
	if m.picker.open {
		return m.handlePickerKey(msg)
	}
	if m.devices.open {
		return m.handleDeviceKey(msg)
	}
	if m.inspect.open {
		return m.handleInspectKey(msg)
	}
	if key.Matches(msg, k.Redraw) {
		return tea.ClearScreen
	}
	// q closes help on an empty input; in a message it is a letter.
	if m.helpOpen && (key.Matches(msg, k.Close, k.Help) || (msg.String() == "q" && m.input.Value() == "")) {
		m.helpOpen = false
		return nil
	}
	if m.helpOpen && m.scrollHelp(msg) {
		return nil
	}
	if m.logOpen {
		if cmd, ok := m.handleLogKey(msg); ok {
			return cmd
		}
	}

	switch {
	case key.Matches(msg, k.Interrupt):
		if !m.agentActive() {
			m.setNotice("nothing to interrupt")
			return nil
		}
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
	case key.Matches(msg, k.Inspect):
		m.inspectTools()
		return nil
	case key.Matches(msg, k.Voice):
		return m.toggleVoice()
	case key.Matches(msg, k.Turns):
		return m.toggleTurns()
	case key.Matches(msg, k.Devices):
		return m.openDevices()
	case key.Matches(msg, k.Reload):
		return m.reload("")
	case key.Matches(msg, k.Config):
		return m.openConfig()
	case key.Matches(msg, k.Mouse):
		m.mouse = !m.mouse
		if m.mouse {
			m.setNotice("mouse capture on: the wheel scrolls (f7: off, to select text)")
		} else {
			m.setNotice("mouse capture off: select text to copy (f7: on, to scroll with the wheel)")
		}
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
		m.logSel = -1
		return cmd
	}
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// agentActive reports whether there is anything to interrupt: an answer
// awaited or streaming, or assistant audio arriving or still audible.
func (m *Model) agentActive() bool {
	if !m.status.pendingSince.IsZero() || m.playing || m.status.levelOut > levelEpsilon {
		return true
	}
	es := m.record.Entries
	for i := len(es) - 1; i >= 0 && i >= len(es)-16; i-- {
		if es[i].Kind == EntryAssistant && !es[i].Final {
			return true
		}
	}
	return false
}

// handleKeyRelease ends push-to-talk where the terminal reports releases.
func (m *Model) handleKeyRelease(msg tea.KeyReleaseMsg) tea.Cmd {
	if m.releaseKeys && m.pttTalking && key.Matches(msg, m.keys.PushToTalk) {
		return m.pttCommit()
	}
	return nil
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if m.picker.open || m.devices.open {
		return nil
	}
	// Pasted text is a message: it goes to the input, and takes the keys back
	// from an approval dialog.
	m.approval.focused, m.approval.confirm = false, ""
	m.lastTyped = m.now()
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
	m.noticeTTL = quitArmWindow // the notice lasts exactly as long as the arm
	return nil
}

func (m *Model) send() tea.Cmd {
	text := strings.TrimSpace(m.input.Value())
	if text == "" {
		return nil
	}
	m.input.Reset()
	now := m.now()
	if rest, ok := strings.CutPrefix(text, "/image"); ok && (rest == "" || rest[0] == ' ') {
		return m.sendImage(strings.TrimSpace(rest))
	}
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
	case !m.status.pushToTalk && m.controls != nil:
		m.setNotice("push-to-talk is off: f9 turns it on")
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
	return m.pttCommit()
}

// pttCommit ends a push-to-talk turn. The turn's latency runs from here, as
// from the end of speech with voice activity detection (no speech_stopped
// comes without it).
func (m *Model) pttCommit() tea.Cmd {
	m.pttTalking = false
	m.status.pendingSince = m.now()
	return m.pttCommitCmd()
}

// handleApprovalKey handles a key while the approval dialog has the focus:
// y approves, n rejects; a (always approve) and v (always reject, "never")
// stick for the session, so they ask for enter first. Tab or esc give the keys
// back to the message line; any other typed character does too, and lands in
// the input, so no typed text is lost.
func (m *Model) handleApprovalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	a := m.approvals[0]
	if c := m.approval.confirm; c != "" {
		m.approval.confirm = ""
		if !key.Matches(msg, k.Send) {
			m.setNotice(c + " cancelled")
			return nil
		}
		if c == decAlwaysApprove {
			return m.decide(a, c, m.approveCmd(a.CallID, true))
		}
		return m.decide(a, c, m.rejectCmd(a.CallID, true))
	}
	switch {
	case key.Matches(msg, k.Approve):
		return m.decide(a, "approved", m.approveCmd(a.CallID, false))
	case key.Matches(msg, k.Reject):
		return m.decide(a, "rejected", m.rejectCmd(a.CallID, false))
	case key.Matches(msg, k.AlwaysApprove):
		m.approval.confirm = decAlwaysApprove
	case key.Matches(msg, k.AlwaysReject):
		m.approval.confirm = decAlwaysReject
	case key.Matches(msg, k.Agent, k.Close):
		m.approval.focused = false
		m.lastTyped = m.now() // stay unfocused for a moment
	case key.Matches(msg, k.PageUp):
		m.conv.scroll.pageUp()
	case key.Matches(msg, k.PageDown):
		m.conv.scroll.pageDown()
	case msg.Text != "":
		// Typing: the keys go back to the message, with this one.
		m.approval.focused = false
		m.lastTyped = m.now()
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	return nil
}

// Sticky decisions, as the dialog and the tool card name them.
const (
	decAlwaysApprove = "always approve"
	decAlwaysReject  = "always reject"
)

// decide answers the head of the queue and marks its card.
func (m *Model) decide(a session.ToolApprovalRequired, decision string, cmd tea.Cmd) tea.Cmd {
	m.approvals = m.approvals[1:]
	m.approval = approvalState{shownAt: m.now()} // the next one starts without the keys
	switch decision {
	case decAlwaysApprove:
		decision = "always approved"
		m.sticky[a.Tool] = true
	case decAlwaysReject:
		decision = "always rejected"
		m.sticky[a.Tool] = false
	}
	if e, ok := m.record.byCall[a.CallID]; ok {
		e.Decision = decision
		e.touch()
		m.convDirty = true
	}
	return cmd
}

// focusApproval gives the keys to the approval dialog.
func (m *Model) focusApproval() {
	m.approval.focused = true
	m.approval.confirm = ""
}

// maybeFocusApproval gives the dialog the keys once the user has stopped
// typing: input empty, nothing typed and the dialog shown for
// approvalFocusDelay. It reports whether the focus changed.
func (m *Model) maybeFocusApproval(now time.Time) bool {
	if len(m.approvals) == 0 || m.approval.focused || m.input.Value() != "" || m.logOpen {
		return false
	}
	if now.Sub(m.lastTyped) < approvalFocusDelay || now.Sub(m.approval.shownAt) < approvalFocusDelay {
		return false
	}
	m.focusApproval()
	return true
}

func (m *Model) openPicker() {
	if len(m.approvals) > 0 { // the approval is answered first (tab)
		m.setNotice("a tool call waits for approval: tab to answer it")
		return
	}
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
	case msg.String() == "up":
		n := len(m.log.filtered(m.logFilter.Value()))
		if m.logSel < 0 || m.logSel >= n {
			m.logSel = n
		}
		m.logSel = max(0, m.logSel-1)
	case msg.String() == "down":
		if m.logSel >= 0 {
			m.logSel++
			if m.logSel >= len(m.log.filtered(m.logFilter.Value())) {
				m.logSel = -1 // past the end: follow again
				m.logScroll.bottom()
			}
		}
	case key.Matches(msg, k.Send):
		rows := m.log.filtered(m.logFilter.Value())
		i := m.logSel
		if i < 0 {
			i = len(rows) - 1
		}
		m.inspectEvent(rows, i)
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
	m.notice = safe(s)
	m.noticeAt = m.now()
	m.noticeTTL = noticeLifetime
}
