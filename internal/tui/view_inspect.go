package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// inspectLines renders the inspector: a header naming the item and the keys,
// then its JSON, wrapped hard at the width (JSON has long tokens), scrollable.
func (m *Model) inspectLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	st := m.st
	in := &m.inspect
	title, body := m.inspected()
	title, body = safe(title), safe(body) // a raw frame or a tool output as it came
	header := st.render(st.DialogTitle, title) + st.render(st.Muted,
		"  "+strconv.Itoa(in.index+1)+" of "+strconv.Itoa(in.len())) + "\n" + st.render(st.Muted, "←/→ previous/next · ↑/↓ scroll · c copies (OSC 52) · esc closes")
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		lines = append(lines, strings.Split(ansi.Hardwrap(l, max(1, w), true), "\n")...)
	}
	in.scroll.setLines(lines)
	hl := strings.Split(header, "\n")
	for i := range hl {
		hl[i] = ansi.Truncate(hl[i], w, "…")
	}
	hl = hl[:min(len(hl), h)]
	in.scroll.setHeight(h - len(hl))
	return append(hl, in.scroll.visible()...)
}
