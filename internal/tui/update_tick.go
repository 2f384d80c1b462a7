package tui

import (
	"math"
	"time"

	tea "charm.land/bubbletea/v2"
)

// levelEpsilon: meter changes smaller than this do not cost a frame.
const levelEpsilon = 1.0 / (2 * meterCells * meterCells)

// handleTick advances the clock, the spinner and the meters, expires notices
// and the Ctrl+C arm, and marks the frame dirty when anything visible changed.
// It always schedules the next tick.
func (m *Model) handleTick(t tickMsg) tea.Cmd {
	s := &m.status
	if t.at.Unix() != s.now.Unix() {
		m.dirty = true // the session clock shows seconds
	}
	s.now = t.at
	m.tick++
	if m.hasRunningTool() {
		m.convDirty, m.dirty = true, true
	}
	if t.hasAudio {
		if math.Abs(t.in-s.levelIn) > levelEpsilon || math.Abs(t.out-s.levelOut) > levelEpsilon {
			m.dirty = true
		}
		s.levelIn, s.levelOut = t.in, t.out
		if t.muted != s.muted {
			s.muted = t.muted
			m.dirty = true
		}
	}
	if m.notice != "" && t.at.Sub(m.noticeAt) >= m.noticeTTL {
		m.notice = ""
		m.dirty = true
	}
	if !m.quitArmed.IsZero() && t.at.Sub(m.quitArmed) > quitArmWindow {
		m.quitArmed = time.Time{}
	}
	if m.maybeFocusApproval(t.at) {
		m.dirty = true
	}
	if m.convDirty {
		m.dirty = true
	}
	return m.tickCmd()
}

func (m *Model) hasRunningTool() bool {
	// Running cards are few and recent: scan from the end, stop at a bound.
	es := m.record.Entries
	for i := len(es) - 1; i >= 0 && i >= len(es)-64; i-- {
		if es[i].Kind == EntryTool && es[i].State == ToolRunning {
			return true
		}
	}
	return false
}

// handleBackendDone surfaces a failed call as a notice and in the conversation.
func (m *Model) handleBackendDone(msg backendDoneMsg) {
	if msg.err == nil {
		return
	}
	if msg.op == "push-to-talk" {
		m.pttTalking = false
	}
	m.setNotice(msg.op + " failed: " + msg.err.Error())
	m.record.add(&Entry{Kind: EntryError, Source: "ui", Message: msg.op + " failed: " + msg.err.Error(), At: m.now()})
	m.convDirty = true
}
