package tui

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"
)

// logLines renders the event log pane: a header, then the filtered raw events,
// one per line (newest at the bottom), scrollable.
func (m *Model) logLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	st := m.st
	rows := m.log.filtered(m.logFilter.Value())
	header := st.render(st.DialogTitle, "event log") + st.render(st.Muted,
		"  "+strconv.Itoa(len(rows))+"/"+strconv.Itoa(m.log.len())+" events")
	if m.log.dropped > 0 {
		header += st.render(st.Muted, " ("+strconv.Itoa(m.log.dropped)+" older dropped)")
	}
	header += st.render(st.Muted, " · ↑/↓ select · enter expands · f4 closes")

	lines := make([]string, len(rows))
	for i, r := range rows {
		dir, style := "←", st.LogIn // server → client
		if r.Direction == "out" {
			dir, style = "→", st.LogOut
		}
		line := r.At.Format("15:04:05.000") + " " + st.render(style, dir+" "+r.Type) + " " + st.render(st.Muted, r.Summary)
		if i == m.logSel {
			line = st.render(st.Selected, "▸ "+ansi.Strip(line))
		}
		lines[i] = ansi.Truncate(line, w, "…")
	}
	m.logScroll.setLines(lines)
	m.logScroll.setHeight(h - 1)
	if sel := m.logSel; sel >= 0 && sel < len(lines) { // keep the selection in view
		s := &m.logScroll
		if sel < s.offset {
			s.offset = sel
		} else if sel >= s.offset+s.height {
			s.offset = sel - s.height + 1
		}
		s.follow = false
	}
	out := append([]string{ansi.Truncate(header, w, "…")}, m.logScroll.visible()...)
	if len(rows) == 0 {
		out[1] = st.render(st.Muted, "  no events (raw events need --debug-events)")
		if m.log.len() > 0 {
			out[1] = st.render(st.Muted, "  no event matches the filter")
		}
	}
	return out
}
