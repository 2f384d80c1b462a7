package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

const meterCells = 8

// statusLines renders the two status lines: who and how (agent, model, voice,
// connection, microphone), then numbers (levels, latency, cost, session time).
func (m *Model) statusLines(width int) []string {
	s := &m.status
	st := m.st
	sep := st.render(st.Muted, " │ ")

	agent := s.agent
	if agent == "" {
		agent = "—"
	}
	modelVoice := s.model
	if s.voice != "" {
		if modelVoice != "" {
			modelVoice += " · "
		}
		modelVoice += s.voice
	}
	l1 := []string{st.render(st.StatusKey, agent)}
	if modelVoice != "" {
		l1 = append(l1, modelVoice)
	}
	l1 = append(l1, m.connText(), "mic: "+m.micText())
	if d := m.deviceText(); d != "" {
		l1 = append(l1, d)
	}
	if s.localVAD != "" && !s.textMode {
		l1 = append(l1, s.localVAD)
	}

	var l2 []string
	if !s.textMode {
		l2 = append(l2, "in "+m.meter(s.levelIn)+" out "+m.meter(s.levelOut))
	}
	lat := "latency —"
	if s.hasLatency {
		lat = "latency " + formatDuration(s.latency)
	}
	cost := fmt.Sprintf("$%.4f", s.costUSD)
	if s.simulated {
		cost += " (simulated)"
	}
	l2 = append(l2, lat, cost, formatClock(s.now.Sub(s.started)), m.modeKeys()+st.render(st.StatusKey, "f1")+" help")

	return []string{
		ansi.Truncate(" "+strings.Join(l1, sep), width, "…"),
		ansi.Truncate(" "+strings.Join(l2, sep), width, "…"),
	}
}

func (m *Model) connText() string {
	st := m.st
	switch m.status.conn {
	case "connected":
		return st.render(st.ToolOK, "● connected")
	case "connecting", "reconnecting":
		return st.render(st.Notice, "◌ "+m.status.conn)
	default:
		return st.render(st.Err, "○ "+m.status.conn)
	}
}

func (m *Model) micText() string {
	s := &m.status
	switch {
	case s.textMode:
		return "off (text)"
	case s.muted:
		return m.st.render(m.st.Err, "muted")
	case s.pushToTalk && m.pttTalking:
		return m.st.render(m.st.ToolOK, "● talking (ptt)")
	case s.pushToTalk:
		return "push-to-talk"
	case s.speaking:
		return m.st.render(m.st.ToolOK, "● hearing you")
	case m.controls != nil:
		return "listening (vad)"
	default:
		return "listening"
	}
}

// deviceText names the microphone and speaker in use, when known (item 14).
func (m *Model) deviceText() string {
	s := &m.status
	if s.textMode || s.inputDevice == "" && s.outputDevice == "" {
		return ""
	}
	return orDash(s.inputDevice) + " → " + orDash(s.outputDevice)
}

// modeKeys names the keys that switch the mode (item 13), with Controls.
func (m *Model) modeKeys() string {
	if m.controls == nil {
		return ""
	}
	st := m.st
	k := func(key, what string) string { return st.render(st.StatusKey, key) + " " + what + " " }
	if m.status.textMode {
		return k("f8", "voice")
	}
	if m.status.pushToTalk {
		return k("f8", "text") + k("f9", "vad")
	}
	return k("f8", "text") + k("f9", "ptt")
}

// meter draws a level 0..1 as meterCells cells. Levels are mapped on a square
// root scale so quiet speech is still visible.
func (m *Model) meter(level float64) string {
	if math.IsNaN(level) {
		level = 0
	}
	level = min(max(level, 0), 1)
	n := int(math.Round(math.Sqrt(level) * meterCells))
	on := strings.Repeat("█", n)
	off := strings.Repeat("·", meterCells-n)
	return m.st.render(m.st.Meter, on) + m.st.render(m.st.Muted, off)
}

func formatClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int(d / time.Second)
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%02d:%02d", sec/60, sec%60)
}
