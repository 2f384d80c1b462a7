package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// refresh lays out the screen and composes the frame View returns. It runs in
// Update only. Layout, top to bottom: main pane (conversation, event log or
// help), an optional dialog (approval or agent picker), a rule carrying
// notices, the input line, two status lines.
func (m *Model) refresh() {
	w, h := m.width, m.height
	m.dirty = false

	bottom := make([]string, 0, 16)
	bottom = append(bottom, m.dialogLines(w)...)
	bottom = append(bottom, m.ruleLine(w))
	inputRow := len(bottom)
	bottom = append(bottom, m.inputLine(w))
	bottom = append(bottom, m.statusLines(w)...)
	if len(bottom) > h { // tiny terminal: keep the lowest lines
		inputRow -= len(bottom) - h
		bottom = bottom[len(bottom)-h:]
	}
	mainH := h - len(bottom)

	var main []string
	mainFits := false // conversation lines were fitted when cached
	switch {
	case m.inspect.open:
		main = m.inspectLines(w, mainH)
	case m.helpOpen:
		main = m.helpLines(w, mainH)
	case m.logOpen:
		main = m.logLines(w, mainH)
	default:
		if m.convDirty {
			m.conv.rebuild(m.record, m.st, w, m.tick)
			m.convDirty = false
		}
		m.conv.scroll.setHeight(mainH)
		main = m.conv.scroll.visible()
		mainFits = true
	}

	var b strings.Builder
	b.Grow((w + 8) * h)
	for i, l := range main {
		if i > 0 {
			b.WriteByte('\n')
		}
		if !mainFits {
			l = fit(l, w)
		}
		b.WriteString(l)
	}
	for i, l := range bottom {
		if i > 0 || len(main) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fit(l, w))
	}
	m.frame = b.String()

	m.cursor = nil
	if inputRow >= 0 && !m.picker.open && !(len(m.approvals) > 0 && m.approval.focused) {
		var c *tea.Cursor
		if m.logOpen {
			c = m.logFilter.Cursor()
		} else {
			c = m.input.Cursor()
		}
		if c != nil {
			c.Position.Y = mainH + inputRow
			c.Position.X = min(c.Position.X, w-1)
			m.cursor = c
		}
	}
}

// fit truncates a line to the width (a last guard; renderers already wrap).
func fit(s string, w int) string {
	if len(s) <= w || ansi.StringWidth(s) <= w { // a cell takes at least a byte
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// ruleLine separates the conversation from the input. It carries the notice,
// else the scroll position when not following the end.
func (m *Model) ruleLine(w int) string {
	label := ""
	switch {
	case m.notice != "":
		label = m.st.render(m.st.Notice, " "+m.notice+" ")
	case !m.helpOpen && !m.logOpen:
		if _, below := m.conv.scroll.hidden(); below > 0 && !m.conv.scroll.follow {
			label = m.st.render(m.st.Muted, " ↓ "+strconv.Itoa(below)+" more lines · end to follow ")
		}
	}
	label = ansi.Truncate(label, max(0, w-2), "…")
	rest := max(0, w-2-ansi.StringWidth(label))
	return m.st.render(m.st.Rule, "──") + label + m.st.render(m.st.Rule, strings.Repeat("─", rest))
}

func (m *Model) inputLine(w int) string {
	in := &m.input
	if m.logOpen {
		in = &m.logFilter
	}
	in.SetWidth(max(1, w-ansi.StringWidth(in.Prompt)-1))
	return in.View()
}
