package tui

import (
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
)

// backendDoneMsg reports a finished Backend or AudioControl call.
type backendDoneMsg struct {
	op  string // "send", "switch", "ptt start", "ptt commit", …
	err error
}

// tickMsg drives meters, spinners, the clock, notices and coalesced frames.
// The levels are sampled in the tick's command, off the Update goroutine.
type tickMsg struct {
	at       time.Time
	in, out  float64
	muted    bool
	hasAudio bool
}

func (m *Model) tickCmd() tea.Cmd {
	audio, now := m.audio, m.now
	return tea.Tick(tickInterval, func(time.Time) tea.Msg {
		t := tickMsg{at: now()}
		if audio != nil {
			t.in, t.out = audio.Levels()
			t.muted = audio.Muted()
			t.hasAudio = true
		}
		return t
	})
}

// call runs fn off the Update goroutine and reports its error.
func call(op string, fn func() error) tea.Cmd {
	return func() tea.Msg { return backendDoneMsg{op: op, err: fn()} }
}

func (m *Model) sendTextCmd(text string) tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("send", func() error { return b.SendText(text) })
}

// sendImage is /image FILE: the backend reads and sends the file (IO stays out of
// Update); the user's turn appears when the session reports it.
func (m *Model) sendImage(path string) tea.Cmd {
	if path == "" {
		m.setNotice("usage: /image FILE (PNG, JPEG, WebP or GIF)")
		return nil
	}
	is, ok := m.backend.(ImageSender)
	if !ok {
		m.setNotice("this session cannot send images")
		return nil
	}
	m.setNotice("sending image " + filepath.Base(path))
	m.status.pendingSince = m.now()
	return call("send image", func() error { return is.SendImage(path) })
}

func (m *Model) interruptCmd() tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("interrupt", func() error { b.Interrupt("manual"); return nil })
}

func (m *Model) approveCmd(callID string, always bool) tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("approve", func() error { b.Approve(callID, always); return nil })
}

// rejectMessage is what the model is told when the user rejects a call.
const rejectMessage = "The user rejected this tool call."

func (m *Model) rejectCmd(callID string, always bool) tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("reject", func() error { b.Reject(callID, always, rejectMessage); return nil })
}

func (m *Model) switchAgentCmd(name string) tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("switch agent", func() error { return b.SwitchAgent(name) })
}

func (m *Model) pttStartCmd() tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("push-to-talk", b.StartPushToTalk)
}

func (m *Model) pttCommitCmd() tea.Cmd {
	b := m.backend
	if b == nil {
		return nil
	}
	return call("commit audio", b.CommitAudio)
}

func (m *Model) setMutedCmd(muted bool) tea.Cmd {
	a := m.audio
	if a == nil {
		return nil
	}
	return call("mute", func() error { a.SetMuted(muted); return nil })
}
